/**
 * The page's side of the worker boundary: starts the training worker, wraps its API with
 * comlink and routes its events into the store. Components call these functions; none of them
 * touches tfjs.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../../../shared/config';
import type { TrainerApi } from '../worker/trainer-api';
import type { BackendRequest, RunSettings, TrainerEvent } from '../shared/protocol';
import {
  comparisonHyperparams,
  comparisonPause,
  comparisonReset,
  comparisonStep,
  comparisonTrain,
  stopComparison,
} from '../../quality/client/comparison-client';
import { interactionSignal } from '../../../app/interaction';
import { acceptWeights } from '../../explorer/client/explorer-client';
import { acceptQualityWeights, copySnapshot } from '../../quality/client/quality-client';
import { useAppStore } from '../../../app/store';
import { sendKeptSetToTrainer } from '../../image-import/client/import-client';

let worker: Worker | null = null;
let api: Comlink.Remote<TrainerApi> | null = null;

/** Every few seconds the page asks the worker for its status; no answer for long = crashed. */
const HEARTBEAT_EVERY_MS = 3000;
/**
 * Silence after which the page says the worker is not answering and offers a restart. It is
 * not ended for that: a first step on a software GPU (shader compilation) or a busy machine
 * can take this long, and the panel goes away by itself when the worker answers again.
 */
let heartbeatTimeoutMs = 30_000;
let heartbeat: ReturnType<typeof setInterval> | undefined;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function report(error: unknown) {
  const store = useAppStore.getState();
  store.addNotice('error', errorText(error));
}

/** Runs a worker call; a failure becomes a notice instead of an unhandled rejection. */
async function call<T>(
  fn: (remote: Comlink.Remote<TrainerApi>) => Promise<T>,
): Promise<T | undefined> {
  if (!api) return undefined;
  try {
    return await fn(api);
  } catch (error) {
    report(error);
    return undefined;
  }
}

/**
 * Benchmark knobs from the page URL (bench/throughput.mjs): `threads=N` wasm threads,
 * `matmul=xnnpack` or `matmul=tfjs` for the wasm matrix product of an earlier lever or of
 * tfjs-backend-wasm itself, `adam=tfjs` for tfjs's Adam, `identity=tfjs` for its copying
 * Identity, `gemm=N` threads for the app's matrix
 * product (1: none besides the trainer's), and `conv=tfjs` tfjs's own conv
 * kernels (so conv cannot train on wasm). Not part of the UI.
 */
function benchTuning(search: string): {
  wasmThreads?: number;
  wasmMatMul?: 'xnnpack' | 'tfjs';
  wasmAdam?: boolean;
  wasmIdentity?: boolean;
  wasmGemmThreads?: number;
  wasmConvPatch?: boolean;
} {
  const params = new URLSearchParams(search);
  const threads = Number(params.get('threads'));
  const matmul = params.get('matmul');
  const gemm = Number(params.get('gemm'));
  return {
    ...(Number.isInteger(threads) && threads >= 0 && threads <= 8 && params.has('threads')
      ? { wasmThreads: threads }
      : {}),
    ...(matmul === 'tfjs' || matmul === 'xnnpack' ? { wasmMatMul: matmul } : {}),
    ...(params.get('adam') === 'tfjs' ? { wasmAdam: false } : {}),
    ...(params.get('identity') === 'tfjs' ? { wasmIdentity: false } : {}),
    ...(Number.isInteger(gemm) && gemm >= 1 && gemm <= 8 ? { wasmGemmThreads: gemm } : {}),
    ...(params.get('conv') === 'tfjs' ? { wasmConvPatch: false } : {}),
  };
}

/** Tensor count and memory of the training worker (the benchmark reads it through main.tsx). */
export function trainerDiagnostics() {
  return call((remote) => remote.diagnostics());
}

/**
 * (Re)starts the worker on a backend and builds a model for `settings`. A running worker is
 * terminated first: a backend cannot be swapped under a live model.
 */
export async function startTrainer(
  backend: BackendRequest,
  settings: RunSettings,
  hp: Hyperparams,
) {
  stopTrainer();
  const store = useAppStore.getState();
  const receive = store.receive;
  store.setCrash(null);
  // Nothing can be sent to the new worker until it has a model: the controls wait for 'ready'.
  receive({ type: 'status', status: 'loading', step: store.step, message: 'Starting the worker' });
  const started = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'trainer',
  });
  worker = started;
  // An uncaught error leaves the worker in an unknown state (a half-done step, tensors
  // leaked): it is ended and the page offers a restart, as for a worker that went silent.
  started.addEventListener('error', (event) => {
    event.preventDefault();
    if (worker === started)
      crashed(`it threw an uncaught error (${event.message || 'no message'})`);
  });
  started.addEventListener('messageerror', () => {
    if (worker === started) crashed('a message from it could not be read');
  });
  const remote = Comlink.wrap<TrainerApi>(started);
  api = remote;
  startHeartbeat(remote);
  const datasetsBaseUrl = new URL('datasets/', document.baseURI).href;
  try {
    // Weight snapshots go to the latent explorer's worker; every other event to the store.
    // Copies made in the trainer worker: the quality worker's, and the page's pad decoder's;
    // the explorer's buffers are moved on to its worker.
    const route = (event: TrainerEvent) => {
      if (event.type !== 'weights') return receive(event);
      const { qualityCopy, ...snapshot } = event.weights;
      const { pageDecoderData: _page, ...forQuality } = snapshot;
      acceptQualityWeights(
        'main',
        qualityCopy ? { ...forQuality, ...qualityCopy } : copySnapshot(forQuality),
      );
      acceptWeights(snapshot);
    };
    const tuning = benchTuning(location.search);
    await remote.init(
      {
        backend,
        datasetsBaseUrl,
        tuning,
        architecture: settings.architecture,
        weightCopies: true,
        ...(interactionSignal ? { interaction: interactionSignal } : {}),
      },
      Comlink.proxy(route),
    );
    await remote.setHyperparams(hp);
    // A new worker has no images of the user's: the page gives it its copy.
    if (settings.dataset === 'user') await sendKeptSetToTrainer();
    await remote.configure(settings);
  } catch (error) {
    if (api === remote) report(error);
  }
}

export function stopTrainer() {
  clearInterval(heartbeat);
  stopComparison();
  api?.[Comlink.releaseProxy]();
  worker?.terminate();
  api = null;
  worker = null;
}

/** Ends a dead or stuck worker and tells the page, which offers a restart (CrashPanel). */
function crashed(reason: string) {
  const store = useAppStore.getState();
  const step = store.step;
  stopTrainer();
  store.setCrash({ reason, step });
  store.receive({
    type: 'status',
    status: 'error',
    step,
    message: `The training worker stopped: ${reason}. Restart it from the panel above.`,
  });
}

/** Asks the worker for its status every few seconds; one question in flight at a time. */
function startHeartbeat(remote: Comlink.Remote<TrainerApi>) {
  let askedAt = 0;
  let waiting = false;
  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    if (api !== remote) return;
    const now = performance.now();
    if (waiting) {
      if (now - askedAt > heartbeatTimeoutMs) {
        const store = useAppStore.getState();
        store.setCrash({
          reason: `it has not answered for ${Math.round((now - askedAt) / 1000)} s`,
          step: store.step,
          unresponsive: true,
        });
      }
      return;
    }
    waiting = true;
    askedAt = now;
    const answered = () => {
      waiting = false;
      // It was only busy: the offer to restart is withdrawn.
      if (api === remote && useAppStore.getState().crash?.unresponsive) {
        useAppStore.getState().setCrash(null);
      }
    };
    remote.getStatus().then(answered, answered);
  }, HEARTBEAT_EVERY_MS);
}

/** Builds a new model with the settings in the form (same worker, same backend). */
export function applySettings(settings: RunSettings) {
  // The comparison copies the running model's settings: a new model ends it.
  stopComparison();
  return call((remote) => remote.configure(settings));
}

/** The worker API, for callers that report their own errors (export, import, checkpoints). */
export const trainerApi = (): Comlink.Remote<TrainerApi> | null => api;

/**
 * Test hooks for the end-to-end tests and benchmarks (window.vaeganPlayground.debug): they
 * reach the worker's clearly named debug methods and nothing else.
 */
export const debugHooks = {
  loseDevice: () => api?.debugLoseDevice(),
  poisonWeights: (network?: 'encoder' | 'decoder' | 'discriminator') =>
    api?.debugPoisonWeights(network),
  crashWorker: (kind: 'throw' | 'exit' | 'hang') => api?.debugCrash(kind),
  memory: () => api?.getMemory(),
  setHeartbeatTimeout: (ms: number) => {
    heartbeatTimeoutMs = ms;
  },
};

// Each control also drives the plain-VAE comparison run, when one is open.
export const train = () => Promise.all([call((remote) => remote.start()), comparisonTrain()]);
export const pause = () => Promise.all([call((remote) => remote.pause()), comparisonPause()]);
export const stepOnce = () => Promise.all([call((remote) => remote.step()), comparisonStep()]);
export const reset = () => Promise.all([call((remote) => remote.reset()), comparisonReset()]);
export const sendHyperparams = (hp: Partial<Hyperparams>) =>
  Promise.all([call((remote) => remote.setHyperparams(hp)), comparisonHyperparams(hp)]);
