import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer).
 * Every server that hosts the app must send these two headers; see README "Hosting".
 */
export const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Nothing leaves the origin: scripts, workers, fetches, images, styles and fonts come from the
 * app itself. The exceptions, each needed and no wider than that:
 * - 'wasm-unsafe-eval': compiling the tfjs wasm backend (WebAssembly only, not eval);
 * - blob: for workers and scripts: the wasm backend starts its threads as blob: workers that
 *   import the backend's code from a blob: URL (tfjs-backend-wasm, threaded build);
 * - data: and blob: images: checkpoint thumbnails and pictures saved as PNG;
 * - 'unsafe-inline' styles: KaTeX writes its layout as style attributes in its HTML.
 * The page gets it as a <meta> tag in the build (any static host); as a header (HEADER_CSP) it
 * also restricts the workers, which do not read the page's meta.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * The policy as a response header: the same, plus `frame-ancestors 'none'` (no other site may
 * frame the app), which a <meta> policy cannot carry (browsers ignore it there, with a
 * warning). vite preview sends it, and so must a real host: public/_headers holds it for hosts
 * that read that file (tests/unit/headers.test.ts checks the two agree).
 */
export const HEADER_CSP = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** The policy as the first tag of the built index.html (not in dev: Vite's HMR injects scripts). */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'content-security-policy-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * Built files the service worker does not precache (it caches them once they are loaded):
 * the WebGL and WebGPU backends, which only a machine with a GPU loads (named by
 * workerChunkName below), and the wasm binary without SIMD, which only a browser without
 * WebAssembly SIMD loads. KaTeX's fonts are not in the precache's patterns at all.
 */
const LOADED_WHEN_NEEDED = [
  /\/tfjs-(webgl|webgpu)-[^/]+\.js$/,
  /\/tfjs-backend-wasm-(?!simd-|threaded-simd-)[^/]+\.wasm$/,
];

/** Worker chunks named by what they hold, so the precache can leave the GPU backends out. */
function workerChunkName(chunk: { facadeModuleId: string | null }): string {
  const backend = /@tensorflow\/tfjs-backend-(webgl|webgpu|wasm)\//.exec(
    chunk.facadeModuleId ?? '',
  );
  return backend ? `assets/tfjs-${backend[1]}-[hash].js` : 'assets/[name]-[hash].js';
}

/**
 * Offline and installable (vite-plugin-pwa): the service worker of src/service-worker/sw.ts
 * with the list of files to precache injected, and the web manifest. It also gives hosts that
 * cannot send headers the cross-origin isolation (README, Hosting). Build only: the dev server
 * has no service worker.
 */
const pwa = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src/service-worker',
  filename: 'sw.ts',
  // src/app/offline.ts registers it (and reloads once where isolation needs it).
  injectRegister: false,
  manifestFilename: 'manifest.webmanifest',
  manifest: {
    name: 'VAEGAN Playground',
    short_name: 'VAEGAN',
    description:
      'Train a variational-autoencoder GAN live in your browser, and watch it learn: curves, reconstructions, samples, the latent space.',
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#0b1120',
    theme_color: '#0b1120',
    categories: ['education', 'science'],
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      {
        src: 'icons/icon-maskable-512.png',
        sizes: '512x512',
        type: 'image/png',
        purpose: 'maskable',
      },
      { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  },
  injectManifest: {
    rollupFormat: 'iife',
    // The web manifest and its icons are added by the plugin (includeManifestIcons).
    globPatterns: ['**/*.{html,js,css,wasm}', 'favicon.svg'],
    globIgnores: ['datasets/**', 'classifiers/**'],
    // The workers are about 1.7 MB each (not minified, see `worker` below).
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
    manifestTransforms: [
      async (entries) => ({
        manifest: entries.filter((e) => !LOADED_WHEN_NEEDED.some((re) => re.test(`/${e.url}`))),
        warnings: [],
      }),
    ],
  },
  devOptions: { enabled: false },
});

export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta(), pwa],
  base: './',
  server: { headers: crossOriginIsolation, port: 5173, strictPort: false },
  preview: {
    headers: { ...crossOriginIsolation, 'Content-Security-Policy': HEADER_CSP },
    port: 4173,
    strictPort: true,
  },
  worker: {
    format: 'es',
    // Not minified: the wasm backend starts its threads from the source text of a function in
    // this bundle (Function.toString); renaming or compressing it breaks the threads
    // ("_scriptDir is not defined"). Costs about 1 MB of worker script, loaded once.
    rolldownOptions: { output: { minify: false, chunkFileNames: workerChunkName } },
  },
  build: {
    target: 'es2022',
    // KaTeX's small fonts would be inlined as data: URLs; as files they load under font-src 'self'.
    assetsInlineLimit: (file: string) => (/\.(woff2?|ttf)$/.test(file) ? false : undefined),
    chunkSizeWarningLimit: 4096,
  },
});
