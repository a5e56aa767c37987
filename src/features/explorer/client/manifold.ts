/**
 * The decoded plane behind the pad: a grid of images decoded from evenly spaced codes of the
 * plane. One grid is decoded at a time and the newest request wins; a grid is shown only for the
 * plane and range it was asked for.
 */
import { LatestWins } from '../../../app/worker-bridge';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';

const grids = new LatestWins<void>(decodeGrid);

/** Shows or hides the decoded plane behind the pad. */
export function setShowManifold(show: boolean) {
  set({ showManifold: show, ...(show ? {} : { manifold: null }) });
  if (show) void refreshManifold();
}

/** Decodes the grid for the current plane and weights, if it is shown. */
export function refreshManifold(): Promise<void> {
  if (!explorer.running) return Promise.resolve();
  return grids.request();
}

async function decodeGrid() {
  const { showManifold, scatter, manifoldSize, status } = get();
  if (!showManifold || !scatter || status !== 'ready') return;
  try {
    const grid = await explorer.call((api) =>
      api.decodeGrid(scatter.plane, scatter.range, manifoldSize),
    );
    // Drawn for the plane and range it was asked for; a newer request follows any change.
    if (get().scatter === scatter && get().showManifold) set({ manifold: grid });
  } catch (error) {
    fail('Could not decode the plane', error);
  }
}
