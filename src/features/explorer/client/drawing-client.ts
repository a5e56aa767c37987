/**
 * The drawing's way to the explorer worker: the page turns strokes into an MNIST-like image
 * (shared/drawing.ts), the worker encodes and reconstructs it with the newest weights. One
 * encode at a time, the newest drawing wins; new weights encode it again.
 */
import { LatestWins } from '../../../app/worker-bridge';
import { MNIST_DRAWING } from '../shared/drawing';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import { refreshInterpolation } from './interpolation';
import { refreshTraversal } from './traversal';

const encodes = new LatestWins<void>(encode);

/** A new drawing (null: the pad was cleared); the views that use it follow. */
export function setDrawing(image: Float32Array | null) {
  if (image === null) {
    const { interpolation, traversal } = get();
    set({
      drawing: null,
      drawingView: null,
      // Ends and traversals around the drawing go back to what they were without it.
      interpolation: { ...interpolation, aFrom: 'test', bFrom: 'test' },
      traversal: traversal.around === 'drawing' ? { ...traversal, around: 'origin' } : traversal,
    });
  } else {
    set({ drawing: image });
  }
  void refreshDrawing();
  const { interpolation, traversal } = get();
  if (image === null || interpolation.aFrom === 'drawing' || interpolation.bFrom === 'drawing') {
    void refreshInterpolation();
  }
  if (image === null || traversal.around === 'drawing') void refreshTraversal();
}

/** Encodes the drawing with the newest weights (of a model of 28 x 28 grey images). */
export function refreshDrawing(): Promise<void> {
  const { loaded, status, drawing } = get();
  const fits =
    loaded !== null &&
    loaded.image.channels === 1 &&
    loaded.image.width === MNIST_DRAWING.size &&
    loaded.image.height === MNIST_DRAWING.size;
  if (!explorer.running || status !== 'ready' || !drawing || !fits) return Promise.resolve();
  return encodes.request();
}

async function encode() {
  const image = get().drawing;
  if (!image) return;
  try {
    // A copy goes to the worker: the store keeps the drawing.
    const view = await explorer.call((api) => api.encodeDrawing(image.slice()));
    if (get().drawing === image) set({ drawingView: view });
  } catch (error) {
    fail('Could not encode the drawing', error);
  }
}
