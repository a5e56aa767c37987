import { useEffect } from 'react';
import { useAppStore } from '../../../app/store';
import type { RunStatus } from '../shared/protocol';
import { Toggletip } from '../../../ui/Toggletip';
import { pause, reset, stepOnce, train } from './trainer-client';

/** Elements where Space already means something (type, tick, press, move): it is theirs. */
const SPACE_OWNERS =
  'input, textarea, select, button, a[href], summary, audio, video, [contenteditable]:not([contenteditable="false"]), [role="slider"], [role="button"], [role="checkbox"], [role="switch"], [role="tab"], [role="option"], [role="menuitem"]';

const canRun = (status: RunStatus) => status === 'ready' || status === 'paused';

/** Train when stopped, Pause while training: what the toggle (and Space) does now. */
function toggle() {
  const { status } = useAppStore.getState();
  if (status === 'training') void pause();
  else if (canRun(status)) void train();
}

/**
 * Train / Pause as one toggle (named by what it does next, so it keeps keyboard focus across
 * both), Step and Reset. Space toggles training from anywhere on the page except a control
 * that uses Space itself.
 */
export function TrainingControls() {
  const status = useAppStore((s) => s.status);
  const training = status === 'training';

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.repeat || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) {
        return;
      }
      if (e.target instanceof Element && e.target.closest(SPACE_OWNERS)) return;
      e.preventDefault(); // not a page scroll
      toggle();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="training-controls" role="group" aria-label="Training">
      <button
        type="button"
        className={training ? 'run-toggle run-toggle--on' : 'run-toggle primary'}
        onClick={toggle}
        disabled={!training && !canRun(status)}
        aria-keyshortcuts="Space"
        data-tour="train"
      >
        {training ? 'Pause' : 'Train'}
      </button>
      <button
        type="button"
        onClick={() => void stepOnce()}
        disabled={!canRun(status)}
        data-part="step"
      >
        Step
      </button>
      <button
        type="button"
        onClick={() => void reset()}
        disabled={!(canRun(status) || training)}
        data-part="reset"
      >
        Reset
      </button>
      <Toggletip
        about="Train, Pause, Step and Reset"
        question="How do these controls work?"
        text="Train starts or resumes training and becomes Pause, which stops after the step in progress (Space does the same anywhere but in a field). One step is a VAE, a discriminator and a generator update. Step runs exactly one step while paused. Reset draws new weights from the same seed and settings."
      />
    </div>
  );
}
