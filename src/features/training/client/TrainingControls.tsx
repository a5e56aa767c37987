import { useAppStore } from '../../../app/store';
import { pause, reset, stepOnce, train } from './trainer-client';

/** Train, Pause, Step and Reset. */
export function TrainingControls() {
  const status = useAppStore((s) => s.status);
  const canRun = status === 'ready' || status === 'paused';
  return (
    <div className="training-controls" role="group" aria-label="Training">
      <button
        type="button"
        className="primary"
        onClick={() => void train()}
        disabled={!canRun}
        data-tour="train"
        title="Start or resume training: one step = VAE, discriminator and generator updates"
      >
        Train
      </button>
      <button
        type="button"
        onClick={() => void pause()}
        disabled={status !== 'training'}
        title="Stop after the step in progress; the pictures show the paused model"
      >
        Pause
      </button>
      <button
        type="button"
        onClick={() => void stepOnce()}
        disabled={!canRun}
        title="Run exactly one training step while paused"
      >
        Step
      </button>
      <button
        type="button"
        onClick={() => void reset()}
        disabled={!(canRun || status === 'training')}
        title="New weights from the same seed and settings"
      >
        Reset
      </button>
    </div>
  );
}
