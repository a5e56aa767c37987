import {
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  LIVE_SETTINGS,
  type ReconstructionLoss,
} from '../../../shared/settings';
import { modelMode } from './objective';
import { useAppStore } from '../../../app/store';
import { Toggletip } from '../../../ui/Toggletip';
import './objective-options.css';

const REC = LIVE_SETTINGS.reconstructionLoss;
/** The objective's on/off settings, one checkbox each, in this order. */
const SWITCHES = [
  'reconstructionsInD',
  'equilibriumGate',
  'ganOnly',
  'dWatches',
  'binarize',
] as const satisfies readonly (keyof Hyperparams)[];

interface Props {
  hp: Hyperparams;
  update: (patch: Partial<Hyperparams>) => void;
}

/**
 * The live choices of the objective beside the weights: the reconstruction loss, the
 * discriminator's batches, Larsen's equilibrium gate and GAN-only training, with the plain VAE
 * and the plain GAN as one-click special cases. Each acts on the next step.
 */
export function ObjectiveOptions({ hp, update }: Props) {
  const inForce = useAppStore((s) => s.inForce);
  const confirmed = inForce?.hyperparams;
  const mode = modelMode(confirmed ?? hp);
  const pendingNote = (key: keyof Hyperparams) =>
    confirmed && confirmed[key] === hp[key] ? (
      <span className="muted small"> (from step {inForce!.fromStep})</span>
    ) : null;
  return (
    <div className="objective-options">
      <div className="select-field" data-part={REC.url}>
        <label htmlFor="rec-loss">{REC.label}</label>
        <select
          id="rec-loss"
          value={hp.reconstructionLoss}
          disabled={hp.ganOnly}
          onChange={(e) =>
            update({ reconstructionLoss: e.currentTarget.value as ReconstructionLoss })
          }
        >
          {REC.choices.map((value) => (
            <option key={value} value={value}>
              {REC.options[value]}
            </option>
          ))}
        </select>
        <Toggletip about={REC.label} text={REC.help} />
        {pendingNote('reconstructionLoss')}
      </div>
      {SWITCHES.map((key) => (
        <div className="checkbox-row" data-part={LIVE_SETTINGS[key].url} key={key}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={hp[key]}
              onChange={(e) => update({ [key]: e.currentTarget.checked })}
            />
            {LIVE_SETTINGS[key].label}
          </label>
          <Toggletip about={LIVE_SETTINGS[key].label} text={LIVE_SETTINGS[key].help} />
        </div>
      ))}
      <div className="mode-line">
        <p data-testid="model-mode" aria-live="polite">
          Training: <strong>{mode.name}</strong> <span className="muted">{mode.detail}</span>
        </p>
        <div className="mode-buttons" role="group" aria-label="Special cases" data-part="special">
          <button
            type="button"
            aria-pressed={mode.id === 'vae'}
            onClick={() => update({ gamma: 0, ganOnly: false })}
          >
            Plain VAE
          </button>
          <button
            type="button"
            aria-pressed={mode.id === 'gan'}
            onClick={() => update({ ganOnly: true })}
          >
            Plain GAN
          </button>
          <button
            type="button"
            aria-pressed={mode.id === 'vaegan'}
            onClick={() =>
              update({
                ganOnly: false,
                ...(hp.gamma === 0 ? { gamma: DEFAULT_HYPERPARAMS.gamma } : {}),
              })
            }
          >
            VAEGAN
          </button>
          <Toggletip
            about="a special case"
            text="Plain VAE: γ = 0, so phase 3 is skipped and D only watches. Plain GAN: the generator and the discriminator alone. VAEGAN: all three phases (γ back to its default if it was 0)."
          />
        </div>
      </div>
    </div>
  );
}
