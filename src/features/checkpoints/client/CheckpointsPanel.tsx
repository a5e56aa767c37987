import {
  type CheckpointOwner,
  dismissOffer,
  ownerOf,
  POLICY_LIMITS,
  refreshCheckpoints,
  removeCheckpoint,
  restoreCheckpoint,
  saveCheckpointNow,
  useCheckpoints,
} from './autosave';
import type { CheckpointMeta } from '../shared/checkpoint-store';
import { replaceRun } from './replace-run';
import { formatBytes } from '../../run-archive/client/run-io';
import { useAppStore } from '../../../app/store';
import '../../../app/persistence.css';
import { Toggletip } from '../../../ui/Toggletip';

const when = (t: number) => new Date(t).toLocaleString();
const describe = (c: CheckpointMeta) =>
  `${c.settings.dataset}, ${c.settings.variant}, latent ${c.settings.latentDim}, ${c.settings.hiddenUnits} hidden` +
  ((c.settings.hiddenLayers ?? 1) > 1 ? ` × ${c.settings.hiddenLayers}` : '');

/** Can the worker take a run now (it must have started and not be loading)? */
const useCanRestore = () => {
  const status = useAppStore((s) => s.status);
  const restoring = useCheckpoints((s) => s.restoring);
  return !restoring && (status === 'ready' || status === 'paused' || status === 'training');
};

/** How the list names a checkpoint's run. */
const OWNER_TEXT: Record<CheckpointOwner, string> = {
  'this tab': "this tab's run",
  'another tab': 'another open tab’s run: not pruned or resumed from here',
  'a closed tab': 'the run of a tab that is closed',
};

/**
 * After a reload: offers to resume from the newest checkpoint of this tab's run, or, in a new
 * tab, of a tab that is gone (resuming continues that run here).
 */
export function ResumeOffer() {
  const offer = useCheckpoints((s) => s.offer);
  const owner = useCheckpoints((s) => (s.offer ? ownerOf(s.offer, s) : null));
  const canRestore = useCanRestore();
  if (!offer) return null;
  return (
    <div className="resume-offer" role="region" aria-label="Resume from checkpoint">
      {offer.thumbnail && <img src={offer.thumbnail} alt="" width={48} height={48} />}
      <span>
        {owner === 'this tab'
          ? 'A checkpoint of the run in this tab is saved in this browser'
          : 'A checkpoint of a run in a tab that was closed is saved in this browser'}
        : step {offer.step}, {describe(offer)}, {when(offer.savedAt)}.
      </span>
      <button
        type="button"
        className="primary"
        disabled={!canRestore}
        onClick={() =>
          void replaceRun(`the checkpoint at step ${offer.step}`, () =>
            restoreCheckpoint(offer, { adopt: owner === 'a closed tab' }),
          )
        }
      >
        Resume from step {offer.step}
      </button>
      <button type="button" onClick={dismissOffer}>
        Start fresh
      </button>
    </div>
  );
}

interface PolicyFieldProps {
  id: string;
  label: string;
  value: number;
  limits: { min: number; max: number };
  onChange: (v: number) => void;
  /** What the number does (in a toggletip). */
  help: string;
}

function PolicyField({ id, label, value, limits, onChange, help }: PolicyFieldProps) {
  return (
    <div className="number-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={limits.min}
        max={limits.max}
        step={1}
        value={value}
        onChange={(e) => {
          const v = e.currentTarget.valueAsNumber;
          if (Number.isFinite(v)) onChange(v);
        }}
      />
      <Toggletip about={label} text={help} />
    </div>
  );
}

/** Checkpoint policy, "save now", and the list of stored checkpoints to restore or delete. */
export function CheckpointsPanel() {
  const { policy, list, saving, lastSave, setPolicy, runId, openRuns } = useCheckpoints();
  const status = useAppStore((s) => s.status);
  const trained = useAppStore((s) => s.step > 0);
  const canRestore = useCanRestore();
  const canSave = !saving && trained && (status === 'paused' || status === 'training');

  return (
    <section className="panel checkpoints-panel" aria-labelledby="checkpoints-heading">
      <h2 id="checkpoints-heading">Checkpoints</h2>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={policy.enabled}
          onChange={(e) => setPolicy({ enabled: e.currentTarget.checked })}
        />
        Save while training (in this browser)
      </label>
      <Toggletip
        about="saving while training"
        text="Save a checkpoint to IndexedDB every few seconds or steps while training."
      />
      <div className="policy-fields">
        <PolicyField
          id="ckpt-seconds"
          label="Every (seconds)"
          value={policy.everySeconds}
          limits={POLICY_LIMITS.everySeconds}
          onChange={(everySeconds) => setPolicy({ everySeconds })}
          help="Seconds of training between two checkpoints: at most this much work is lost on a reload"
        />
        <PolicyField
          id="ckpt-steps"
          label="or every (steps, 0 = off)"
          value={policy.everySteps}
          limits={POLICY_LIMITS.everySteps}
          onChange={(everySteps) => setPolicy({ everySteps })}
          help="Also save after this many training steps; 0 saves by time only"
        />
        <PolicyField
          id="ckpt-keep"
          label="Keep the last"
          value={policy.keep}
          limits={POLICY_LIMITS.keep}
          onChange={(keep) => setPolicy({ keep })}
          help="How many checkpoints this browser keeps; older ones are deleted"
        />
      </div>
      <p className="muted small">
        Also saved on Pause. A reload loses at most the steps since the last checkpoint. Each tab
        keeps its own run&rsquo;s checkpoints; other tabs&rsquo; are listed and left alone.
      </p>
      <div className="button-row">
        <button type="button" onClick={() => void saveCheckpointNow()} disabled={!canSave}>
          {saving ? 'Saving…' : 'Save checkpoint now'}
        </button>
        <button type="button" onClick={() => void refreshCheckpoints()}>
          Refresh list
        </button>
        <Toggletip
          about="the checkpoint buttons"
          question="What do these buttons do?"
          text="Save checkpoint now stores the model, its optimiser state and the curves in this browser at once. Refresh list reads the list again, e.g. after another tab saved."
        />
      </div>
      {lastSave && (
        <p className="muted small" data-testid="last-checkpoint">
          Last checkpoint: step {lastSave.step}, {formatBytes(lastSave.sizeBytes)}, saved in{' '}
          {Math.round(lastSave.totalMs)} ms (encoding {Math.round(lastSave.serializeMs)} ms).
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted small">No checkpoints saved yet.</p>
      ) : (
        <ul className="checkpoint-list" aria-label="Saved checkpoints">
          {list.map((c) => (
            <li
              key={c.id}
              data-testid="checkpoint"
              data-step={c.step}
              data-owner={ownerOf(c, { runId, openRuns })}
            >
              {c.thumbnail ? (
                <img src={c.thumbnail} alt={`Prior samples at step ${c.step}`} width={48} />
              ) : (
                <span className="thumb-placeholder" />
              )}
              <div className="checkpoint-text">
                <strong>
                  step {c.step}
                  {c.best && (
                    <span className="checkpoint-best" data-testid="best-checkpoint">
                      {' '}
                      · best test ELBO {c.best.elbo.toFixed(2)} nats
                    </span>
                  )}
                </strong>
                <span className="muted small">
                  {when(c.savedAt)} · {formatBytes(c.sizeBytes)}
                </span>
                <span className="muted small">{describe(c)}</span>
                <span className="muted small">{OWNER_TEXT[ownerOf(c, { runId, openRuns })]}</span>
              </div>
              <div className="checkpoint-actions">
                <button
                  type="button"
                  disabled={!canRestore}
                  onClick={() =>
                    void replaceRun(`the checkpoint at step ${c.step}`, () => restoreCheckpoint(c))
                  }
                  aria-label={`Restore step ${c.step}`}
                >
                  Restore
                </button>
                <button
                  type="button"
                  onClick={() => void removeCheckpoint(c)}
                  aria-label={`Delete step ${c.step}`}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
