/**
 * Traversals: rows of decodings from -3 sigma to +3 sigma along each latent dimension or
 * principal axis, around the origin, the selected test image's code or the drawing's. One is
 * decoded at a time and the newest settings win; new weights decode them again.
 */
import { LatestWins } from '../../../app/worker-bridge';
import type { TraversalBase } from '../shared/protocol';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import type { TraversalSettings } from './explorer-store';

const traversals = new LatestWins<void>(traverse);

/** New traversal settings (already checked by the form). */
export function setTraversal(settings: TraversalSettings) {
  set({ traversal: settings });
  void refreshTraversal();
}

/** Decodes the traversal for the current settings and weights. */
export function refreshTraversal(): Promise<void> {
  if (!explorer.running || get().status !== 'ready') return Promise.resolve();
  return traversals.request();
}

/** The code to vary around, as the worker takes it; null when the drawing is asked for but blank. */
function baseOf(settings: TraversalSettings): TraversalBase | null {
  const { drawing, selected } = get();
  if (settings.around === 'origin') return 'origin';
  if (settings.around === 'selected') return selected ?? 0;
  return drawing ? { drawing: drawing.slice() } : null;
}

async function traverse() {
  const settings = get().traversal;
  const base = baseOf(settings);
  if (!base) {
    set({ traversalResult: null });
    return;
  }
  try {
    const result = await explorer.call((api) =>
      api.traverse({ mode: settings.mode, base, steps: settings.steps, scale: settings.scale }),
    );
    if (get().traversal === settings) set({ traversalResult: result });
  } catch (error) {
    fail('Could not traverse the latent space', error);
  }
}
