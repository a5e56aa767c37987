/**
 * The automatic backend choice by measurement: when more than one fast backend can run (a real
 * GPU through WebGPU or WebGL, and wasm), each trains the default model for a moment and the one
 * with the most images/s wins. The result is kept per device (IndexedDB), so later visits start
 * at once. Software GPU adapters never enter (backend.ts passes them over before this).
 */
import * as tf from '../model/tf';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  imageSize,
  type ModelConfig,
} from '../shared/config';
import { VaeGan } from '../model/vaegan';
import type { BackendName } from '../features/training/shared/protocol';

/** One backend's measured speed. */
export interface BackendSpeed {
  name: BackendName;
  imagesPerSec: number;
}

/** A remembered race: its speeds, the winner and when it was run. */
export interface RaceResult {
  winner: BackendName;
  speeds: BackendSpeed[];
  measuredAt: string;
}

/** Where race results are kept between visits, by device key. */
export interface RaceCache {
  get(key: string): Promise<RaceResult | undefined>;
  set(key: string, value: RaceResult): Promise<void>;
}

/** How the race is run: `measure` times training on the backend that is active. */
export interface RaceOptions {
  measure: () => Promise<number>;
  cache?: RaceCache;
}

/** A candidate of the race: activating it makes it tf's backend. */
export interface RaceEntry {
  name: BackendName;
  /** Adapter or renderer text: part of the device key, so a new GPU or driver measures again. */
  detail: string;
  activate: () => Promise<void>;
}

/** Identifies this device and browser for the cache: user agent, cores and each candidate. */
export function deviceKey(entries: readonly RaceEntry[]): string {
  const nav = globalThis.navigator as
    { userAgent?: string; hardwareConcurrency?: number } | undefined;
  return JSON.stringify({
    version: 1,
    ua: nav?.userAgent ?? 'unknown',
    cores: nav?.hardwareConcurrency ?? 0,
    candidates: entries.map((e) => `${e.name}: ${e.detail}`),
  });
}

/**
 * Runs the race (or takes a cached result for the same device) and leaves the winner active.
 * A candidate that fails to start or to train is dropped, with its reason in `failed`.
 */
export async function raceBackends(
  entries: readonly RaceEntry[],
  options: RaceOptions,
): Promise<RaceResult & { fromCache: boolean; failed: { name: BackendName; reason: string }[] }> {
  const key = deviceKey(entries);
  const failed: { name: BackendName; reason: string }[] = [];
  const cached = await options.cache?.get(key).catch(() => undefined);
  const cachedWinner = cached && entries.find((e) => e.name === cached.winner);
  if (cached && cachedWinner) {
    try {
      await cachedWinner.activate();
      return { ...cached, fromCache: true, failed };
    } catch (error) {
      failed.push({ name: cachedWinner.name, reason: String(error) });
    }
  }
  const speeds: BackendSpeed[] = [];
  for (const entry of entries) {
    try {
      await entry.activate();
      speeds.push({ name: entry.name, imagesPerSec: await options.measure() });
    } catch (error) {
      failed.push({
        name: entry.name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (speeds.length === 0) throw new Error('no backend could train');
  const best = speeds.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));
  await entries.find((e) => e.name === best.name)!.activate();
  const result: RaceResult = { winner: best.name, speeds, measuredAt: new Date().toISOString() };
  await options.cache?.set(key, result).catch(() => undefined);
  return { ...result, fromCache: false, failed };
}

/**
 * Images/s of the default model (784-512-16, batch 64) on the active backend: two warm-up steps
 * (shader compilation, kernel set-up), then steps for about `ms` milliseconds, read back at the
 * end so GPU work is counted.
 */
export async function measureTrainingSpeed(
  ms = 1000,
  batch = 64,
  config: ModelConfig = DEFAULT_MODEL_CONFIG,
): Promise<number> {
  const model = new VaeGan(config, DEFAULT_HYPERPARAMS);
  const x = tf.randomUniform([batch, imageSize(config.image)]) as tf.Tensor2D;
  try {
    for (let i = 0; i < 2; i++) {
      const m = model.trainStep(x, DEFAULT_HYPERPARAMS);
      await m.data();
      m.dispose();
    }
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms || steps < 2) {
      const m = model.trainStep(x, DEFAULT_HYPERPARAMS);
      await m.data();
      m.dispose();
      steps += 1;
    }
    return (steps * batch) / ((performance.now() - t0) / 1000);
  } finally {
    x.dispose();
    model.dispose();
  }
}

const DB = 'vaegan-backend-race';
const STORE = 'results';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** The race results in IndexedDB (usable from a worker); undefined where there is none. */
export function indexedDbRaceCache(): RaceCache | undefined {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return undefined;
  const open = () => {
    const r = idb.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    return request(r);
  };
  return {
    async get(key) {
      const db = await open();
      try {
        return (await request(db.transaction(STORE).objectStore(STORE).get(key))) as
          RaceResult | undefined;
      } finally {
        db.close();
      }
    },
    async set(key, value) {
      const db = await open();
      try {
        await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(value, key));
      } finally {
        db.close();
      }
    },
  };
}
