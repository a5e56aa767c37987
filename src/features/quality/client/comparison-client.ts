/**
 * The plain-VAE comparison run: a second training worker with the running model's seed and
 * settings and the hyperparameters in force, except gamma = 0. It follows the main run's
 * Train / Pause / Step / Reset and sliders (it subscribes to the main run's events while it
 * runs) and stops when the main model is replaced or its worker stops. Its weight copies go to
 * the quality worker, its samples to the quality store.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../../../shared/config';
import type { TrainerApi } from '../../training/worker/trainer-api';
import type { TrainerEvent } from '../../training/shared/protocol';
import { acceptQualityWeights, dropQualityRun } from './quality-client';
import { OFF_COMPARISON, useQualityStore, type ComparisonState } from './quality-store';
import { useAppStore } from '../../../app/store';
import { WorkerBridge } from '../../../app/worker-bridge';
import { onTrainerEvent } from '../../training/client/trainer-events';

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

const comparison = new WorkerBridge<TrainerApi>({
  label: 'comparison worker',
  create: () =>
    new Worker(new URL('../../training/worker/trainer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'comparison',
    }),
  onCrash: (report) =>
    patch({
      status: 'error',
      message: `The comparison worker crashed: ${report.message || 'a message from it could not be read'}`,
    }),
});

/** Ends of the subscriptions to the main run, held while the comparison runs. */
let following: (() => void)[] = [];

/** The comparison follows the main run's controls and sliders, and ends with its model. */
function followMainRun() {
  following = [
    onTrainerEvent('control', ({ action }) => {
      if (action === 'train') return call((r) => r.start());
      if (action === 'pause') return call((r) => r.pause());
      if (action === 'step') return call((r) => r.step());
      return call((r) => r.reset());
    }),
    onTrainerEvent('hyperparams-sent', ({ hyperparams }) =>
      call((r) => r.setHyperparams(vaeHyperparams(hyperparams))),
    ),
    // It copies the running model's settings and shares its backend choice.
    onTrainerEvent('replacing-model', () => stopComparison()),
    onTrainerEvent('worker-stopped', () => stopComparison()),
  ];
}

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
  comparison.start();
  const generation = comparison.generation;
  followMainRun();
  patch({ ...OFF_COMPARISON, active: true, status: 'loading' });
  try {
    await comparison.call((remote) =>
      remote.init(
        {
          backend: main.backendRequest,
          datasetsBaseUrl: new URL('datasets/', document.baseURI).href,
          // The main run's product has the helper threads; two runs' would outnumber the cores.
          tuning: { wasmGemmThreads: 1 },
        },
        Comlink.proxy(receive),
      ),
    );
    await comparison.call((remote) => remote.setHyperparams(vaeHyperparams(hp)));
    await comparison.call((remote) => remote.configure(settings));
    if (comparison.isCurrent(generation) && useAppStore.getState().status === 'training') {
      await comparison.call((remote) => remote.start());
    }
  } catch (error) {
    if (comparison.isCurrent(generation)) {
      patch({ status: 'error', message: errorText(error) });
      useAppStore.getState().addNotice('error', `Plain-VAE comparison: ${errorText(error)}`);
    }
  }
}

/** Ends the comparison run and forgets its curves. */
export function stopComparison() {
  if (!comparison.running) return;
  for (const end of following) end();
  following = [];
  comparison.terminate();
  useQualityStore.setState({ comparison: OFF_COMPARISON });
  dropQualityRun('comparison');
}

/** Calls the comparison worker; an error is shown in its panel unless the run was ended. */
async function call(fn: (remote: Comlink.Remote<TrainerApi>) => Promise<unknown>) {
  if (!comparison.running) return;
  const generation = comparison.generation;
  try {
    await comparison.call(fn);
  } catch (error) {
    if (comparison.isCurrent(generation)) patch({ message: errorText(error) });
  }
}
