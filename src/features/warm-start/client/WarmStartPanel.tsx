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
    <section className="panel warm-start" aria-labelledby="warm-start-heading">
      <h2 id="warm-start-heading">Skip the wait</h2>
      <button
        type="button"
        onClick={() => void startFromTrained()}
        disabled={!canLoad}
        title="Fetch a model of the app's default settings trained for 20 epochs on this data set (about 2 MB, only now) and continue from it"
      >
        {busy ? 'Loading the trained model…' : 'Start from a trained model'}
      </button>
      <p className="muted small">
        A default model trained beforehand for MNIST or Fashion-MNIST: good samples at once, and
        Train goes on from it. It replaces the model that runs.
      </p>
      {showRecord && (
        <p className="small" data-testid="warm-start-record">
          Trained model: {trainedText(loaded)}.
        </p>
      )}
    </section>
  );
}
