/**
 * Offline copies of the data files the workers fetch. A first visit's workers fetch the data
 * set before the service worker controls them (it installs once the page is ready), so the
 * service worker never sees those responses; rather than download 10 MB a second time to cache
 * them, the worker that fetched a file puts its bytes into the Cache Storage the service worker
 * serves data files from (src/service-worker/sw.ts, cache first). Runs in the workers; a no-op
 * where there is no Cache Storage (Node) or no service worker (the dev server).
 */
import type { FetchBytes } from './dataset';

/** The Cache Storage name of data set and classifier files (the service worker's too). */
export const DATA_CACHE = 'vaegan-data';

/** Data files under these folders are kept; their manifests are not (fetched network first). */
const KEPT = /\/(datasets|classifiers)\/(?!manifest\.json$)[^?#]+$/;

/** Whether a URL names a data file worth an offline copy. */
export function isDataFile(url: string): boolean {
  try {
    return KEPT.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * `fetch`, keeping a copy of each data file it fetches in DATA_CACHE (once: a file already
 * there is left alone). The copy is written before the bytes are handed on, so it is there by
 * the time the page asks the service worker what it holds. A copy that cannot be written
 * (storage full, blocked) costs nothing but the offline visit.
 */
export function keepingOfflineCopies(fetch: FetchBytes, enabled = defaultEnabled()): FetchBytes {
  if (!enabled) return fetch;
  return async (url, onProgress) => {
    const bytes = await fetch(url, onProgress);
    if (isDataFile(url)) {
      try {
        const cache = await caches.open(DATA_CACHE);
        if (!(await cache.match(url))) {
          const headers = {
            'content-type': url.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
            'content-length': String(bytes.length),
          };
          await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
        }
      } catch {
        // No copy: the service worker fetches it when the page asks it to keep the set.
      }
    }
    return bytes;
  };
}

function defaultEnabled(): boolean {
  return import.meta.env.PROD && typeof caches !== 'undefined';
}
