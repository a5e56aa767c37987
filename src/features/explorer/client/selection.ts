/**
 * A test image picked on the scatter or by number: shown beside its reconstruction, with the
 * pad's handle moved onto its code. An answer for an image no longer selected is ignored.
 */
import { zToPlane } from '../../../shared/latent';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';
import { setPoint } from './pad-decoding';

/** Selects a test image: shows it beside its reconstruction and moves the handle onto it. */
export async function selectTestImage(index: number, eventTime?: number) {
  set({ selected: index });
  const { scatter } = get();
  if (scatter && index < scatter.count) {
    setPoint(scatter.coords[2 * index]!, scatter.coords[2 * index + 1]!, eventTime);
  }
  await refreshSelected();
  // Images beyond the scatter: the handle goes to the projection of their code.
  const view = get().selectedView;
  const latest = get().scatter;
  if (view && latest && index >= latest.count && view.index === index) {
    const p = zToPlane(latest.plane, view.mu);
    setPoint(p.x, p.y, eventTime);
  }
}

/** Fetches the selected image and its code again (new weights). */
export async function refreshSelected() {
  const index = get().selected;
  if (!explorer.running || index === null || get().status !== 'ready') return;
  try {
    const { images } = await explorer.call((api) => api.testImages([index]));
    if (get().selected === index) set({ selectedView: images[0] ?? null });
  } catch (error) {
    fail('Could not show the test image', error);
  }
}
