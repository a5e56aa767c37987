import { useEffect, useState } from 'react';
import {
  newestOwn,
  refreshCheckpoints,
  restoreCheckpoint,
  useCheckpoints,
} from '../../checkpoints/client/autosave';
import type { CheckpointMeta } from '../../checkpoints/shared/checkpoint-store';
import { useAppStore } from '../../../app/store';
import { startTrainer } from './trainer-client';

/**
 * Shown when the training worker died or stopped answering: what happened, and a restart,
 * from the newest checkpoint of this tab's run (never another tab's) or with fresh weights.
 * The page stays usable.
 */
export function CrashPanel() {
  const crash = useAppStore((s) => s.crash);
  const newest = useCheckpoints(newestOwn);
  const setCrash = useAppStore((s) => s.setCrash);
  const [busy, setBusy] = useState(false);

  // The list as it is now: a save may have finished just before the crash.
  useEffect(() => {
    if (crash) void refreshCheckpoints();
  }, [crash]);

  if (!crash) return null;

  const restart = async (from: CheckpointMeta | null) => {
    setBusy(true);
    try {
      const { backendRequest, running, requested, hyperparams } = useAppStore.getState();
      await startTrainer(backendRequest, from?.settings ?? running ?? requested, hyperparams);
      if (from) await restoreCheckpoint(from);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className="crash-panel"
      role="alert"
      aria-label={crash.unresponsive ? 'Training worker not answering' : 'Training worker stopped'}
    >
      <p>
        <strong>
          {crash.unresponsive
            ? 'The training worker is not answering'
            : 'The training worker stopped'}
        </strong>
        : {crash.reason}. The last step reported was {crash.step}.
        {crash.unresponsive && ' It may only be busy; this goes away if it answers.'}
      </p>
      <div className="crash-actions">
        {newest && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void restart(newest)}
          >
            Restart from the checkpoint at step {newest.step}
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void restart(null)}>
          Restart with fresh weights
        </button>
        {crash.unresponsive && (
          <button type="button" disabled={busy} onClick={() => setCrash(null)}>
            Keep waiting
          </button>
        )}
      </div>
    </div>
  );
}
