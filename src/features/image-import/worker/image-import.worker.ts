/**
 * Entry of the image import worker: decodes the user's own images off the page's thread and
 * hands back the data set (pixel buffers moved, not copied).
 */
import * as Comlink from 'comlink';
import { browserDecode } from './browser-decode';
import {
  type ImportFile,
  type ImportOptions,
  type ImportProgress,
  importImages,
} from './image-import';

const api = {
  /** The page's heartbeat: answered between two decodes, so only a stuck worker is silent. */
  ping() {
    return true;
  },
  async importImages(
    files: ImportFile[],
    options: ImportOptions,
    onProgress: (progress: ImportProgress) => void,
  ) {
    const result = await importImages(files, options, browserDecode, onProgress);
    if (!result.ok) return result;
    const { train, test } = result.dataset;
    return Comlink.transfer(result, [
      train.images.buffer,
      train.labels.buffer,
      test.images.buffer,
      test.labels.buffer,
    ]);
  },
};

export type ImageImportApi = typeof api;

Comlink.expose(api);
