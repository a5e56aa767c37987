import { useAppStore } from '../../../app/store';
import { updateHyperparams } from '../../training/client/live-settings';
import { ObjectiveOptions } from './ObjectiveOptions';

/** The objective's live switches as a panel of their own, beside the formulas they change. */
export function ObjectiveSwitchesPanel() {
  const hp = useAppStore((s) => s.hyperparams);
  return (
    <section className="panel" aria-labelledby="objective-switches-heading">
      <h2 id="objective-switches-heading">
        What is trained <span className="muted">(live: each acts on the next step)</span>
      </h2>
      <ObjectiveOptions hp={hp} update={updateHyperparams} />
    </section>
  );
}
