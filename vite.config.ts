import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer).
 * Every server that hosts the app must send these two headers; see README "Hosting".
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  base: './',
  server: { headers: crossOriginIsolation, port: 5173, strictPort: false },
  preview: { headers: crossOriginIsolation, port: 4173, strictPort: true },
  worker: {
    format: 'es',
    // Not minified: the wasm backend starts its threads from the source text of a function in
    // this bundle (Function.toString); renaming or compressing it breaks the threads
    // ("_scriptDir is not defined"). Costs about 1 MB of worker script, loaded once.
    rolldownOptions: { output: { minify: false } },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
});
