/**
 * Checkpoints in IndexedDB: small metadata records (for the list) apart from the zip bytes
 * (read only to restore), so listing never loads megabytes of weights.
 */
import type { RunSettings } from '../../training/shared/protocol';

const DB_NAME = 'vaegan-playground';
const DB_VERSION = 1;
const META = 'checkpoints';
const DATA = 'checkpoint-data';

export interface CheckpointMeta {
  id: number;
  /** Epoch milliseconds. */
  savedAt: number;
  step: number;
  settings: RunSettings;
  sizeBytes: number;
  /** PNG data URL of the prior samples at about this step ('' when none were drawn yet). */
  thumbnail: string;
  /**
   * Set on the checkpoint auto-stop keeps: the weights with the best test ELBO measured so far
   * (nats, on that many test images with k draws). There is one at most; pruning passes it over.
   */
  best?: { elbo: number; images: number; k: number };
}

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

/** Stores a checkpoint (metadata and bytes in one transaction) and returns its record. */
export async function saveCheckpoint(
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
): Promise<CheckpointMeta> {
  const d = await db();
  const tx = d.transaction([META, DATA], 'readwrite');
  const id = (await request(tx.objectStore(META).add(meta))) as number;
  tx.objectStore(DATA).put(bytes, id);
  await done(tx);
  return { ...meta, id };
}

/** All checkpoints, newest first. */
export async function listCheckpoints(): Promise<CheckpointMeta[]> {
  const d = await db();
  const all = await request(d.transaction(META).objectStore(META).getAll());
  return (all as CheckpointMeta[]).sort((a, b) => b.savedAt - a.savedAt || b.id - a.id);
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

/** Deletes all but the `keep` newest checkpoints; the best one (auto-stop's) is not counted. */
export async function pruneCheckpoints(keep: number): Promise<void> {
  const all = (await listCheckpoints()).filter((c) => !c.best);
  for (const old of all.slice(Math.max(0, keep))) await deleteCheckpoint(old.id);
}

/** Stores auto-stop's best checkpoint in place of the one before (there is one at most). */
export async function saveBestCheckpoint(
  meta: Omit<CheckpointMeta, 'id'>,
  bytes: ArrayBuffer,
): Promise<CheckpointMeta> {
  const before = (await listCheckpoints()).filter((c) => c.best);
  const saved = await saveCheckpoint(meta, bytes);
  for (const old of before) await deleteCheckpoint(old.id);
  return saved;
}
