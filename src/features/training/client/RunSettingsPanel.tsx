import type { FormEvent } from 'react';
import { useAppStore } from '../../../app/store';
import {
  BACKEND_SETTING,
  type BackendRequest,
  type IntRow,
  RUN_SETTINGS,
  type RunSettings,
  settingProblem,
} from '../../../shared/settings';
import { useUserImagesStore } from '../../image-import/client/import-client';
import { applySettings, startTrainer } from './trainer-client';
import { Toggletip } from '../../../ui/Toggletip';
import { PresetPicker } from './PresetPicker';

const BACKENDS = BACKEND_SETTING.choices.map((value) => ({
  value,
  label: BACKEND_SETTING.options[value],
}));

function sameSettings(a: RunSettings, b: RunSettings | null) {
  return b !== null && (Object.keys(a) as (keyof RunSettings)[]).every((k) => a[k] === b[k]);
}

interface NumberFieldProps {
  id: string;
  /** The setting's row of the settings table: label, help, range. */
  row: IntRow;
  value: number;
  onChange: (value: number) => void;
}

function NumberField({ id, row, value, onChange }: NumberFieldProps) {
  return (
    <div className="number-field">
      <label htmlFor={id}>{row.label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={row.min}
        max={row.max}
        step={1}
        value={Number.isFinite(value) ? value : ''}
        onChange={(e) => onChange(e.currentTarget.valueAsNumber)}
      />
      <Toggletip about={row.label} text={row.help} />
    </div>
  );
}

/** "latent size must be a whole number from 2 to 128" as the form says it. */
const formProblem = (
  key: 'latentDim' | 'hiddenUnits' | 'hiddenLayers' | 'batchSize' | 'seed',
  value: number,
) => {
  const problem = settingProblem(key, value);
  const row = RUN_SETTINGS[key];
  return problem && `${row.label}: a whole number from ${row.min} to ${row.max}`;
};

/** Settings that define a model: they take effect when applied, with new weights. */
export function RunSettingsPanel() {
  const requested = useAppStore((s) => s.requested);
  const running = useAppStore((s) => s.running);
  const backendRequest = useAppStore((s) => s.backendRequest);
  const backend = useAppStore((s) => s.backend);
  const status = useAppStore((s) => s.status);
  const setRequested = useAppStore((s) => s.setRequested);
  const setBackendRequest = useAppStore((s) => s.setBackendRequest);
  const addNotice = useAppStore((s) => s.addNotice);
  const userSet = useUserImagesStore((s) => s.loaded);

  const backendChanged = backend !== null && backendRequest !== backend.requested;
  const pending = !sameSettings(requested, running) || backendChanged;
  const conv = requested.architecture === 'conv';
  // The running backend reports the conv kernels it lacks (none anywhere in this app's build: the
  // wasm backend gets its filter gradient from src/runtime/wasm/tfjs/conv.ts; a benchmark can leave it
  // out with ?conv=tfjs). A restart on another backend picks again and is not blocked here.
  const missing = backend?.missingConvKernels ?? [];
  const convBlocked = conv && !backendChanged && status !== 'error' && missing.length > 0;
  const missingKernels = missing.join(', ');
  const backendLabel = BACKENDS.find((b) => b.value === backend?.name)?.label ?? backend?.name;
  /** Restarts the worker on a backend that trains conv, with the settings in the form. */
  const switchBackend = (to: BackendRequest) => {
    setBackendRequest(to);
    void startTrainer(to, requested, useAppStore.getState().hyperparams);
  };

  const problems = (
    ['latentDim', 'hiddenUnits', 'hiddenLayers', 'batchSize', 'seed'] as const
  ).flatMap((key) => formProblem(key, requested[key]) ?? []);
  if (requested.dataset === 'user' && !userSet)
    problems.push('Data set: load your images under "Your own images" first');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problems.length > 0) {
      addNotice('error', problems.join('. '));
      return;
    }
    if (convBlocked) {
      if (backendRequest === 'auto') {
        // The automatic choice passes over backends that cannot train conv.
        void startTrainer('auto', requested, useAppStore.getState().hyperparams);
        return;
      }
      addNotice(
        'error',
        `The ${backendLabel} backend cannot train the conv architecture (no ${missingKernels} kernel). Switch to WebGL or WebGPU, or pick mlp.`,
      );
      return;
    }
    if (backendChanged || status === 'error') {
      void startTrainer(backendRequest, requested, useAppStore.getState().hyperparams);
    } else {
      void applySettings(requested);
    }
  };

  return (
    <section className="panel" aria-labelledby="run-heading">
      <h2 id="run-heading">Model and data</h2>
      <PresetPicker />
      <form onSubmit={submit} className="run-settings">
        <div className="select-field">
          <label htmlFor="dataset">{RUN_SETTINGS.dataset.label}</label>
          <select
            id="dataset"
            value={requested.dataset}
            onChange={(e) =>
              setRequested({ dataset: e.currentTarget.value as RunSettings['dataset'] })
            }
          >
            {RUN_SETTINGS.dataset.choices.map((id) =>
              id === 'user' ? (
                <option key={id} value={id} disabled={!userSet}>
                  {userSet ? `Your images: ${userSet.name}` : 'Your images (none loaded)'}
                </option>
              ) : (
                <option key={id} value={id}>
                  {RUN_SETTINGS.dataset.options[id]}
                </option>
              ),
            )}
          </select>
          <Toggletip about={RUN_SETTINGS.dataset.label} text={RUN_SETTINGS.dataset.help} />
        </div>
        <div className="select-field">
          <label htmlFor="architecture">{RUN_SETTINGS.architecture.label}</label>
          <select
            id="architecture"
            value={requested.architecture}
            onChange={(e) =>
              setRequested({
                architecture: e.currentTarget.value as RunSettings['architecture'],
              })
            }
          >
            {RUN_SETTINGS.architecture.choices.map((value) => (
              <option key={value} value={value}>
                {RUN_SETTINGS.architecture.options[value]}
              </option>
            ))}
          </select>
          <Toggletip
            about={RUN_SETTINGS.architecture.label}
            text={RUN_SETTINGS.architecture.help}
          />
        </div>
        {convBlocked && (
          <div className="conv-backend" role="alert" data-testid="conv-backend-message">
            <p>
              The {backendLabel} backend cannot train the conv architecture: TensorFlow.js has no{' '}
              <code>{missingKernels}</code> kernel for it.{' '}
              {backendRequest === 'auto'
                ? 'Apply settings restarts on a backend that can (the automatic choice skips the ones that cannot).'
                : 'Switch to a backend that can train it:'}
            </p>
            <div className="conv-backend-buttons">
              <button type="button" onClick={() => switchBackend('webgl')}>
                Switch to WebGL
              </button>
              <button type="button" onClick={() => switchBackend('webgpu')}>
                Switch to WebGPU
              </button>
            </div>
          </div>
        )}
        <div className="select-field">
          <label htmlFor="variant">{RUN_SETTINGS.variant.label}</label>
          <select
            id="variant"
            value={requested.variant}
            onChange={(e) =>
              setRequested({ variant: e.currentTarget.value as RunSettings['variant'] })
            }
          >
            {RUN_SETTINGS.variant.choices.map((value) => (
              <option key={value} value={value}>
                {RUN_SETTINGS.variant.options[value]}
              </option>
            ))}
          </select>
          <Toggletip about={RUN_SETTINGS.variant.label} text={RUN_SETTINGS.variant.help} />
        </div>
        <NumberField
          id="latent"
          row={RUN_SETTINGS.latentDim}
          value={requested.latentDim}
          onChange={(latentDim) => setRequested({ latentDim })}
        />
        <NumberField
          id="hidden"
          row={RUN_SETTINGS.hiddenUnits}
          value={requested.hiddenUnits}
          onChange={(hiddenUnits) => setRequested({ hiddenUnits })}
        />
        <NumberField
          id="layers"
          row={RUN_SETTINGS.hiddenLayers}
          value={requested.hiddenLayers}
          onChange={(hiddenLayers) => setRequested({ hiddenLayers })}
        />
        <NumberField
          id="batch"
          row={RUN_SETTINGS.batchSize}
          value={requested.batchSize}
          onChange={(batchSize) => setRequested({ batchSize })}
        />
        <NumberField
          id="seed"
          row={RUN_SETTINGS.seed}
          value={requested.seed}
          onChange={(seed) => setRequested({ seed })}
        />
        <div className="select-field">
          <label htmlFor="backend">{BACKEND_SETTING.label}</label>
          <select
            id="backend"
            value={backendRequest}
            onChange={(e) => setBackendRequest(e.currentTarget.value as BackendRequest)}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
          <Toggletip about={BACKEND_SETTING.label} text={BACKEND_SETTING.help} />
        </div>
        {problems.length > 0 && (
          <ul className="field-errors" role="alert">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={status === 'loading'} aria-describedby="settings-state">
          Apply settings
        </button>
        <p className="muted small" id="settings-state" data-testid="settings-state">
          {pending
            ? 'Changed: Apply starts a new model with new weights.'
            : 'These settings are running.'}
        </p>
      </form>
    </section>
  );
}
