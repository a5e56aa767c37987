// One training worker per test: the real trainer behind its comlink API over a MessageChannel,
// as the page drives it, on the tfjs CPU backend with the real data set files. `withTrainer`
// builds it, runs the test's body and closes it, so no test can lean on another's trainer or
// on the order the tests run in.
import * as Comlink from 'comlink';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import type { FetchBytes } from '../../src/shared/dataset';
import type { RunSettings, TrainerEvent } from '../../src/features/training/shared/protocol';
import { createTrainerApi, type TrainerApi } from '../../src/features/training/worker/trainer-api';
import { nodeFetchBytes } from './node-fetch-bytes';
import type { SaveBest } from '../../src/features/training/worker/budget-keeper';

const root = fileURLToPath(new URL('../../', import.meta.url));

const files = new Map<string, Promise<Uint8Array>>();
let prepared: Promise<unknown> | undefined;

/**
 * nodeFetchBytes, reading each file of public/ once per test file: a trainer only reads the
 * bytes, and MNIST's 47 MB read afresh for every trainer would cost the suite seconds.
 */
export const cachedFetchBytes: FetchBytes = (url, onProgress) => {
  let bytes = files.get(url);
  if (!bytes) {
    bytes = nodeFetchBytes(url, onProgress);
    bytes.catch(() => files.delete(url));
    files.set(url, bytes);
  } else if (onProgress) {
    void bytes.then((b) => onProgress(b.length, b.length));
  }
  return bytes;
};

/** A trainer for one test. */
export interface TrainerHandle {
  remote: Comlink.Remote<TrainerApi>;
  /** Every event the trainer sent, in order (once initialised). */
  events: TrainerEvent[];
  /** The listener that fills `events`, for a test that calls `init` itself. */
  listener: (event: TrainerEvent) => void;
}

export interface TrainerOptions {
  /** Start the CPU backend (default true); false leaves `init` to the test. */
  init?: boolean;
  /** Build a model with these settings after init. */
  settings?: RunSettings;
  /** Steps between the divergence guard's last-good copies (the trainer's default if unset). */
  snapshotEvery?: number;
  /** Where auto-stop stores its best copy (Node has no IndexedDB). */
  saveBest?: SaveBest;
}

/** The step of the newest metrics or status event, or -1 before any. */
export function lastStep(events: readonly TrainerEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'metrics') return e.point.step;
    if (e.type === 'status') return e.step;
  }
  return -1;
}

/** Waits until `check` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 60_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Builds a trainer (initialised on the CPU backend, and configured when `settings` are given),
 * runs `body` with it, and disposes of it and its channel whatever the body did.
 */
export async function withTrainer<T>(
  options: TrainerOptions,
  body: (trainer: TrainerHandle) => Promise<T>,
): Promise<T> {
  // The data set files on disk, converted once per test file (nothing is redone when current).
  prepared ??= prepareDatasets({ root });
  await prepared;
  const channel = new MessageChannel();
  Comlink.expose(
    createTrainerApi({
      fetchBytes: cachedFetchBytes,
      ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
      ...(options.saveBest ? { saveBest: options.saveBest } : {}),
    }),
    channel.port1,
  );
  const remote = Comlink.wrap<TrainerApi>(channel.port2);
  const events: TrainerEvent[] = [];
  const listener = Comlink.proxy((event: TrainerEvent) => void events.push(event));
  try {
    if (options.init !== false) {
      await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' }, listener);
    }
    if (options.settings) await remote.configure(options.settings);
    return await body({ remote, events, listener });
  } finally {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  }
}
