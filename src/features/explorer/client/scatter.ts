/**
 * The test set laid out on the chosen plane (2,500 test images encoded in the explorer worker),
 * which also gives the pad its range. Layouts run one at a time, the newest request wins, and
 * while training they are refreshed at most every SCATTER_MS and never under a dragging pointer.
 */
import { clampToRange, type PadRange, planeToZ, zToPlane } from '../../../shared/latent';
import { isInteracting, onInteractionEnd } from '../../../app/interaction';
import { LatestWins } from '../../../app/worker-bridge';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import type { PlaneSettings } from './explorer-store';
import { refreshManifold } from './manifold';
import { refreshDMap } from './d-map';
import { refreshPosterior } from './posterior';
import { refreshTraversal } from './traversal';
import { decodePoint } from './pad-decoding';

/** The scatter is refreshed at most this often while training. */
const SCATTER_MS = 3000;

const scatter = {
  /** When the last layout arrived (performance.now()). */
  last: 0,
  /** A catch-up layout for weights that came within SCATTER_MS of the last one. */
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
  /** Set while a layout waits for the drag to end. */
  afterDrag: false,
};

const layouts = new LatestWins<void>(layOut);

/** Re-embeds the test set on the chosen plane; keeps the handle on the same code. */
export async function refreshScatter(): Promise<void> {
  if (!explorer.running || get().status !== 'ready') return;
  if (layouts.busy) {
    // The running layout is followed by one for the state as it then is.
    void layouts.request();
    return;
  }
  await layouts.request();
  decodePoint();
  void refreshManifold();
  void refreshDMap();
  // The test codes are embedded for this layout: their statistics and the traversals, which
  // order and scale their rows by them, cost little more now.
  void refreshPosterior();
  void refreshTraversal();
}

async function layOut() {
  const { plane } = get();
  try {
    const result = await explorer.call((api) => api.scatter(plane));
    scatter.last = performance.now();
    const { scatter: old, point } = get();
    // Keep the handle on the code it showed: project that code onto the new plane.
    const z =
      old && old.latentDim === result.latentDim ? planeToZ(old.plane, point.x, point.y) : null;
    // No code yet (first layout, new latent size): start in the middle of the data.
    const projected = z ? zToPlane(result.plane, z) : rangeCentre(result.range);
    set({
      scatter: result,
      point: clampToRange(projected.x, projected.y, result.range),
      error: '',
    });
  } catch (error) {
    fail('Could not lay out the test set', error);
  }
}

/** After new weights: a layout now, once the drag ends, or within SCATTER_MS (rate limit). */
export async function refreshScatterForWeights(newModel: boolean): Promise<void> {
  const now = performance.now();
  clearTimeout(scatter.timer);
  if (!newModel && get().scatter && isInteracting()) {
    // Not under a dragging pointer: the new layout would move the pad's range (and the
    // handle's place in it) mid-drag, and redrawing 2,500 points costs frames. Once it ends.
    if (!scatter.afterDrag) {
      scatter.afterDrag = true;
      const stop = onInteractionEnd(() => {
        stop();
        scatter.afterDrag = false;
        void refreshScatter();
      });
    }
  } else if (newModel || !get().scatter || now - scatter.last >= SCATTER_MS) {
    await refreshScatter();
  } else {
    // Catch up once training pauses, so the scatter never stays behind the weights.
    scatter.timer = setTimeout(() => void refreshScatter(), scatter.last + SCATTER_MS - now);
  }
}

/** The middle of the pad: the mean of the embedded codes on the plane. */
export function rangeCentre(range: PadRange): { x: number; y: number } {
  return { x: (range.xMin + range.xMax) / 2, y: (range.yMin + range.yMax) / 2 };
}

/** Picks a new plane (two principal axes, or two latent axes, through a base point). */
export function setPlane(plane: PlaneSettings) {
  set({ plane });
  void refreshScatter();
}
