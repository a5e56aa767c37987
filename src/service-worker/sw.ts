/**
 * The service worker (built by vite-plugin-pwa's injectManifest from this file, on workbox):
 * - precaches the app shell: the page, its script and styles, the workers and the WebAssembly
 *   binaries (the list is injected at build time, see vite.config.ts), so a reload works offline;
 * - caches the data sets and classifiers at run time, once fetched (or when the page asks, for
 *   the files its workers fetched before this worker controlled them), and the built files that
 *   load only when needed (WebGL and WebGPU backends, KaTeX fonts);
 * - adds the cross-origin isolation headers to every response (isolation.ts), so a host that
 *   cannot send them still runs the wasm backend on threads.
 * A first install takes over at once (the page needs it for isolation); an update waits until
 * the page says so, so a new version never swaps files under a running session.
 */
/// <reference lib="webworker" />
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute, setDefaultHandler } from 'workbox-routing';
import { CacheFirst, NetworkFirst, NetworkOnly, type Strategy } from 'workbox-strategies';
import { withIsolationHeaders } from './isolation';
import { CACHE_NAMES, type SaveForOfflineReply, type ServiceWorkerMessage } from './messages';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | PrecacheEntry)[];
};

/** Every response the page and its workers get from here carries the isolation headers. */
const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => withIsolationHeaders(response),
};

addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The app is one page: every navigation in scope gets it, whatever its query.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

const sameOrigin = (url: URL) => url.origin === self.location.origin;
const manifests = new NetworkFirst({
  cacheName: CACHE_NAMES.manifests,
  networkTimeoutSeconds: 5,
  plugins: [isolation],
});
const data = new CacheFirst({ cacheName: CACHE_NAMES.data, plugins: [isolation] });
const assets = new CacheFirst({ cacheName: CACHE_NAMES.assets, plugins: [isolation] });

/** The strategy for a same-origin URL that the precache does not hold, or null. */
function strategyFor(url: URL): Strategy | null {
  if (!sameOrigin(url)) return null;
  if (/\/(datasets|classifiers)\/manifest\.json$/.test(url.pathname)) return manifests;
  if (/\/(datasets|classifiers)\//.test(url.pathname)) return data;
  // Hashed names: a file under assets/ never changes, so the cached copy is always right.
  if (/\/assets\//.test(url.pathname)) return assets;
  return null;
}

registerRoute(
  ({ url }) => strategyFor(url) !== null,
  ({ url, request, event }) => strategyFor(url)!.handle({ request, event }),
);
// Anything else (nothing today) goes to the network, with the isolation headers.
setDefaultHandler(new NetworkOnly({ plugins: [isolation] }));

/** Caches the URLs through their routes' strategies; the answer says what is cached. */
async function cacheUrls(
  urls: string[],
  event: ExtendableMessageEvent,
): Promise<SaveForOfflineReply> {
  const failed: string[] = [];
  let cached = 0;
  for (const text of urls) {
    const url = new URL(text, self.location.href);
    const strategy = strategyFor(url);
    try {
      if (!strategy) throw new Error('not a cacheable URL of this app');
      // `done` settles once the response is in the cache, so the answer comes after that.
      const [response, done] = strategy.handleAll({ request: new Request(url.href), event });
      if (!(await response).ok) throw new Error('not found');
      await done;
      cached += 1;
    } catch {
      failed.push(url.href);
    }
  }
  return { cached, failed };
}

self.addEventListener('message', (event) => {
  const message = event.data as ServiceWorkerMessage | undefined;
  if (message?.type === 'SKIP_WAITING') {
    void self.skipWaiting();
  } else if (message?.type === 'SAVE_FOR_OFFLINE') {
    const done = cacheUrls(message.payload.urlsToCache, event).then((reply) =>
      event.ports[0]?.postMessage(reply),
    );
    event.waitUntil(done);
  }
});

// The first install takes over at once: the page waits for it to be isolated (and offline
// ready). An update waits for SKIP_WAITING from the page (src/app/offline.ts).
self.addEventListener('install', () => {
  if (!self.registration.active) void self.skipWaiting();
});
clientsClaim();
