import { Toggletip } from '../../../ui/Toggletip';
import { useAppStore } from '../../../app/store';
import { trainedText } from '../shared/pretrained';
import { startFromTrained, useWarmStart } from './warm-start-client';

/**
 * A model trained beforehand for the data set in use, loaded on request: good samples at once,
 * and Train continues from it.
 */
export function WarmStartPanel() {
  const { busy, loaded } = useWarmStart();
  const status = useAppStore((s) => s.status);
  const running = useAppStore((s) => s.running);
  const step = useAppStore((s) => s.step);
  const canLoad = !busy && (status === 'ready' || status === 'paused' || status === 'training');
  // The record stays while the shipped run (or training on from it) runs.
  const showRecord =
    loaded !== null && running?.dataset === loaded.dataset && step >= loaded.trained.steps;
  return (
    <section className="panel warm-start" aria-label="Skip the wait">
      <div className="warm-start__row">
        <button type="button" onClick={() => void startFromTrained()} disabled={!canLoad}>
          {busy ? 'Loading the trained model…' : 'Start from a trained model'}
        </button>
        <Toggletip
          about="starting from a trained model"
          text="Skip the wait: a model of the app's default settings trained beforehand for 20 epochs on MNIST or Fashion-MNIST (about 2 MB, fetched only now). Good samples at once, and Train goes on from it. It replaces the model that runs."
        />
      </div>
      {showRecord && (
        <details className="small" data-testid="warm-start-record">
          <summary>How the trained model was made</summary>
          Trained model: {trainedText(loaded)}.
        </details>
      )}
    </section>
  );
}
