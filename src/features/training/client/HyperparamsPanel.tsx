import {
  BETA_RANGE,
  GAMMA_RANGE,
  LEARNING_RATE_RANGE,
  type AdversarialForm,
  type Hyperparams,
} from '../../../shared/config';
import { useAppStore } from '../../../app/store';
import { sendHyperparams } from './trainer-client';
import { LogSlider } from '../../../ui/LogSlider';
import { ObjectiveOptions } from '../../objective/client/ObjectiveOptions';

/** Live training weights: each change goes to the worker and acts on the next step. */
export function HyperparamsPanel() {
  const hp = useAppStore((s) => s.hyperparams);
  const inForce = useAppStore((s) => s.inForce);
  const setHyperparams = useAppStore((s) => s.setHyperparams);
  const highlightTerm = useAppStore((s) => s.highlightTerm);

  const update = (patch: Partial<Hyperparams>) => {
    setHyperparams(patch);
    void sendHyperparams(patch);
    // Show in the formulas which term the weight scales.
    if (patch.beta !== undefined) highlightTerm('kl', 2500);
    if (patch.gamma !== undefined) highlightTerm('gen', 2500);
    if (patch.reconstructionLoss !== undefined) highlightTerm('rec', 2500);
    if (patch.reconstructionsInD !== undefined) highlightTerm('disc', 2500);
  };
  const confirmed = (key: 'beta' | 'gamma' | 'lrVae' | 'lrD' | 'lrG') =>
    inForce ? { value: inForce.hyperparams[key], fromStep: inForce.fromStep } : undefined;

  return (
    <section className="panel" aria-labelledby="hp-heading">
      <h2 id="hp-heading">Loss weights (live)</h2>
      <LogSlider
        label="KL weight"
        symbol="β"
        value={hp.beta}
        min={1e-3}
        max={BETA_RANGE.max}
        allowZero
        onChange={(beta) => update({ beta })}
        inForce={confirmed('beta')}
        hint="β: weight of KL(q(z|x) ‖ N(0, I)) in the encoder/decoder loss"
        tour="beta"
      />
      <LogSlider
        label="Adversarial weight"
        symbol="γ"
        value={hp.gamma}
        min={1e-3}
        max={GAMMA_RANGE.max}
        allowZero
        onChange={(gamma) => update({ gamma })}
        inForce={confirmed('gamma')}
        hint="γ: scales the generator's adversarial step; 0 gives a plain VAE"
        tour="gamma"
      />
      <div className="select-field">
        <label htmlFor="adv-form">Adversarial loss</label>
        <select
          title="The generator's loss L_G: non-saturating keeps strong gradients when D wins; minimax is the seed's form"
          id="adv-form"
          value={hp.adversarialForm}
          onChange={(e) => update({ adversarialForm: e.currentTarget.value as AdversarialForm })}
        >
          <option value="non-saturating">non-saturating −log D(G(z))</option>
          <option value="minimax">minimax log(1 − D(G(z))) (the seed's)</option>
        </select>
      </div>
      <ObjectiveOptions hp={hp} update={update} />
      <h3>Learning rates (Adam)</h3>
      <LogSlider
        label="VAE learning rate"
        hint="η_VAE: Adam step of the encoder and decoder in phase 1"
        value={hp.lrVae}
        min={1e-5}
        max={LEARNING_RATE_RANGE.max}
        onChange={(lrVae) => update({ lrVae })}
        inForce={confirmed('lrVae')}
      />
      <LogSlider
        label="Discriminator learning rate"
        hint="η_D: Adam step of D_ψ in phase 2"
        value={hp.lrD}
        min={1e-5}
        max={LEARNING_RATE_RANGE.max}
        onChange={(lrD) => update({ lrD })}
        inForce={confirmed('lrD')}
      />
      <LogSlider
        label="Generator learning rate"
        hint="η_G: Adam step of the generator in phase 3, times γ"
        value={hp.lrG}
        min={1e-5}
        max={LEARNING_RATE_RANGE.max}
        onChange={(lrG) => update({ lrG })}
        inForce={confirmed('lrG')}
      />
    </section>
  );
}
