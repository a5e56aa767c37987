/**
 * The page's side of the quality worker: starts it on the first weight copy, keeps the newest
 * copy of each run there, and measures a run every AUTO_INTERVAL_S seconds of new weights (and
 * on demand). Measurements run one at a time; a request during one is served right after it,
 * with the newest weights.
 */
import { tabRunId } from '../../checkpoints/client/tab-run';
import * as Comlink from 'comlink';
import type { QualityApi } from '../worker/quality-api';
import type { RunKey } from '../shared/quality-protocol';
import type { WeightsSnapshot } from '../../training/shared/protocol';
import {
  addPoint,
  AUTO_INTERVAL_S,
  clearRun,
  setRun,
  useQualityStore,
  type QualitySettings,
} from './quality-store';
import { WorkerBridge } from '../../../app/worker-bridge';
import { useAppStore } from '../../../app/store';
import { onTrainerEvent } from '../../training/client/trainer-events';
import { callTrainer, trainerRunning } from '../../training/client/trainer-client';

const set = useQualityStore.setState;
const get = useQualityStore.getState;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Started by the first weight copy to load (lazy); runs until the page closes. */
const quality = new WorkerBridge<QualityApi>({
  label: 'quality worker',
  create: () =>
    new Worker(new URL('../worker/quality.worker.ts', import.meta.url), {
      type: 'module',
      name: 'quality',
    }),
  init: (remote) =>
    remote
      .init({
        backend: 'wasm',
        datasetsBaseUrl: new URL('datasets/', document.baseURI).href,
        classifiersBaseUrl: new URL('classifiers/', document.baseURI).href,
      })
      .then(
        () => {
          set({ status: 'ready' });
          return true;
        },
        (error: unknown) => {
          set({
            status: 'error',
            error: `The quality worker could not start: ${errorText(error)}`,
          });
          return false;
        },
      ),
  onCrash: (report) =>
    set({
      status: 'error',
      error: `The quality worker crashed: ${report.message || 'unknown error'}. Reload the page.`,
    }),
});

/** Starts the worker on first use; resolves whether it is ready. */
function start(): Promise<boolean> {
  if (!quality.running) set({ status: 'starting', error: '' });
  return quality.ready();
}

/** A copy whose buffers can move to the quality worker while the original goes elsewhere. */
function copySnapshot(s: WeightsSnapshot): WeightsSnapshot {
  const copy = (a: WeightsSnapshot['encoder']) => ({ ...a, weightData: a.weightData.slice(0) });
  return {
    ...s,
    encoder: copy(s.encoder),
    decoder: copy(s.decoder),
    ...(s.generator ? { generator: copy(s.generator) } : {}),
  };
}

// ---- weight copies ---------------------------------------------------------------------------

/** Why a model of the user's own images has no quality measures: a limit, not a failure. */
const NO_USER_QUALITY =
  'The quality measures are computed on MNIST and Fashion-MNIST only: there is no classifier for your own images.';

/** The newest copy of each run's weights not yet in the quality worker. */
const pending: Record<RunKey, WeightsSnapshot | null> = { main: null, comparison: null };
/** The load in progress for each run, so loads of one run never overlap. */
const loads: Record<RunKey, Promise<void>> = {
  main: Promise.resolve(),
  comparison: Promise.resolve(),
};
/** When each run was last measured (performance.now()), for the automatic interval. */
const lastMeasured: Record<RunKey, number> = { main: -Infinity, comparison: -Infinity };

/** A new model, or a restarted trainer counting from 1 again: its curves start afresh. */
function isNewModel(run: RunKey, snapshot: WeightsSnapshot): boolean {
  const before = get().runs[run];
  return (
    before.modelId !== snapshot.modelId ||
    (before.weightsStep !== null && snapshot.step < before.weightsStep)
  );
}

/** Auto-stop counts the main run's measurements: they are then taken whatever `auto` says. */
const autoStopOn = () => useAppStore.getState().budget.patience > 0;

const autoDue = (run: RunKey) =>
  (get().settings.auto || (run === 'main' && autoStopOn())) &&
  performance.now() - lastMeasured[run] >= AUTO_INTERVAL_S * 1000;

/**
 * Takes a weight copy of a run (its buffers move to the quality worker). Rebuilding the networks
 * from it costs CPU that training shares, so a copy is only held until it is needed: it is loaded
 * at once for a new model (the curves restart), when an automatic measurement is due, or by the
 * next measurement (`measure` loads the newest copy first).
 */
export function acceptQualityWeights(run: RunKey, full: WeightsSnapshot) {
  // D is the explorer's (its buffer moves there); nothing here measures with it.
  const { discriminator: _d, ...snapshot } = full;
  if (run === 'main') set({ unavailable: snapshot.dataset === 'user' ? NO_USER_QUALITY : '' });
  if (snapshot.dataset === 'user') {
    // Nothing to measure against: the curves of an earlier model go, and no copy is held.
    pending[run] = null;
    clearRun(run);
    return;
  }
  pending[run] = snapshot;
  if (isNewModel(run, snapshot) || autoDue(run)) {
    void loadPending(run).then(() => {
      if (autoDue(run) && get().runs[run].modelId !== null) void measure(run);
    });
  }
}

/** Loads the run's newest held copy into the quality worker, if there is one. */
function loadPending(run: RunKey): Promise<void> {
  loads[run] = loads[run].then(async () => {
    const snapshot = pending[run];
    if (!snapshot) return;
    pending[run] = null;
    await loadSnapshot(run, snapshot);
  });
  return loads[run];
}

/**
 * Loads the copy of the main run that the trainer pins for auto-stop (trainer measured()): the
 * figure must be of exactly these weights, so no newer held copy may take their place.
 * @returns the copy's step and model, or null when there is no model to copy
 */
function loadPinnedCopy(): Promise<{ step: number; modelId: number } | null> {
  const done = loads.main.then(async () => {
    if (!trainerRunning()) return null;
    const copy = await callTrainer((api) => api.measurementCopy());
    // Older held copies would only be loaded after it: this one is newer.
    pending.main = null;
    return (await loadSnapshot('main', copy)) ? { step: copy.step, modelId: copy.modelId } : null;
  });
  loads.main = done.then(
    () => undefined,
    () => undefined,
  );
  return done;
}

/** Moves one weight copy into the quality worker; whether it arrived. */
async function loadSnapshot(run: RunKey, snapshot: WeightsSnapshot): Promise<boolean> {
  if (!(await start())) return false;
  const newModel = isNewModel(run, snapshot);
  const buffers = [snapshot.encoder.weightData, snapshot.decoder.weightData];
  if (snapshot.generator) buffers.push(snapshot.generator.weightData);
  try {
    await quality.call((api) => api.loadWeights(run, Comlink.transfer(snapshot, buffers)));
  } catch (error) {
    set({ error: `Could not load the weights: ${errorText(error)}` });
    return false;
  }
  if (newModel) {
    clearRun(run);
    lastMeasured[run] = -Infinity;
  }
  setRun(run, { modelId: snapshot.modelId, weightsStep: snapshot.step });
  return true;
}

// ---- measurements ----------------------------------------------------------------------------

const queued = new Set<RunKey>();
let running: Promise<void> | null = null;

/** Measures a run's newest weights (after the measurement in progress, if any). */
export function measure(run: RunKey): Promise<void> {
  queued.add(run);
  if (!running) running = drain().finally(() => (running = null));
  return running;
}

/** The "Measure now" button: every run that has weights. */
export function measureNow(): Promise<void> {
  const runs = get().runs;
  const targets = (['main', 'comparison'] as const).filter((r) => runs[r].modelId !== null);
  if (targets.length === 0) {
    set({ error: 'No weights yet: wait until the model is built.' });
    return Promise.resolve();
  }
  return Promise.all(targets.map((r) => measure(r))).then(() => undefined);
}

async function drain() {
  while (queued.size > 0 && quality.running) {
    const run = queued.values().next().value as RunKey;
    queued.delete(run);
    const { k, images, samples } = get().settings;
    lastMeasured[run] = performance.now();
    set({ busy: run });
    try {
      const pinned = run === 'main' && autoStopOn() ? await loadPinnedCopy() : null;
      if (!pinned) await loadPending(run);
      const result = await quality.call((api) => api.evaluate({ run, k, images, samples }));
      if (pinned && result.step === pinned.step && result.modelId === pinned.modelId) {
        // Auto-stop counts it in the trainer, which may stop training; not awaited by the panel.
        void tabRunId()
          .then((runId) =>
            callTrainer((api) =>
              api.measured(
                result.modelId,
                {
                  step: result.step,
                  elbo: result.elbo,
                  basis: { images: result.images, k: result.k },
                },
                runId,
              ),
            ),
          )
          .catch((error: unknown) =>
            set({ error: `Auto-stop could not count this measurement: ${errorText(error)}` }),
          );
      }
      const record = get().runs[run];
      // Weights of another model arrived meanwhile: this result belongs to the old one.
      if (record.modelId !== result.modelId) continue;
      setRun(run, {
        latest: result,
        points: addPoint(record.points, {
          step: result.step,
          elbo: result.elbo,
          iwae: result.iwae,
          k: result.k,
          fcd: result.fcd,
          classesPresent: result.classesPresent,
          precision: result.precision,
          recall: result.recall,
          density: result.density,
          coverage: result.coverage,
        }),
      });
      // A gallery of the old measurement's samples would no longer match the histogram.
      if (get().classView?.run === run) set({ classView: null });
      set({ error: '' });
    } catch (error) {
      // The comparison may have been stopped while it was measured: not an error worth showing.
      if (!(run === 'comparison' && !get().comparison.active)) {
        set({ error: `Could not measure: ${errorText(error)}` });
      }
    } finally {
      set({ busy: null });
    }
  }
}

/**
 * Shows the samples of the run's last measurement that the classifier put in class `label`
 * (a click on the histogram); a second click on the same class hides them.
 */
export async function showClassSamples(run: RunKey, label: number): Promise<void> {
  const shown = get().classView;
  if (shown && shown.run === run && shown.label === label) {
    set({ classView: null });
    return;
  }
  try {
    const result = await quality.call((api) => api.classSamples(run, label));
    set({ classView: result, error: '' });
  } catch (error) {
    set({ error: `Could not show the samples: ${errorText(error)}` });
  }
}

/** The memorisation check on the main run's newest weights: `count` samples' nearest images. */
export async function checkMemorisation(count: number): Promise<void> {
  if (get().runs.main.modelId === null && !pending.main) {
    set({
      memorisation: {
        busy: false,
        result: null,
        error: 'No weights yet: wait until the model is built.',
      },
    });
    return;
  }
  set((s) => ({ memorisation: { ...s.memorisation, busy: true, error: '' } }));
  try {
    await loadPending('main');
    const result = await quality.call((api) => api.memorisation('main', count));
    set({ memorisation: { busy: false, result, error: '' } });
  } catch (error) {
    set((s) => ({
      memorisation: { ...s.memorisation, busy: false, error: errorText(error) },
    }));
  }
}

/** New measuring settings; they apply from the next measurement. */
export function setQualitySettings(patch: Partial<QualitySettings>) {
  set((s) => ({ settings: { ...s.settings, ...patch } }));
}

/** Forgets a run's weights and curves (the comparison was stopped). */
export function dropQualityRun(run: RunKey) {
  pending[run] = null;
  queued.delete(run);
  clearRun(run);
  lastMeasured[run] = -Infinity;
  if (quality.running) void quality.call((api) => api.dropRun(run)).catch(() => undefined);
}

/**
 * Subscribes the quality measures to the main run's weight snapshots (once, from main.tsx). They
 * take the copy the trainer made for them, so the explorer can move the originals on.
 * @returns a function that ends the subscription
 */
export function connectQualityToTrainer(): () => void {
  return onTrainerEvent('weights', ({ weights }) => {
    const { qualityCopy, ...snapshot } = weights;
    const { pageDecoderData: _page, ...forQuality } = snapshot;
    acceptQualityWeights(
      'main',
      qualityCopy ? { ...forQuality, ...qualityCopy } : copySnapshot(forQuality),
    );
  });
}
