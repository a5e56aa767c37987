import { Toggletip } from '../../../ui/Toggletip';
import { useAppStore } from '../../../app/store';
import { PRESETS, type Preset } from '../../../shared/presets';
import { applySettings, sendBudget, sendHyperparams } from './trainer-client';

/** Puts a preset's settings in the form, the sliders and the budget, and builds its model. */
async function applyPreset(preset: Preset) {
  const store = useAppStore.getState();
  const settings = { ...store.requested, ...preset.settings };
  store.setRequested(settings);
  store.setHyperparams(preset.hyperparams);
  store.setBudget(preset.budget);
  await Promise.all([sendHyperparams(preset.hyperparams), sendBudget(preset.budget)]);
  await applySettings(settings);
  store.addNotice('info', `Preset "${preset.label}": ${preset.description}`);
}

/** The presets, one button each: a new model with all of a preset's settings. */
export function PresetPicker() {
  const status = useAppStore((s) => s.status);
  return (
    <div className="preset-picker" role="group" aria-label="Presets">
      <span className="muted small">Presets:</span>
      {PRESETS.map((preset) => (
        <span key={preset.id} className="preset">
          <button
            type="button"
            disabled={status === 'loading' || status === 'idle'}
            onClick={() => void applyPreset(preset)}
          >
            {preset.label}
          </button>
          <Toggletip
            about={`the ${preset.label} preset`}
            text={`${preset.description} Builds a new model.`}
          />
        </span>
      ))}
    </div>
  );
}
