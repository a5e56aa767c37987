import {
  type AdversarialForm,
  type Hyperparams,
  LIVE_SETTINGS,
  type NumericLiveKey,
} from '../../../shared/settings';
import { useAppStore } from '../../../app/store';
import { sendHyperparams } from './trainer-client';
import { LogSlider } from '../../../ui/LogSlider';
import { ObjectiveOptions } from '../../objective/client/ObjectiveOptions';
import { KlOptions } from '../../objective/client/KlOptions';

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
    if (patch.beta !== undefined || patch.klWarmup !== undefined || patch.freeBits !== undefined) {
      highlightTerm('kl', 2500);
    }
    if (patch.gamma !== undefined) highlightTerm('gen', 2500);
    if (patch.reconstructionLoss !== undefined) highlightTerm('rec', 2500);
    if (patch.reconstructionsInD !== undefined) highlightTerm('disc', 2500);
  };
  const confirmed = (key: NumericLiveKey) =>
    inForce ? { value: inForce.hyperparams[key], fromStep: inForce.fromStep } : undefined;
  /** A log slider for one numeric setting, its range and words from the settings table. */
  const slider = (key: NumericLiveKey, extra: { symbol?: string; tour?: string } = {}) => {
    const row = LIVE_SETTINGS[key];
    return (
      <LogSlider
        label={row.label}
        {...extra}
        value={hp[key]}
        min={row.slider.min}
        max={row.max}
        allowZero={row.slider.allowZero}
        onChange={(value) => update({ [key]: value })}
        inForce={confirmed(key)}
        hint={row.help}
      />
    );
  };
  const adv = LIVE_SETTINGS.adversarialForm;

  return (
    <section className="panel" aria-labelledby="hp-heading">
      <h2 id="hp-heading">Loss weights (live)</h2>
      {slider('beta', { symbol: 'β', tour: 'beta' })}
      <KlOptions hp={hp} update={update} />
      {slider('gamma', { symbol: 'γ', tour: 'gamma' })}
      <div className="select-field">
        <label htmlFor="adv-form">{adv.label}</label>
        <select
          title={adv.help}
          id="adv-form"
          value={hp.adversarialForm}
          onChange={(e) => update({ adversarialForm: e.currentTarget.value as AdversarialForm })}
        >
          {adv.choices.map((value) => (
            <option key={value} value={value}>
              {adv.options[value]}
            </option>
          ))}
        </select>
      </div>
      <ObjectiveOptions hp={hp} update={update} />
      <h3>Learning rates (Adam)</h3>
      {slider('lrVae')}
      {slider('lrD')}
      {slider('lrG')}
    </section>
  );
}
