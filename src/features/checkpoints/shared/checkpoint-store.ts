/**
 * Checkpoints in IndexedDB: small metadata records (for the list) apart from the zip bytes
 * (read only to restore), so listing never loads megabytes of weights. What a save does
 * (prune the tab's run first, recognise a full store) is checkpoint-policy.ts's.
 */
import {
  type CheckpointBackend,
  type CheckpointMeta,
  newestFirst,
  storeBestCheckpoint,
  storeCheckpoint,
} from './checkpoint-policy';

export type { CheckpointMeta };

const DB_NAME = 'vaegan-playground';
const DB_VERSION = 1;
const META = 'checkpoints';
const DATA = 'checkpoint-data';

let opening: Promise<IDBDatabase> | null = null;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function db(): Promise<IDBDatabase> {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('this browser offers no IndexedDB (private window?)'));
        return;
      }
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains(META)) {
          d.createObjectStore(META, { keyPath: 'id', autoIncrement: true });
        }
        if (!d.objectStoreNames.contains(DATA)) d.createObjectStore(DATA);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    });
    opening.catch(() => (opening = null));
  }
  return opening;
}

/** Writes metadata and bytes in one transaction. */
async function put(meta: Omit<CheckpointMeta, 'id'>, bytes: ArrayBuffer): Promise<CheckpointMeta> {
  const d = await db();
  const tx = d.transaction([META, DATA], 'readwrite');
  const written = done(tx);
  const id = (await request(tx.objectStore(META).add(meta))) as number;
  tx.objectStore(DATA).put(bytes, id);
  await written;
  return { ...meta, id };
}

/**
 * "412 MB of 420 MB used", when the browser's estimate (StorageManager.estimate) shows the
 * store near its quota; '' otherwise: the estimate is coarse, and a disk that is full before
 * the quota would make it read as room to spare next to "full".
 */
async function usage(): Promise<string> {
  try {
    // navigator.storage on the page and in workers alike.
    type Estimate = { usage?: number; quota?: number };
    const storage = (globalThis as { navigator?: { storage?: { estimate(): Promise<Estimate> } } })
      .navigator?.storage;
    const { usage: used, quota } = (await storage?.estimate()) ?? {};
    if (used === undefined || quota === undefined || used < 0.8 * quota) return '';
    const mb = (n: number) => `${Math.round(n / 1e6).toLocaleString('en-US')} MB`;
    return `${mb(used)} of ${mb(quota)} used`;
  } catch {
    return '';
  }
}

const backend: CheckpointBackend = {
  list: () => listCheckpoints(),
  put,
  remove: (id) => deleteCheckpoint(id),
};

/**
 * Stores a checkpoint of `meta.runId`'s run and keeps that run's `keep` newest (pruned first,
 * so a nearly full store makes room). Throws CheckpointStoreFullError when it is full, and a
 * RangeError, deleting nothing, when `keep` is not a whole number of at least 1.
 */
export function saveCheckpoint(
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
  keep: number,
): Promise<CheckpointMeta> {
  return storeCheckpoint(backend, meta, bytes, keep, usage);
}

/** All checkpoints of every tab, newest first; records of older versions get runId ''. */
export async function listCheckpoints(): Promise<CheckpointMeta[]> {
  const d = await db();
  const all = await request(d.transaction(META).objectStore(META).getAll());
  return (all as CheckpointMeta[]).map((c) => ({ ...c, runId: c.runId ?? '' })).sort(newestFirst);
}

/** The zip bytes of a checkpoint. */
export async function loadCheckpointBytes(id: number): Promise<ArrayBuffer> {
  const d = await db();
  const bytes = await request(d.transaction(DATA).objectStore(DATA).get(id));
  if (!(bytes instanceof ArrayBuffer)) throw new Error(`checkpoint ${id} has no data`);
  return bytes;
}

export async function deleteCheckpoint(id: number): Promise<void> {
  const d = await db();
  const tx = d.transaction([META, DATA], 'readwrite');
  tx.objectStore(META).delete(id);
  tx.objectStore(DATA).delete(id);
  await done(tx);
}

/** Stores auto-stop's best checkpoint of `meta.runId`'s run in place of the run's one before. */
export function saveBestCheckpoint(
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
): Promise<CheckpointMeta> {
  return storeBestCheckpoint(backend, meta, bytes, usage);
}
