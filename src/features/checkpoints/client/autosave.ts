/**
 * Checkpoints while training: every `everySeconds` seconds or `everySteps` steps (whichever
 * comes first) and when training pauses, the worker exports the run and stores it in IndexedDB
 * itself, keeping the newest `keep` of this tab's run (tab-run.ts); the page only keeps the
 * list. After a reload (or a crashed tab) the newest of this tab's run is offered for
 * resuming, curves included, or, in a new tab, that of a tab that is gone; other open tabs'
 * checkpoints are listed as theirs and never pruned or resumed from here.
 *
 * Its own small store, apart from the app's: the list and the policy change rarely and are
 * read only by the checkpoints panel and the crash panel.
 */
import { create } from 'zustand';
import { isQuotaError } from '../shared/checkpoint-policy';
import {
  type CheckpointMeta,
  deleteCheckpoint,
  listCheckpoints,
  loadCheckpointBytes,
} from '../shared/checkpoint-store';
import { importRunBytes, thumbnailOf } from '../../run-archive/client/run-io';
import { adoptRun, openRunIds, tabRunId } from './tab-run';
import { useAppStore } from '../../../app/store';
import { callTrainer, trainerRunning } from '../../training/client/trainer-client';
import { onTrainerEvent } from '../../training/client/trainer-events';

export interface CheckpointPolicy {
  enabled: boolean;
  /** Seconds of training between checkpoints: at most this much work is lost by a reload. */
  everySeconds: number;
  /** Steps between checkpoints (0: by time only). */
  everySteps: number;
  /** Checkpoints kept; older ones are deleted. */
  keep: number;
}

export const DEFAULT_POLICY: CheckpointPolicy = {
  enabled: true,
  everySeconds: 30,
  everySteps: 0,
  keep: 3,
};

export const POLICY_LIMITS = {
  everySeconds: { min: 2, max: 3600 },
  everySteps: { min: 0, max: 1_000_000 },
  keep: { min: 1, max: 20 },
} as const;

/** What the last save cost, shown in the panel (and read by the end-to-end tests). */
export interface SaveReport {
  step: number;
  sizeBytes: number;
  /** Worker time to copy and encode the run. */
  serializeMs: number;
  /** Whole save as the page waits for it: thumbnail, export and IndexedDB write in the worker, pruning. */
  totalMs: number;
}

/** Whose a checkpoint is: this tab's run, another open tab's, or a tab's that is gone. */
export type CheckpointOwner = 'this tab' | 'another tab' | 'a closed tab';

interface CheckpointState {
  policy: CheckpointPolicy;
  /** Every tab's checkpoints, newest first. */
  list: CheckpointMeta[];
  /** This tab's run (null until claimed). */
  runId: string | null;
  /** Runs whose tab is open now, this one's included. */
  openRuns: string[];
  /** The newest checkpoint found at load, offered for resuming until answered. */
  offer: CheckpointMeta | null;
  saving: boolean;
  restoring: boolean;
  lastSave: SaveReport | null;
  setPolicy: (patch: Partial<CheckpointPolicy>) => void;
}

const POLICY_KEY = 'vaegan-playground.checkpoint-policy';

const clampInt = (v: unknown, lo: number, hi: number, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v)
    ? Math.min(hi, Math.max(lo, Math.round(v)))
    : fallback;

/** A policy with every field valid (bad or missing fields take the default). */
export function sanitizePolicy(p: Partial<CheckpointPolicy>): CheckpointPolicy {
  const L = POLICY_LIMITS;
  const d = DEFAULT_POLICY;
  return {
    enabled: typeof p.enabled === 'boolean' ? p.enabled : d.enabled,
    everySeconds: clampInt(p.everySeconds, L.everySeconds.min, L.everySeconds.max, d.everySeconds),
    everySteps: clampInt(p.everySteps, L.everySteps.min, L.everySteps.max, d.everySteps),
    keep: clampInt(p.keep, L.keep.min, L.keep.max, d.keep),
  };
}

function loadPolicy(): CheckpointPolicy {
  try {
    const raw = localStorage.getItem(POLICY_KEY);
    return sanitizePolicy(raw ? (JSON.parse(raw) as Partial<CheckpointPolicy>) : {});
  } catch {
    return { ...DEFAULT_POLICY };
  }
}

export const useCheckpoints = create<CheckpointState>()((set, get) => ({
  policy: loadPolicy(),
  list: [],
  runId: null,
  openRuns: [],
  offer: null,
  saving: false,
  restoring: false,
  lastSave: null,
  setPolicy: (patch) => {
    const policy = sanitizePolicy({ ...get().policy, ...patch });
    set({ policy });
    try {
      localStorage.setItem(POLICY_KEY, JSON.stringify(policy));
    } catch {
      // Storage may be full or off: the policy still holds for this page.
    }
  },
}));

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const notice = (level: 'info' | 'warning' | 'error', message: string) =>
  useAppStore.getState().addNotice(level, message);

/** Whose a checkpoint is, as the list says it. */
export function ownerOf(
  c: CheckpointMeta,
  state: Pick<CheckpointState, 'runId' | 'openRuns'>,
): CheckpointOwner {
  if (state.runId !== null && c.runId === state.runId) return 'this tab';
  return state.openRuns.includes(c.runId) ? 'another tab' : 'a closed tab';
}

/** The newest checkpoint of this tab's run, if any. */
export function newestOwn(state: Pick<CheckpointState, 'list' | 'runId'>): CheckpointMeta | null {
  return state.list.find((c) => state.runId !== null && c.runId === state.runId) ?? null;
}

/** Other tabs hear of a save or a delete here and read the list again. */
const channel =
  typeof BroadcastChannel === 'function'
    ? new BroadcastChannel('vaegan-playground.checkpoints')
    : null;
const tellOtherTabs = () => channel?.postMessage('changed');

export async function refreshCheckpoints(): Promise<void> {
  try {
    const [list, runId, open] = await Promise.all([listCheckpoints(), tabRunId(), openRunIds()]);
    useCheckpoints.setState({ list, runId, openRuns: [...open] });
  } catch (error) {
    notice('warning', `Checkpoints are unavailable: ${errorText(error)}`);
  }
}

/** Step and time of the last checkpoint taken (or of the start of training). */
let mark = { step: 0, time: 0 };

/** Set when a save is asked for while one runs: that one then saves again when done. */
let saveAgain = false;
/** The save under way, for those who must wait for it (replace-run.ts). */
let inFlight: Promise<SaveReport | null> | null = null;

/** Resolves when no save is under way. */
export async function savesSettled(): Promise<void> {
  while (inFlight) await inFlight;
}

/** Exports the run from the worker and stores it (one save at a time). */
export function saveCheckpointNow(): Promise<SaveReport | null> {
  if (!trainerRunning()) return Promise.resolve(null);
  if (inFlight) {
    saveAgain = true;
    return Promise.resolve(null);
  }
  const saving = save();
  inFlight = saving;
  void saving.finally(() => {
    if (inFlight === saving) inFlight = null;
  });
  return saving;
}

async function save(): Promise<SaveReport | null> {
  const { policy } = useCheckpoints.getState();
  useCheckpoints.setState({ saving: true });
  const t0 = performance.now();
  mark = { step: useAppStore.getState().step, time: t0 };
  try {
    const { images, running } = useAppStore.getState();
    const settings = running ?? useAppStore.getState().requested;
    const thumbnail = thumbnailOf(images?.samples);
    const runId = await tabRunId();
    // Rejected, not left waiting, if the worker is restarted meanwhile: `saving` is cleared below.
    const { meta, serializeMs } = await callTrainer((api) =>
      api.saveCheckpoint(
        { runId, savedAt: Date.now(), settings: { ...settings }, thumbnail },
        policy.keep,
      ),
    );
    const report: SaveReport = {
      step: meta.step,
      sizeBytes: meta.sizeBytes,
      serializeMs,
      totalMs: performance.now() - t0,
    };
    useCheckpoints.setState({ lastSave: report });
    tellOtherTabs();
    await refreshCheckpoints();
    return report;
  } catch (error) {
    // The worker's store says "full" in words; an error that lost its type on the way (a
    // plain Error from IndexedDB or comlink) is recognised by its name or message.
    const full = error instanceof Error && error.name === 'CheckpointStoreFullError';
    notice(
      'error',
      full
        ? `Checkpoint not saved: ${errorText(error)}`
        : isQuotaError(error)
          ? "Checkpoint not saved: the browser's storage for this page is full. Delete old checkpoints (those of other tabs are marked) or keep fewer."
          : `Checkpoint not saved: ${errorText(error)}`,
    );
    return null;
  } finally {
    useCheckpoints.setState({ saving: false });
    if (saveAgain) {
      saveAgain = false;
      // Only if there is new work, e.g. a pause that came during a timed save.
      if (useAppStore.getState().step > mark.step) {
        // After this save has fully settled (inFlight cleared).
        setTimeout(() => void saveCheckpointNow(), 0);
      }
    }
  }
}

/**
 * Restores a stored checkpoint into the worker (checked there like any imported file). With
 * `adopt` (resuming a run whose tab is gone) this tab continues that run as its own.
 */
export async function restoreCheckpoint(
  meta: CheckpointMeta,
  options: { adopt?: boolean } = {},
): Promise<boolean> {
  useCheckpoints.setState({ restoring: true });
  try {
    const bytes = await loadCheckpointBytes(meta.id);
    const ok = await importRunBytes(bytes, `the checkpoint at step ${meta.step}`);
    if (ok) {
      useCheckpoints.setState({ offer: null });
      mark = { step: meta.step, time: performance.now() };
      if (options.adopt && meta.runId !== '' && (await adoptRun(meta.runId))) {
        await refreshCheckpoints();
      }
    }
    return ok;
  } catch (error) {
    notice('error', `Could not read the checkpoint at step ${meta.step}: ${errorText(error)}`);
    return false;
  } finally {
    useCheckpoints.setState({ restoring: false });
  }
}

export async function removeCheckpoint(meta: CheckpointMeta): Promise<void> {
  try {
    await deleteCheckpoint(meta.id);
    if (useCheckpoints.getState().offer?.id === meta.id) useCheckpoints.setState({ offer: null });
    tellOtherTabs();
  } catch (error) {
    notice('error', `Could not delete the checkpoint: ${errorText(error)}`);
  }
  await refreshCheckpoints();
}

export const dismissOffer = () => useCheckpoints.setState({ offer: null });

/** Is a checkpoint due now? */
function due(step: number, now: number): boolean {
  const { policy } = useCheckpoints.getState();
  if (!policy.enabled || step <= mark.step) return false;
  return (
    now - mark.time >= policy.everySeconds * 1000 ||
    (policy.everySteps > 0 && step - mark.step >= policy.everySteps)
  );
}

/**
 * Starts checkpointing and looks for a checkpoint to offer. Returns a stop function.
 * Checks run on every store change while training (curve points arrive up to 10 times a
 * second) and once a second, for slow steps.
 */
export function startAutosave(): () => void {
  void refreshCheckpoints().then(() => {
    // Training began meanwhile: a fresh run needs no offer.
    if (useAppStore.getState().status === 'training') return;
    const state = useCheckpoints.getState();
    // This tab's own run first (a reload); else the newest of a tab that is gone (a crashed or
    // closed tab, opened again); never a run another open tab is training.
    const offer =
      newestOwn(state) ?? state.list.find((c) => ownerOf(c, state) === 'a closed tab') ?? null;
    useCheckpoints.setState({ offer });
  });
  channel?.addEventListener('message', () => void refreshCheckpoints());

  const check = () => {
    const { status, step } = useAppStore.getState();
    if (status === 'training' && due(step, performance.now())) void saveCheckpointNow();
  };
  const unsubscribe = useAppStore.subscribe((s, prev) => {
    if (s.status === 'training' && prev.status !== 'training') {
      // Training (re)starts: the clock runs from here; a fresh run needs no resume offer.
      mark = { step: s.step, time: performance.now() };
      if (useCheckpoints.getState().offer) useCheckpoints.setState({ offer: null });
    }
    if (s.step < prev.step) mark = { step: s.step, time: performance.now() };
    // Another model now runs (settings applied or a run imported): the offer is answered.
    if (s.running !== prev.running && prev.running !== null && useCheckpoints.getState().offer) {
      useCheckpoints.setState({ offer: null });
    }
    if (prev.status === 'training' && s.status === 'paused') {
      // A pause keeps the work done so far.
      if (useCheckpoints.getState().policy.enabled && s.step > mark.step) void saveCheckpointNow();
      return;
    }
    if (s.step !== prev.step) check();
  });
  const timer = setInterval(check, 1000);
  // Auto-stop stores its best copy from the worker: the list shows it as it arrives.
  let bestId: number | null = null;
  const stopBest = onTrainerEvent('budget', ({ state }) => {
    if (state.bestCheckpointId !== null && state.bestCheckpointId !== bestId) {
      bestId = state.bestCheckpointId;
      void refreshCheckpoints();
    }
  });
  return () => {
    unsubscribe();
    stopBest();
    clearInterval(timer);
  };
}
