/**
 * D's map over the pad: the discriminator's probability that Dec(z) is real, on a grid of the
 * pad's plane, painted behind the handle when the toggle is on. It follows the plane, the range
 * and the weights; one map is computed at a time and the newest request wins.
 */
import { LatestWins } from '../../../app/worker-bridge';
import { D_MAP_SIZE } from '../shared/protocol';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import type { ExplorerState } from './explorer-store';

const maps = new LatestWins<void>(score);

/** Shows or hides D's map over the pad. */
export function setShowDMap(show: boolean) {
  set({ showDMap: show, ...(show ? {} : { dMap: null }) });
  if (show) void refreshDMap();
}

/** Computes the map for the current plane and weights, if it is shown. */
export function refreshDMap(): Promise<void> {
  if (!explorer.running) return Promise.resolve();
  return maps.request();
}

async function score() {
  const { showDMap, scatter, status } = get();
  if (!showDMap || !scatter || status !== 'ready') return;
  try {
    const map = await explorer.call((api) =>
      api.discriminatorMap(scatter.plane, scatter.range, D_MAP_SIZE),
    );
    // Painted for the plane and range it was asked for; a newer request follows any change.
    if (get().scatter === scatter && get().showDMap) set({ dMap: { ...map, scatter } });
  } catch (error) {
    fail("Could not compute D's map", error);
  }
}

/** D's score at plane point (x, y): the map's cell under it, or null outside the map. */
export function dAt(map: NonNullable<ExplorerState['dMap']>, x: number, y: number): number | null {
  const { range } = map.scatter;
  const c = Math.floor(((x - range.xMin) / (range.xMax - range.xMin)) * map.n);
  const r = Math.floor(((range.yMax - y) / (range.yMax - range.yMin)) * map.n);
  if (c < 0 || r < 0 || c >= map.n || r >= map.n) return null;
  return map.scores[r * map.n + c]!;
}
