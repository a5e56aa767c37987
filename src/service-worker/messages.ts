/**
 * The messages between the page and the service worker (src/app/offline.ts sends them; sw.ts
 * answers on the port the message carries).
 */
import { DATA_CACHE } from '../shared/offline-copy';

/**
 * Caches these same-origin URLs for offline use (the data set and classifier files in use) and
 * answers once they are stored. Not workbox's CACHE_URLS, which the router answers by itself
 * (with `true`, before the files are stored, and without saying which failed).
 */
export interface SaveForOfflineMessage {
  type: 'SAVE_FOR_OFFLINE';
  payload: { urlsToCache: string[] };
}

/** The answer to SAVE_FOR_OFFLINE: how many of the URLs are now in the cache, and which failed. */
export interface SaveForOfflineReply {
  cached: number;
  failed: string[];
}

/** A waiting new version takes over (the page then reloads). */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING';
}

export type ServiceWorkerMessage = SaveForOfflineMessage | SkipWaitingMessage;

/** Cache Storage names of what is cached at run time (the precache has workbox's own name). */
export const CACHE_NAMES = {
  /**
   * Data set and classifier files, once fetched: CacheFirst (they change only with their names).
   * The workers write into it too (shared/offline-copy.ts).
   */
  data: DATA_CACHE,
  /** The two manifests: NetworkFirst, so a new deploy's manifest wins while online. */
  manifests: 'vaegan-manifests',
  /** Built files loaded only when needed (the WebGL and WebGPU backends, KaTeX's fonts). */
  assets: 'vaegan-assets',
} as const;
