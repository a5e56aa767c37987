/**
 * The page's side of the latent explorer's worker: one WorkerBridge, started by the first
 * weight snapshot (or the user's test images), and what the explorer's other client modules
 * share. The work itself is split by concern:
 * - weights-loader.ts: snapshots from the trainer, and what follows new weights;
 * - pad-decoding.ts: the pad's code to pixels, with its latency record;
 * - scatter.ts: the test set laid out on the chosen plane;
 * - manifold.ts, interpolation.ts, selection.ts: the decoded plane, the strip, a test image;
 * - bench-hook.ts: `window.vaeganExplorer`, installed by main.tsx.
 */
import type { DatasetInfo } from '../../../shared/dataset';
import type { ExplorerApi } from '../worker/explorer-api';
import { WorkerBridge } from '../../../app/worker-bridge';
import { useExplorerStore } from './explorer-store';

export const setExplorerState = useExplorerStore.setState;
export const getExplorerState = useExplorerStore.getState;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shows a failed worker call in the explorer (comlink adds nothing useful to the message). */
export function fail(what: string, error: unknown) {
  setExplorerState({ error: `${what}: ${errorText(error)}` });
}

/** The explorer's worker; runs until the page closes. */
export const explorer = new WorkerBridge<ExplorerApi>({
  label: 'explorer worker',
  create: () =>
    new Worker(new URL('../worker/explorer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'explorer',
    }),
  init: (remote) =>
    remote
      .init({ backend: 'wasm', datasetsBaseUrl: new URL('datasets/', document.baseURI).href })
      .then(
        (backend) => {
          setExplorerState({ backend, status: 'waiting' });
          return true;
        },
        (error: unknown) => {
          setExplorerState({
            status: 'error',
            error: `The explorer could not start: ${errorText(error)}`,
          });
          return false;
        },
      ),
  onCrash: (report) =>
    setExplorerState({
      status: 'error',
      error: `The explorer worker crashed: ${report.message || 'unknown error'}. Reload the page.`,
    }),
});

/** Starts the worker on first use; resolves whether it is ready for weights. */
export function startExplorer(): Promise<boolean> {
  if (!explorer.running) setExplorerState({ status: 'starting', error: '' });
  return explorer.ready();
}

/**
 * Gives the explorer worker the test split of the user's own images (copied: the caller keeps
 * its arrays), so snapshots of a model trained on them can be embedded and shown.
 */
export async function sendUserTestSet(
  info: DatasetInfo,
  images: Uint8Array,
  labels: Uint8Array,
): Promise<void> {
  if (!(await startExplorer())) throw new Error('The latent explorer could not start');
  await explorer.call((api) => api.setUserTestSet(info, images, labels));
}
