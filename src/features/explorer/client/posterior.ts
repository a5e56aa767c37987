/**
 * Posterior collapse, watched during training: the KL of each latent dimension and the active
 * units of the embedded test images, from the explorer worker (which encodes them once per
 * weight copy for the scatter anyway), and the active units over training for this model.
 */
import { LatestWins } from '../../../app/worker-bridge';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import type { PosteriorPoint } from './explorer-store';

const requests = new LatestWins<void>(measure);

/** Measures the newest weights' posterior statistics. */
export function refreshPosterior(): Promise<void> {
  if (!explorer.running || get().status !== 'ready') return Promise.resolve();
  return requests.request();
}

async function measure() {
  const loaded = get().loaded;
  try {
    const stats = await explorer.call((api) => api.posterior());
    if (get().loaded?.modelId !== loaded?.modelId) return;
    const point: PosteriorPoint = {
      step: stats.step,
      active: stats.active,
      kl: stats.kl.reduce((a, b) => a + b, 0),
    };
    // One point per step, in step order (a restored run may revisit a step).
    const points = get()
      .posteriorPoints.filter((p) => p.step !== point.step)
      .concat(point)
      .sort((a, b) => a.step - b.step);
    set({ posterior: stats, posteriorPoints: points });
  } catch (error) {
    fail('Could not measure the posterior', error);
  }
}
