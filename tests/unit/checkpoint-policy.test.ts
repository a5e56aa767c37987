// Checkpoints belong to their tab's run: a save prunes only that run's, and before it writes,
// so a store near its quota makes room; a full store is recognised whatever its error looks
// like; a keep count that is not a whole number of at least 1 deletes nothing. The store here
// is in memory with a byte quota, as IndexedDB has one; the worker API's refusal is checked on
// a real trainer.
import { describe, expect, it } from 'vitest';
import {
  type CheckpointBackend,
  type CheckpointMeta,
  CheckpointStoreFullError,
  checkpointsToPrune,
  isQuotaError,
  storeCheckpoint,
} from '../../src/features/checkpoints/shared/checkpoint-policy';
import type { RunSettings } from '../../src/features/training/shared/protocol';
import { withTrainer } from '../helpers/trainer-channel';

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 16,
  seed: 2,
};

/** A store that refuses a write past `quota` bytes, as a browser does (QuotaExceededError). */
function memoryStore(quota: number) {
  const records = new Map<number, { meta: CheckpointMeta; size: number }>();
  let next = 1;
  const used = () => [...records.values()].reduce((n, r) => n + r.size, 0);
  const store: CheckpointBackend = {
    list: async () => [...records.values()].map((r) => r.meta),
    put: async (meta, bytes) => {
      if (used() + bytes.byteLength > quota) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      const saved = { ...meta, id: next++ };
      records.set(saved.id, { meta: saved, size: bytes.byteLength });
      return saved;
    },
    remove: async (id) => void records.delete(id),
  };
  return { store, records };
}

const meta = (runId: string, savedAt: number, step = savedAt): Omit<CheckpointMeta, 'id'> => ({
  runId,
  savedAt,
  step,
  settings,
  sizeBytes: 100,
  thumbnail: '',
});

const steps = (records: Map<number, { meta: CheckpointMeta }>, runId: string) =>
  [...records.values()]
    .filter((r) => r.meta.runId === runId)
    .map((r) => r.meta.step)
    .sort((a, b) => a - b);

describe('pruning belongs to the run', () => {
  it('keeps the newest of one run and never touches another run', () => {
    const all: CheckpointMeta[] = [
      { ...meta('a', 10), id: 1 },
      { ...meta('b', 20), id: 2 },
      { ...meta('a', 30), id: 3 },
      { ...meta('a', 40), id: 4 },
      { ...meta('b', 50), id: 5 },
    ];
    expect(checkpointsToPrune(all, 'a', 2)).toEqual([1]);
    expect(checkpointsToPrune(all, 'a', 1)).toEqual([3, 1]);
    expect(checkpointsToPrune(all, 'b', 1)).toEqual([2]);
    expect(checkpointsToPrune(all, 'c', 1)).toEqual([]);
  });

  it('refuses a keep count of NaN, 0, -1 or 2.5, deleting nothing', async () => {
    const { store, records } = memoryStore(1e6);
    for (const t of [1, 2, 3]) await store.put(meta('a', t), new ArrayBuffer(100));
    for (const keep of [Number.NaN, 0, -1, 2.5, Number.POSITIVE_INFINITY]) {
      expect(() =>
        checkpointsToPrune(
          [...records.values()].map((r) => r.meta),
          'a',
          keep,
        ),
      ).toThrow(RangeError);
      await expect(
        storeCheckpoint(store, meta('a', 9), new ArrayBuffer(100), keep),
      ).rejects.toThrow(/keep must be a whole number of at least 1/);
    }
    expect(steps(records, 'a')).toEqual([1, 2, 3]);
  });

  it('a save keeps the run at `keep` and leaves the other run alone', async () => {
    const { store, records } = memoryStore(1e6);
    await store.put(meta('b', 5), new ArrayBuffer(100));
    for (const t of [10, 20, 30, 40]) {
      await storeCheckpoint(store, meta('a', t), new ArrayBuffer(100), 2);
    }
    expect(steps(records, 'a')).toEqual([30, 40]);
    expect(steps(records, 'b')).toEqual([5]);
  });
});

describe('a store near its quota', () => {
  it('room for 2.5 checkpoints and keep 2: pruning first lets every save through', async () => {
    const { store, records } = memoryStore(250);
    for (const t of [1, 2, 3, 4]) {
      await storeCheckpoint(store, meta('a', t), new ArrayBuffer(100), 2);
    }
    expect(steps(records, 'a')).toEqual([3, 4]);
  });

  it('keep 1 keeps the newest until the new one is written', async () => {
    const { store, records } = memoryStore(250);
    await storeCheckpoint(store, meta('a', 1), new ArrayBuffer(100), 1);
    await storeCheckpoint(store, meta('a', 2), new ArrayBuffer(100), 1);
    expect(steps(records, 'a')).toEqual([2]);
  });

  it('a full store says so in words, and what was there stays', async () => {
    const { store, records } = memoryStore(250);
    await store.put(meta('b', 1), new ArrayBuffer(200));
    const full = storeCheckpoint(
      store,
      meta('a', 2),
      new ArrayBuffer(100),
      3,
      async () => 'a few MB of a few MB used',
    );
    await expect(full).rejects.toBeInstanceOf(CheckpointStoreFullError);
    await expect(full).rejects.toThrow(
      "the browser's storage for this page is full (a few MB of a few MB used). Delete old checkpoints",
    );
    expect(steps(records, 'b')).toEqual([1]);
  });
});

describe('recognising a full store', () => {
  it('by DOMException, by name or message on a plain Error, by the legacy code', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    const plain = Object.assign(new Error('The quota has been exceeded.'), { name: 'Error' });
    expect(isQuotaError(plain)).toBe(true);
    expect(isQuotaError(Object.assign(new Error('no room'), { name: 'QuotaExceededError' }))).toBe(
      true,
    );
    expect(isQuotaError({ name: 'Error', message: 'write failed', code: 22 })).toBe(true);
    expect(isQuotaError(new CheckpointStoreFullError())).toBe(true);
    expect(isQuotaError(new Error('checkpoint 4 has no data'))).toBe(false);
    expect(isQuotaError(undefined)).toBe(false);
  });
});

describe('the worker API', () => {
  it('refuses to save with a keep count that is not a whole number of at least 1', () =>
    withTrainer({ settings }, async ({ remote }) => {
      await remote.step();
      const record = { runId: 'tab-1', savedAt: 1, settings, thumbnail: '' };
      for (const keep of [Number.NaN, 0, 2.5, -3, '3' as unknown as number]) {
        const error = await remote.saveCheckpoint(record, keep).then(
          () => null,
          (e: unknown) => e as { name: string; code: string; message: string },
        );
        expect(error).toMatchObject({ name: 'TrainerInputError' });
        expect(error!.message).toMatch(/^keep must be a whole number from 1 to 1000/);
      }
      const noRun = await remote.saveCheckpoint({ ...record, runId: '' }, 3).then(
        () => null,
        (e: unknown) => e as { code: string },
      );
      expect(noRun).toMatchObject({ code: 'bad-argument' });
      expect((await remote.getStatus()).step).toBe(1);
    }));
});
