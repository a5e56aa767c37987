/**
 * Weight snapshots from the trainer into the explorer: only the newest snapshot waiting is
 * loaded, and off screen none is until the explorer is scrolled into view again (re-encoding
 * 2,500 test images every two seconds for nobody took a tenth of the core the training shares).
 * A new model is always loaded: the pictures and the pad start from it. After new weights every
 * view is refreshed: the scatter (rate-limited), the pad's image, the strip, the selection.
 */
import * as Comlink from 'comlink';
import type { WeightsSnapshot } from '../../training/shared/protocol';
import { LatestWins } from '../../../app/worker-bridge';
import { onTrainerEvent } from '../../training/client/trainer-events';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
  startExplorer,
} from './explorer-client';
import { defaultPlane, DEFAULT_INTERPOLATION } from './explorer-store';
import { refreshInterpolation } from './interpolation';
import { refreshManifold } from './manifold';
import { refreshDMap } from './d-map';
import { refreshDrawing } from './drawing-client';
import { adoptPadDecoder, choosePadDecoder, decodePoint } from './pad-decoding';
import { refreshScatterForWeights } from './scatter';
import { refreshSelected } from './selection';

/**
 * The panels that show the explorer's views and are on screen now (the explorer itself and the
 * posterior panel, each with its in-view watcher). Until a panel reports, it counts as in view.
 */
const onScreen = new Set<string>(['explorer', 'posterior']);

/** Loads wait while no panel that shows them is on screen, except the first model's. */
const mayLoad = () => onScreen.size > 0 || !get().loaded;

const loads = new LatestWins<WeightsSnapshot>(load, mayLoad);

/** Takes a snapshot from the trainer; only the newest one waiting is loaded. */
export function acceptWeights(snapshot: WeightsSnapshot) {
  void loads.request(snapshot);
}

/** A panel that shows the explorer's views (`who`) came into view or left it. */
export function setExplorerInView(visible: boolean, who = 'explorer') {
  if (visible) onScreen.add(who);
  else onScreen.delete(who);
  if (visible) void loads.resume();
}

/**
 * Subscribes the explorer to the trainer's weight snapshots (once, from main.tsx). It moves the
 * snapshot's own networks on to its worker and keeps the page decoder's copy; the copy made for
 * the quality worker is not its to send.
 * @returns a function that ends the subscription
 */
export function connectExplorerToTrainer(): () => void {
  return onTrainerEvent('weights', ({ weights }) => {
    // Left out, not sent on: the quality worker moves that copy's buffers away.
    const { qualityCopy: _quality, ...snapshot } = weights;
    acceptWeights(snapshot);
  });
}

async function load(snapshot: WeightsSnapshot) {
  if (!(await startExplorer())) return;
  const previous = get().loaded;
  // Read before the buffers move to the worker; used once the worker holds the same weights.
  const padChoice = choosePadDecoder(snapshot);
  const { pageDecoderData: _page, ...forWorker } = snapshot;
  let loaded;
  try {
    loaded = await explorer.call((api) =>
      api.loadWeights(
        Comlink.transfer(forWorker, [
          forWorker.encoder.weightData as ArrayBuffer,
          forWorker.decoder.weightData as ArrayBuffer,
        ]),
      ),
    );
  } catch (error) {
    fail('Could not load the weights', error);
    return;
  }
  adoptPadDecoder(padChoice, loaded);
  // A restarted trainer counts models from 1 again: an earlier step also means new weights.
  const newModel =
    !previous ||
    previous.modelId !== loaded.modelId ||
    previous.latentDim !== loaded.latentDim ||
    loaded.step < previous.step;
  if (newModel) {
    const dimChanged = previous?.latentDim !== loaded.latentDim;
    set({
      loaded,
      status: 'ready',
      error: '',
      ...(dimChanged
        ? {
            plane: defaultPlane(loaded.latentDim),
            scatter: null,
            point: { x: 0, y: 0 },
            manifold: null,
          }
        : {}),
      // A new model's views start afresh (the drawing itself stays, and is encoded again).
      dMap: null,
      drawingView: null,
      traversalResult: null,
      posterior: null,
      posteriorPoints: [],
      // Another data set (or another set of the user's): old test-image indices mean nothing.
      ...(previous?.dataset !== loaded.dataset ||
      previous.datasetName !== loaded.datasetName ||
      previous.testCount !== loaded.testCount
        ? {
            selected: null,
            selectedView: null,
            interpolation: DEFAULT_INTERPOLATION,
            plane: defaultPlane(loaded.latentDim),
          }
        : {}),
    });
  } else {
    set({ loaded, status: 'ready' });
  }
  await refreshScatterForWeights(newModel);
  decodePoint();
  await Promise.all([
    refreshInterpolation(),
    refreshSelected(),
    refreshManifold(),
    refreshDMap(),
    refreshDrawing(),
  ]);
}
