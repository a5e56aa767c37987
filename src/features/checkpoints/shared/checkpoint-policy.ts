/**
 * How a checkpoint is stored, apart from where (checkpoint-store.ts holds the IndexedDB part):
 * checkpoints belong to the run of one tab (`runId`), and only that run's are ever pruned; a
 * save prunes the run down before it writes, so a store near its quota makes room first; a
 * full store is recognised whatever form its error takes, and said in words. Pure logic over
 * a small store interface, so the rules are tested without a browser.
 */
import type { RunSettings } from '../../training/shared/protocol';

export interface CheckpointMeta {
  id: number;
  /**
   * The run (one per tab) that saved it: pruning, resuming and the crash restart use only the
   * tab's own. '' for checkpoints saved before runs were told apart.
   */
  runId: string;
  /** Epoch milliseconds. */
  savedAt: number;
  step: number;
  settings: RunSettings;
  sizeBytes: number;
  /** PNG data URL of the prior samples at about this step ('' when none were drawn yet). */
  thumbnail: string;
  /**
   * Set on the checkpoint auto-stop keeps: the weights with the best test ELBO measured so far
   * (nats, on that many test images with k draws). One per run at most; pruning passes it over.
   */
  best?: { elbo: number; images: number; k: number };
}

/** The few operations a save needs from a store of checkpoints. */
export interface CheckpointBackend {
  /** All checkpoints, any order. */
  list(): Promise<CheckpointMeta[]>;
  /** Writes one (metadata and bytes together, or neither) and returns its record. */
  put(meta: Omit<CheckpointMeta, 'id'>, bytes: ArrayBuffer): Promise<CheckpointMeta>;
  remove(id: number): Promise<void>;
}

/** The store has no room for the checkpoint; the message says what to do. */
export class CheckpointStoreFullError extends Error {
  constructor(detail = '') {
    super(
      `the browser's storage for this page is full${detail ? ` (${detail})` : ''}. ` +
        'Delete old checkpoints (those of other tabs are marked) or keep fewer.',
    );
    this.name = 'CheckpointStoreFullError';
  }
}

/**
 * Whether an error means "no room": a DOMException named QuotaExceededError (or its legacy
 * code 22), and the same arriving as a plain Error after crossing a worker boundary or an
 * IndexedDB transaction's abort, which keep only a name or a message.
 */
export function isQuotaError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  if (e.name === 'QuotaExceededError' || e.name === 'CheckpointStoreFullError') return true;
  if (e.code === 22) return true;
  return typeof e.message === 'string' && /quota|storage is full|disk is full/i.test(e.message);
}

/** Newest first: by time, then by id (two saves in one millisecond). */
export const newestFirst = (a: CheckpointMeta, b: CheckpointMeta) =>
  b.savedAt - a.savedAt || b.id - a.id;

/** Refuses a keep count that is not a whole number of at least 1 (NaN would keep nothing). */
export function checkKeep(keep: number): number {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new RangeError(`keep must be a whole number of at least 1, not ${String(keep)}`);
  }
  return keep;
}

/**
 * The ids to delete so that `runId` keeps its `keep` newest checkpoints; other runs' never, nor
 * the run's best (auto-stop's), which is not counted.
 */
export function checkpointsToPrune(
  all: readonly CheckpointMeta[],
  runId: string,
  keep: number,
): number[] {
  checkKeep(keep);
  return all
    .filter((c) => c.runId === runId && !c.best)
    .sort(newestFirst)
    .slice(keep)
    .map((c) => c.id);
}

/**
 * Saves a checkpoint of `meta.runId`'s run and keeps that run's `keep` newest. Before writing,
 * the run is pruned to keep - 1 (never below its newest one), so the write has the room the
 * oldest took; after it, to `keep`. Throws CheckpointStoreFullError when the store is full.
 */
export async function storeCheckpoint(
  store: CheckpointBackend,
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
  keep: number,
  describeUsage: () => Promise<string> = async () => '',
): Promise<CheckpointMeta> {
  checkKeep(keep);
  const prune = async (n: number) => {
    for (const id of checkpointsToPrune(await store.list(), meta.runId, n)) await store.remove(id);
  };
  try {
    await prune(Math.max(1, keep - 1));
    const saved = await store.put(meta, bytes);
    await prune(keep);
    return saved;
  } catch (error) {
    if (isQuotaError(error)) throw new CheckpointStoreFullError(await describeUsage());
    throw error;
  }
}

/**
 * Stores auto-stop's best checkpoint of `meta.runId`'s run in place of that run's one before
 * (written first, so a failed write keeps the old best). Throws CheckpointStoreFullError when
 * the store is full.
 */
export async function storeBestCheckpoint(
  store: CheckpointBackend,
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
  describeUsage: () => Promise<string> = async () => '',
): Promise<CheckpointMeta> {
  try {
    const before = (await store.list()).filter((c) => c.best && c.runId === meta.runId);
    const saved = await store.put(meta, bytes);
    for (const old of before) await store.remove(old.id);
    return saved;
  } catch (error) {
    if (isQuotaError(error)) throw new CheckpointStoreFullError(await describeUsage());
    throw error;
  }
}
