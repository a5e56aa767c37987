/**
 * The plain-VAE comparison run: a second training worker with the running model's seed and
 * settings and the hyperparameters in force, except gamma = 0. It follows the main run's
 * Train / Pause / Step / Reset (trainer-client.ts forwards them) and stops when the main model
 * is replaced. Its weight copies go to the quality worker, its samples to the quality store.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../../../shared/config';
import type { TrainerApi } from '../../training/worker/trainer-api';
import type { TrainerEvent } from '../../training/shared/protocol';
import { acceptQualityWeights, dropQualityRun } from './quality-client';
import { OFF_COMPARISON, useQualityStore, type ComparisonState } from './quality-store';
import { useAppStore } from '../../../app/store';

let worker: Worker | null = null;
let api: Comlink.Remote<TrainerApi> | null = null;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function patch(p: Partial<ComparisonState>) {
  useQualityStore.setState((s) => ({ comparison: { ...s.comparison, ...p } }));
}

function receive(event: TrainerEvent) {
  switch (event.type) {
    case 'weights':
      acceptQualityWeights('comparison', event.weights);
      break;
    case 'images':
      patch({ samples: event.images.samples, samplesStep: event.images.step });
      break;
    case 'status':
      patch({
        status: event.status,
        step: event.step,
        message: event.message ?? '',
        ...(event.status !== 'training' ? { stepsPerSec: 0 } : {}),
      });
      if (event.status === 'error' && event.message) {
        useAppStore.getState().addNotice('error', `Plain-VAE comparison: ${event.message}`);
      }
      break;
    case 'metrics':
      patch({ step: event.point.step, stepsPerSec: event.point.stepsPerSec });
      break;
    case 'backend':
      patch({ backend: event.backend });
      break;
    case 'notice':
      useAppStore.getState().addNotice(event.level, `Plain-VAE comparison: ${event.message}`);
      break;
    default:
      break;
  }
}

/** The main run's hyperparameters with the adversarial term switched off. */
const vaeHyperparams = (hp: Partial<Hyperparams>): Partial<Hyperparams> => ({ ...hp, gamma: 0 });

export const comparisonActive = () => api !== null;

/**
 * Starts the comparison run from step 0 with the running model's settings. If the main run is
 * training, the comparison trains too.
 */
export async function startComparison() {
  stopComparison();
  const main = useAppStore.getState();
  const settings = main.running;
  if (!settings) {
    main.addNotice('warning', 'Wait until the model is built before starting the comparison.');
    return;
  }
  const hp = main.inForce?.hyperparams ?? main.hyperparams;
  worker = new Worker(new URL('../../training/worker/trainer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'comparison',
  });
  const remote = Comlink.wrap<TrainerApi>(worker);
  api = remote;
  patch({ ...OFF_COMPARISON, active: true, status: 'loading' });
  worker.addEventListener('error', (event) => {
    patch({ status: 'error', message: `The comparison worker crashed: ${event.message}` });
  });
  try {
    await remote.init(
      {
        backend: main.backendRequest,
        datasetsBaseUrl: new URL('datasets/', document.baseURI).href,
        // The main run's product has the helper threads; two runs' would outnumber the cores.
        tuning: { wasmGemmThreads: 1 },
      },
      Comlink.proxy(receive),
    );
    await remote.setHyperparams(vaeHyperparams(hp));
    await remote.configure(settings);
    if (api === remote && useAppStore.getState().status === 'training') await remote.start();
  } catch (error) {
    if (api === remote) {
      patch({ status: 'error', message: errorText(error) });
      useAppStore.getState().addNotice('error', `Plain-VAE comparison: ${errorText(error)}`);
    }
  }
}

/** Ends the comparison run and forgets its curves. */
export function stopComparison() {
  if (!api && !worker) return;
  api?.[Comlink.releaseProxy]();
  worker?.terminate();
  api = null;
  worker = null;
  useQualityStore.setState({ comparison: OFF_COMPARISON });
  dropQualityRun('comparison');
}

async function call(fn: (remote: Comlink.Remote<TrainerApi>) => Promise<unknown>) {
  const remote = api;
  if (!remote) return;
  try {
    await fn(remote);
  } catch (error) {
    if (api === remote) patch({ message: errorText(error) });
  }
}

export const comparisonTrain = () => call((r) => r.start());
export const comparisonPause = () => call((r) => r.pause());
export const comparisonStep = () => call((r) => r.step());
export const comparisonReset = () => call((r) => r.reset());
export const comparisonHyperparams = (hp: Partial<Hyperparams>) =>
  call((r) => r.setHyperparams(vaeHyperparams(hp)));
