/**
 * Settings read from the page's URL query, e.g. `?backend=webgpu&dataset=fashion-mnist`.
 * Unknown or malformed values are ignored with a message, never a crash.
 */
import { BACKEND_NAMES, type BackendRequest } from '../workers/protocol';
import { DATASET_IDS, type DatasetId } from '../workers/dataset';

export interface UrlState {
  backend?: BackendRequest;
  dataset?: DatasetId;
  /** One line per ignored parameter. */
  problems: string[];
}

export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const state: UrlState = { problems: [] };
  const backend = params.get('backend');
  if (backend !== null) {
    if (backend === 'auto' || (BACKEND_NAMES as readonly string[]).includes(backend)) {
      state.backend = backend as BackendRequest;
    } else {
      state.problems.push(
        `Ignored backend=${backend}: use one of auto, ${BACKEND_NAMES.join(', ')}.`,
      );
    }
  }
  const dataset = params.get('dataset');
  if (dataset !== null) {
    if ((DATASET_IDS as readonly string[]).includes(dataset)) state.dataset = dataset as DatasetId;
    else state.problems.push(`Ignored dataset=${dataset}: use one of ${DATASET_IDS.join(', ')}.`);
  }
  return state;
}
