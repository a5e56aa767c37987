import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

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

export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta()],
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
    rolldownOptions: { output: { minify: false } },
  },
  build: {
    target: 'es2022',
    // KaTeX's small fonts would be inlined as data: URLs; as files they load under font-src 'self'.
    assetsInlineLimit: (file: string) => (/\.(woff2?|ttf)$/.test(file) ? false : undefined),
    chunkSizeWarningLimit: 4096,
  },
});
