import type { FormEvent } from 'react';
import {
  type Architecture,
  HIDDEN_UNITS_RANGE,
  LATENT_DIM_RANGE,
  type Variant,
} from '../../../shared/config';
import { useAppStore } from '../../../app/store';
import { useUserImagesStore } from '../../image-import/client/import-client';
import { applySettings, startTrainer } from './trainer-client';
import { BATCH_SIZE_RANGE, type BackendRequest, type RunSettings } from '../shared/protocol';
import type { DatasetId } from '../../../shared/dataset';

const BACKENDS: { value: BackendRequest; label: string }[] = [
  { value: 'auto', label: 'automatic' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WebAssembly' },
  { value: 'cpu', label: 'CPU (plain JS)' },
];

function sameSettings(a: RunSettings, b: RunSettings | null) {
  return b !== null && (Object.keys(a) as (keyof RunSettings)[]).every((k) => a[k] === b[k]);
}

interface NumberFieldProps {
  id: string;
  label: string;
  /** Tooltip: one or two sentences with the symbol from the formulas. */
  help: string;
  value: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
}

function NumberField({ id, label, help, value, min, max, onChange }: NumberFieldProps) {
  return (
    <div className="number-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        title={help}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={Number.isFinite(value) ? value : ''}
        onChange={(e) => onChange(e.currentTarget.valueAsNumber)}
      />
    </div>
  );
}

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

  const problems: string[] = [];
  const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!inRange(requested.latentDim, LATENT_DIM_RANGE.min, LATENT_DIM_RANGE.max))
    problems.push(
      `Latent size: a whole number from ${LATENT_DIM_RANGE.min} to ${LATENT_DIM_RANGE.max}`,
    );
  if (!inRange(requested.hiddenUnits, HIDDEN_UNITS_RANGE.min, HIDDEN_UNITS_RANGE.max))
    problems.push(
      `Hidden units: a whole number from ${HIDDEN_UNITS_RANGE.min} to ${HIDDEN_UNITS_RANGE.max}`,
    );
  if (!inRange(requested.batchSize, BATCH_SIZE_RANGE.min, BATCH_SIZE_RANGE.max))
    problems.push(
      `Batch size: a whole number from ${BATCH_SIZE_RANGE.min} to ${BATCH_SIZE_RANGE.max}`,
    );
  if (!inRange(requested.seed, 0, 2 ** 31 - 1)) problems.push('Seed: a whole number of at least 0');
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
      <form onSubmit={submit} className="run-settings">
        <div className="select-field">
          <label htmlFor="dataset">Data set</label>
          <select
            id="dataset"
            title="The images to learn: handwritten digits or clothing, 28×28 grey levels, or your own images"
            value={requested.dataset}
            onChange={(e) => setRequested({ dataset: e.currentTarget.value as DatasetId })}
          >
            <option value="mnist">MNIST digits</option>
            <option value="fashion-mnist">Fashion-MNIST</option>
            <option value="user" disabled={!userSet}>
              {userSet ? `Your images: ${userSet.name}` : 'Your images (none loaded)'}
            </option>
          </select>
        </div>
        <div className="select-field">
          <label htmlFor="architecture">Architecture</label>
          <select
            id="architecture"
            title="mlp: the seed's one-hidden-layer networks. conv: DCGAN-style convolutional encoder, decoder (batch-normalised) and discriminator, Dis_l = its last conv block; a step costs many times an mlp step"
            value={requested.architecture}
            onChange={(e) => setRequested({ architecture: e.currentTarget.value as Architecture })}
          >
            <option value="mlp">mlp: 784-hidden-latent (the seed's)</option>
            <option value="conv">conv: DCGAN-style, 5×5 convolutions</option>
          </select>
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
          <label htmlFor="variant">Variant</label>
          <select
            id="variant"
            title="shared: the decoder p_θ is also the generator, so β and γ act on the same weights. separate: a generator G_ϑ of its own"
            value={requested.variant}
            onChange={(e) => setRequested({ variant: e.currentTarget.value as Variant })}
          >
            <option value="shared">shared: decoder = generator</option>
            <option value="separate">separate: four networks (the seed's code)</option>
          </select>
        </div>
        <NumberField
          id="latent"
          label="Latent size"
          help="dim z: the size of the code q_φ(z|x) maps each image to; 2 makes the latent space drawable"
          value={requested.latentDim}
          min={LATENT_DIM_RANGE.min}
          max={LATENT_DIM_RANGE.max}
          onChange={(latentDim) => setRequested({ latentDim })}
        />
        <NumberField
          id="hidden"
          label="Hidden units"
          help="Width of the one hidden layer of every MLP network (512 in the seed); the conv networks have fixed 32 and 64 filters and do not use it"
          value={requested.hiddenUnits}
          min={HIDDEN_UNITS_RANGE.min}
          max={HIDDEN_UNITS_RANGE.max}
          onChange={(hiddenUnits) => setRequested({ hiddenUnits })}
        />
        <NumberField
          id="batch"
          label="Batch size"
          help="Images per training step; the losses are means over the batch"
          value={requested.batchSize}
          min={BATCH_SIZE_RANGE.min}
          max={BATCH_SIZE_RANGE.max}
          onChange={(batchSize) => setRequested({ batchSize })}
        />
        <NumberField
          id="seed"
          label="Seed"
          help="Fixes the initial weights, the batch order and every noise draw: the same seed and settings give the same run"
          value={requested.seed}
          min={0}
          max={2 ** 31 - 1}
          onChange={(seed) => setRequested({ seed })}
        />
        <div className="select-field">
          <label htmlFor="backend">Backend</label>
          <select
            id="backend"
            title="Where the worker computes: automatic picks the fastest that is not a software GPU. Changing it restarts the worker"
            value={backendRequest}
            onChange={(e) => setBackendRequest(e.currentTarget.value as BackendRequest)}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </div>
        {problems.length > 0 && (
          <ul className="field-errors" role="alert">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <button
          type="submit"
          disabled={status === 'loading'}
          title="Build a new model with these settings (new weights from the seed)"
        >
          Apply settings
        </button>
        <p className="muted small" data-testid="settings-state">
          {pending
            ? 'Changed: Apply starts a new model with new weights.'
            : 'These settings are running.'}
        </p>
      </form>
    </section>
  );
}
