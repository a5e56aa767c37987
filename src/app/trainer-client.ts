/**
 * The page's side of the worker boundary: starts the training worker, wraps its API with
 * comlink and routes its events into the store. Components call these functions; none of them
 * touches tfjs.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../model/config';
import type { TrainerApi } from '../workers/trainer-api';
import type { BackendRequest, RunSettings, TrainerEvent } from '../workers/protocol';
import {
  comparisonHyperparams,
  comparisonPause,
  comparisonReset,
  comparisonStep,
  comparisonTrain,
  stopComparison,
} from './comparison-client';
import { acceptWeights } from './explorer-client';
import { acceptQualityWeights, copySnapshot } from './quality-client';
import { useAppStore } from './store';

let worker: Worker | null = null;
let api: Comlink.Remote<TrainerApi> | null = null;

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
  worker = new Worker(new URL('../workers/trainer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'trainer',
  });
  worker.addEventListener('error', (event) => {
    receive({
      type: 'status',
      status: 'error',
      step: useAppStore.getState().step,
      message: `The training worker crashed: ${event.message || 'unknown error'}. Press Apply settings to start again.`,
    });
  });
  const remote = Comlink.wrap<TrainerApi>(worker);
  api = remote;
  const datasetsBaseUrl = new URL('datasets/', document.baseURI).href;
  try {
    // Weight snapshots go to the latent explorer's worker; every other event to the store.
    // The quality worker gets a copy (the explorer's buffers are moved to its worker).
    const route = (event: TrainerEvent) => {
      if (event.type !== 'weights') return receive(event);
      acceptQualityWeights('main', copySnapshot(event.weights));
      acceptWeights(event.weights);
    };
    await remote.init({ backend, datasetsBaseUrl }, Comlink.proxy(route));
    await remote.setHyperparams(hp);
    await remote.configure(settings);
  } catch (error) {
    if (api === remote) report(error);
  }
}

export function stopTrainer() {
  stopComparison();
  api?.[Comlink.releaseProxy]();
  worker?.terminate();
  api = null;
  worker = null;
}

/** Builds a new model with the settings in the form (same worker, same backend). */
export function applySettings(settings: RunSettings) {
  // The comparison copies the running model's settings: a new model ends it.
  stopComparison();
  return call((remote) => remote.configure(settings));
}

/** The worker API, for callers that report their own errors (export, import, checkpoints). */
export const trainerApi = (): Comlink.Remote<TrainerApi> | null => api;

// Each control also drives the plain-VAE comparison run, when one is open.
export const train = () => Promise.all([call((remote) => remote.start()), comparisonTrain()]);
export const pause = () => Promise.all([call((remote) => remote.pause()), comparisonPause()]);
export const stepOnce = () => Promise.all([call((remote) => remote.step()), comparisonStep()]);
export const reset = () => Promise.all([call((remote) => remote.reset()), comparisonReset()]);
export const sendHyperparams = (hp: Partial<Hyperparams>) =>
  Promise.all([call((remote) => remote.setHyperparams(hp)), comparisonHyperparams(hp)]);
