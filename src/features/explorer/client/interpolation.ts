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
import type { EndSource, InterpolationSettings } from './explorer-store';
import type { PathEnd } from '../shared/protocol';

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

/** An end as the worker takes it: the drawing (a copy) when that end uses it and it exists. */
function endOf(index: number, from: EndSource): PathEnd {
  const drawing = get().drawing;
  return from === 'drawing' && drawing ? { drawing: drawing.slice() } : index;
}

async function interpolate() {
  const { a, b, aFrom, bFrom, steps, mode } = get().interpolation;
  try {
    const result = await explorer.call((api) =>
      api.interpolate({ a: endOf(a, aFrom), b: endOf(b, bFrom), steps, mode }),
    );
    set({ interpolationResult: result });
  } catch (error) {
    fail('Could not interpolate', error);
  }
}
