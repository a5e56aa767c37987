import { useEffect, useState } from 'react';
import { restoreCheckpoint, useCheckpoints } from '../app/autosave';
import { type CheckpointMeta, listCheckpoints } from '../app/checkpoints';
import { useAppStore } from '../app/store';
import { startTrainer } from '../app/trainer-client';

/**
 * Shown when the training worker died or stopped answering: what happened, and a restart,
 * from the newest checkpoint in this browser or with fresh weights. The page stays usable.
 */
export function CrashPanel() {
  const crash = useAppStore((s) => s.crash);
  const list = useCheckpoints((s) => s.list);
  const [newest, setNewest] = useState<CheckpointMeta | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!crash) return;
    let live = true;
    listCheckpoints()
      .then((all) => live && setNewest(all[0] ?? null))
      .catch(() => live && setNewest(null));
    return () => {
      live = false;
    };
  }, [crash, list]);

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
    <div className="crash-panel" role="alert" aria-label="Training worker stopped">
      <p>
        <strong>The training worker stopped</strong>: {crash.reason}. The last step reported was{' '}
        {crash.step}.
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
      </div>
    </div>
  );
}
