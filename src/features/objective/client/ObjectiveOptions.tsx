import {
  DEFAULT_HYPERPARAMS,
  GATE_EQUILIBRIUM,
  GATE_MARGIN,
  type Hyperparams,
  type ReconstructionLoss,
} from '../../../shared/config';
import { modelMode } from './objective';
import { useAppStore } from '../../../app/store';
import './objective-options.css';

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
      <div className="select-field">
        <label htmlFor="rec-loss">Reconstruction loss</label>
        <select
          id="rec-loss"
          title="L_rec of phase 1. pixel: binary cross-entropy over the pixels. feature: Larsen's learned similarity ½‖Dis_l(x) − Dis_l(x̃)‖² on the discriminator's hidden layer (D's own weights get no gradient from it). mixed: their sum"
          value={hp.reconstructionLoss}
          disabled={hp.ganOnly}
          onChange={(e) =>
            update({ reconstructionLoss: e.currentTarget.value as ReconstructionLoss })
          }
        >
          <option value="pixel">pixel: cross-entropy over pixels</option>
          <option value="feature">feature: ½‖Dis_l(x) − Dis_l(x̃)‖²</option>
          <option value="mixed">mixed: pixel + feature</option>
        </select>
        {pendingNote('reconstructionLoss')}
      </div>
      <label
        className="checkbox"
        title="On (Larsen): D is trained on real images against reconstructions x̃ and prior samples x_p, weighted ½ each, and the generator side is scored on both. Off: real against prior samples only, as in a plain GAN"
      >
        <input
          type="checkbox"
          checked={hp.reconstructionsInD}
          disabled={hp.ganOnly}
          onChange={(e) => update({ reconstructionsInD: e.currentTarget.checked })}
        />
        D also sees reconstructions x̃ (three batches)
      </label>
      <label
        className="checkbox"
        title={`Larsen's equilibrium gate: D's update is skipped while its cross-entropy on real or fake images is below ${GATE_EQUILIBRIUM} − ${GATE_MARGIN} (D far ahead); the generator side's while either is above ${GATE_EQUILIBRIUM} + ${GATE_MARGIN} (D weak). The curves show how often each was skipped`}
      >
        <input
          type="checkbox"
          checked={hp.equilibriumGate}
          onChange={(e) => update({ equilibriumGate: e.currentTarget.checked })}
        />
        Equilibrium gate (margin {GATE_MARGIN}, equilibrium {GATE_EQUILIBRIUM})
      </label>
      <label
        className="checkbox"
        title="Train the generator and the discriminator alone: no encoder, no reconstruction phase; D sees real images against prior samples, and the generator takes steps of η_G (γ has nothing to trade off against)"
      >
        <input
          type="checkbox"
          checked={hp.ganOnly}
          onChange={(e) => update({ ganOnly: e.currentTarget.checked })}
        />
        GAN only (no encoder, no reconstruction)
      </label>
      <div className="mode-line">
        <p data-testid="model-mode" aria-live="polite">
          Training: <strong>{mode.name}</strong> <span className="muted">{mode.detail}</span>
        </p>
        <div className="mode-buttons" role="group" aria-label="Special cases">
          <button
            type="button"
            aria-pressed={mode.id === 'vae'}
            title="γ = 0: phase 3 is skipped, D only watches; the model is a plain VAE"
            onClick={() => update({ gamma: 0, ganOnly: false })}
          >
            Plain VAE
          </button>
          <button
            type="button"
            aria-pressed={mode.id === 'gan'}
            title="GAN only: generator and discriminator alone"
            onClick={() => update({ ganOnly: true })}
          >
            Plain GAN
          </button>
          <button
            type="button"
            aria-pressed={mode.id === 'vaegan'}
            title="All three phases; γ back to its default if it was 0"
            onClick={() =>
              update({
                ganOnly: false,
                ...(hp.gamma === 0 ? { gamma: DEFAULT_HYPERPARAMS.gamma } : {}),
              })
            }
          >
            VAEGAN
          </button>
        </div>
      </div>
    </div>
  );
}
