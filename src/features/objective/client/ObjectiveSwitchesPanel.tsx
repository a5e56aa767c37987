import { useAppStore } from '../../../app/store';
import { updateHyperparams } from '../../training/client/live-settings';
import { KlOptions } from './KlOptions';
import { ObjectiveOptions } from './ObjectiveOptions';

/**
 * The objective's live switches as a panel of their own, beside the formulas they change: what
 * is trained, and against posterior collapse the KL warm-up and free bits.
 */
export function ObjectiveSwitchesPanel() {
  const hp = useAppStore((s) => s.hyperparams);
  return (
    <section className="panel" aria-labelledby="objective-switches-heading">
      <h2 id="objective-switches-heading">
        What is trained <span className="muted">(live: each acts on the next step)</span>
      </h2>
      <ObjectiveOptions hp={hp} update={updateHyperparams} />
      <KlOptions hp={hp} update={updateHyperparams} />
    </section>
  );
}
