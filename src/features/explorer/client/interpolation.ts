/**
 * The interpolation strip between two test images' codes. One strip is decoded at a time and the
 * newest settings win.
 */
import { LatestWins } from '../../../app/worker-bridge';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import type { InterpolationSettings } from './explorer-store';

const strips = new LatestWins<void>(interpolate);

/** New interpolation settings (already checked by the form). */
export function setInterpolation(settings: InterpolationSettings) {
  set({ interpolation: settings });
  void refreshInterpolation();
}

/** Decodes the strip for the current settings and weights. */
export function refreshInterpolation(): Promise<void> {
  if (!explorer.running || get().status !== 'ready') return Promise.resolve();
  return strips.request();
}

async function interpolate() {
  try {
    const result = await explorer.call((api) => api.interpolate(get().interpolation));
    set({ interpolationResult: result });
  } catch (error) {
    fail('Could not interpolate', error);
  }
}
