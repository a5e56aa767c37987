/**
 * The page's side of the worker boundary: starts the training worker through a WorkerBridge,
 * routes its events into the store and on to subscribers (trainer-events.ts), and watches it for
 * crashes and silence. Components call these functions; none of them touches tfjs. Other
 * features hear the session by subscribing: this module imports none of them.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../../../shared/config';
import type { TrainingBudget } from '../../../shared/settings';
import type { TrainerApi } from '../worker/trainer-api';
import type { BackendRequest, RunSettings, TrainerEvent } from '../shared/protocol';
import { interactionSignal } from '../../../app/interaction';
import { useAppStore } from '../../../app/store';
import { WorkerBridge, WorkerStoppedError } from '../../../app/worker-bridge';
import { benchTuning } from './bench-tuning';
import { emitTrainerEvent, type TrainerControl } from './trainer-events';

/** Every few seconds the page asks the worker for its status; no answer for long = crashed. */
const HEARTBEAT_EVERY_MS = 3000;
/**
 * Silence after which the page says the worker is not answering and offers a restart. It is
 * not ended for that: a first step on a software GPU (shader compilation) or a busy machine
 * can take this long, and the panel goes away by itself when the worker answers again.
 */
let heartbeatTimeoutMs = 30_000;

const trainer = new WorkerBridge<TrainerApi>({
  label: 'training worker',
  create: () =>
    new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'trainer',
    }),
  // An uncaught error leaves the worker in an unknown state (a half-done step, tensors
  // leaked): it is ended and the page offers a restart, as for a worker that went silent.
  onCrash: (report) =>
    crashed(
      report.kind === 'error'
        ? `it threw an uncaught error (${report.message || 'no message'})`
        : 'a message from it could not be read',
    ),
  heartbeat: {
    everyMs: HEARTBEAT_EVERY_MS,
    timeoutMs: () => heartbeatTimeoutMs,
    ask: (remote) => remote.getStatus(),
    onSilent: (silentMs) => {
      const store = useAppStore.getState();
      store.setCrash({
        reason: `it has not answered for ${Math.round(silentMs / 1000)} s`,
        step: store.step,
        unresponsive: true,
      });
    },
    onAnswer: () => {
      // It was only busy: the offer to restart is withdrawn.
      if (useAppStore.getState().crash?.unresponsive) useAppStore.getState().setCrash(null);
    },
  },
});

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function report(error: unknown) {
  useAppStore.getState().addNotice('error', errorText(error));
}

/**
 * Runs a worker call; a failure becomes a notice instead of an unhandled rejection. Nothing
 * runs without a worker, and a call cut off by a restart is dropped quietly: its worker is gone.
 */
async function call<T>(
  fn: (remote: Comlink.Remote<TrainerApi>) => Promise<T>,
): Promise<T | undefined> {
  if (!trainer.running) return undefined;
  try {
    return await trainer.call(fn);
  } catch (error) {
    if (!(error instanceof WorkerStoppedError)) report(error);
    return undefined;
  }
}

/** Tensor count and memory of the training worker (the benchmark reads it through main.tsx). */
export function trainerDiagnostics() {
  return call((remote) => remote.diagnostics());
}

/** Whether a training worker runs (it may still be building its model). */
export const trainerRunning = (): boolean => trainer.running;

/**
 * Calls the training worker, for callers that report their own errors (export, import,
 * checkpoints, image import). Rejects with a WorkerStoppedError when no worker runs, or when it
 * is restarted or ended before it answers, so the caller's busy flags are cleared.
 */
export function callTrainer<R>(fn: (remote: Comlink.Remote<TrainerApi>) => R): Promise<Awaited<R>> {
  return trainer.call(fn);
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
  stopTrainer('the training worker was restarted before it answered');
  const store = useAppStore.getState();
  const receive = store.receive;
  store.setCrash(null);
  // Nothing can be sent to the new worker until it has a model: the controls wait for 'ready'.
  receive({ type: 'status', status: 'loading', step: store.step, message: 'Starting the worker' });
  trainer.start();
  const generation = trainer.generation;
  const datasetsBaseUrl = new URL('datasets/', document.baseURI).href;
  try {
    // Weight snapshots go to their subscribers (the latent explorer, the quality measures);
    // every other event to the store first, then to its subscribers.
    const route = (event: TrainerEvent) => {
      if (event.type !== 'weights') receive(event);
      emitTrainerEvent(event).catch(report);
    };
    const tuning = benchTuning(location.search);
    await trainer.call((remote) =>
      remote.init(
        {
          backend,
          datasetsBaseUrl,
          tuning,
          architecture: settings.architecture,
          weightCopies: true,
          ...(settings.dataset !== 'user' ? { prefetch: settings.dataset } : {}),
          ...(interactionSignal ? { interaction: interactionSignal } : {}),
        },
        Comlink.proxy(route),
      ),
    );
    await trainer.call((remote) => remote.setHyperparams(hp));
    await trainer.call((remote) => remote.setBudget(useAppStore.getState().budget));
    // E.g. a new worker has no images of the user's: image import gives it the page's copy.
    await emitTrainerEvent({ type: 'worker-starting', settings });
    await trainer.call((remote) => remote.configure(settings));
  } catch (error) {
    if (trainer.isCurrent(generation)) report(error);
  }
}

/**
 * Ends the training worker and tells the subscribers. Its waiting calls are rejected with
 * `why`, so their callers' busy flags (saving, exporting) clear and they can say what happened.
 */
export function stopTrainer(why?: string) {
  void emitTrainerEvent({ type: 'worker-stopped' }).catch(report);
  trainer.terminate(why);
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

/** Builds a new model with the settings in the form (same worker, same backend). */
export async function applySettings(settings: RunSettings) {
  // E.g. the comparison copies the running model's settings: a new model ends it.
  await emitTrainerEvent({ type: 'replacing-model', settings }).catch(report);
  return call((remote) => remote.configure(settings));
}

/** A call for the test hooks: undefined without a worker, like an optional call on it. */
const debugCall = <T>(fn: (remote: Comlink.Remote<TrainerApi>) => Promise<T>) =>
  trainer.running ? trainer.call(fn) : undefined;

/**
 * Test hooks for the end-to-end tests and benchmarks (window.vaeganPlayground.debug): they
 * reach the worker's clearly named debug methods and nothing else.
 */
export const debugHooks = {
  loseDevice: () => debugCall((remote) => remote.debugLoseDevice()),
  poisonWeights: (network?: 'encoder' | 'decoder' | 'discriminator') =>
    debugCall((remote) => remote.debugPoisonWeights(network)),
  crashWorker: (kind: 'throw' | 'exit' | 'hang') => debugCall((remote) => remote.debugCrash(kind)),
  memory: () => debugCall((remote) => remote.getMemory()),
  setHeartbeatTimeout: (ms: number) => {
    heartbeatTimeoutMs = ms;
  },
};

/** A control for the main run; subscribers (the comparison run) follow it at the same time. */
const control = (
  action: TrainerControl,
  fn: (remote: Comlink.Remote<TrainerApi>) => Promise<unknown>,
) => Promise.all([call(fn), emitTrainerEvent({ type: 'control', action }).catch(report)]);

export const train = () => control('train', (remote) => remote.start());
export const pause = () => control('pause', (remote) => remote.pause());
export const stepOnce = () => control('step', (remote) => remote.step());
export const reset = () => control('reset', (remote) => remote.reset());
/** A new training budget for the main run: in force at once. */
export const sendBudget = (budget: Partial<TrainingBudget>) =>
  call((remote) => remote.setBudget(budget));
export const sendHyperparams = (hp: Partial<Hyperparams>) =>
  Promise.all([
    call((remote) => remote.setHyperparams(hp)),
    emitTrainerEvent({ type: 'hyperparams-sent', hyperparams: hp }).catch(report),
  ]);
