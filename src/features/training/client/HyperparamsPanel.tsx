import { type AdversarialForm, LIVE_SETTINGS, type NumericLiveKey } from '../../../shared/settings';
import { useAppStore } from '../../../app/store';
import { LogSlider } from '../../../ui/LogSlider';
import { Toggletip } from '../../../ui/Toggletip';
import { updateHyperparams as update } from './live-settings';

/**
 * Live training weights: each change goes to the worker and acts on the next step. (The
 * objective's switches sit beside the formulas, in the Objective tab.)
 */
export function HyperparamsPanel() {
  const hp = useAppStore((s) => s.hyperparams);
  const inForce = useAppStore((s) => s.inForce);

  const confirmed = (key: NumericLiveKey) =>
    inForce ? { value: inForce.hyperparams[key], fromStep: inForce.fromStep } : undefined;
  /** A log slider for one numeric setting, its range and words from the settings table. */
  const slider = (key: NumericLiveKey, extra: { symbol?: string; tour?: string } = {}) => {
    const row = LIVE_SETTINGS[key];
    return (
      <LogSlider
        label={row.label}
        {...extra}
        part={row.url}
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
      {slider('gamma', { symbol: 'γ', tour: 'gamma' })}
      <div className="select-field" data-part={adv.url}>
        <label htmlFor="adv-form">{adv.label}</label>
        <select
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
        <Toggletip about={adv.label} text={adv.help} />
      </div>
      <div data-part="lr">
        <h3>Learning rates (Adam)</h3>
        {slider('lrVae')}
        {slider('lrD')}
        {slider('lrG')}
      </div>
    </section>
  );
}
