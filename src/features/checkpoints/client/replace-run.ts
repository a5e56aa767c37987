/**
 * What happens before a run from a file or a checkpoint replaces the one in this tab: while it
 * trains, the page asks first (its own dialog); the run about to be replaced is paused and kept
 * as a checkpoint (unless one of this step exists), so it can be restored from the panel; and a
 * file that is refused leaves it as it was, training again if it was.
 */
import { askConfirm } from '../../../ui/ConfirmDialog';
import { useAppStore } from '../../../app/store';
import { pause, train } from '../../training/client/trainer-client';
import { newestOwn, saveCheckpointNow, savesSettled, useCheckpoints } from './autosave';

/**
 * Keeps the run now in this tab as a checkpoint: the step it is kept at, 0 when there is
 * nothing to keep (step 0), null when saving failed (a notice says why).
 */
async function keepReplacedRun(): Promise<number | null> {
  await savesSettled();
  const { step } = useAppStore.getState();
  if (step === 0 || newestOwn(useCheckpoints.getState())?.step === step) return step;
  return (await saveCheckpointNow())?.step ?? null;
}

/**
 * Runs `replace` (an import or a restore, resolving whether the run was replaced) the way the
 * file header says. `what` names what comes in, e.g. `"run.zip"`.
 */
export async function replaceRun(what: string, replace: () => Promise<boolean>): Promise<boolean> {
  const { status, step } = useAppStore.getState();
  const wasTraining = status === 'training';
  if (wasTraining) {
    const yes = await askConfirm({
      title: 'Replace the run that is training?',
      body:
        `${what} will replace the run training in this tab (step ${step.toLocaleString('en-US')}). ` +
        'That run is paused and kept as a checkpoint first, so you can restore it from the ' +
        'Checkpoints panel.',
      confirm: 'Replace it',
      cancel: 'Keep training',
    });
    if (!yes) return false;
    await pause();
  }
  const kept = await keepReplacedRun();
  if (kept === null) {
    const anyway = await askConfirm({
      title: 'The current run could not be kept',
      body:
        `The run in this tab could not be saved as a checkpoint (the message above says why). ` +
        `Replace it with ${what} anyway? Its work since the last checkpoint would be lost.`,
      confirm: 'Replace without a checkpoint',
      cancel: 'Keep the current run',
    });
    if (!anyway) {
      if (wasTraining) await train();
      return false;
    }
  }
  const replaced = await replace();
  if (replaced && kept) {
    useAppStore
      .getState()
      .addNotice('info', `The run it replaced is kept as the checkpoint at step ${kept}.`);
  }
  if (!replaced && wasTraining && useAppStore.getState().status === 'paused') await train();
  return replaced;
}
