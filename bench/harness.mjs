// What every benchmark needs: the production build served by `vite preview` with its COOP/COEP
// headers, and Debian's Chromium started with the flags of ../shared/ENVIRONMENT.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/** Chromium flags: quiet on a closed network, as root, WebGPU through SwiftShader. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

/**
 * Serves dist/ on 127.0.0.1:`port` and resolves with its base URL once it answers. Node runs
 * Vite directly (no npx wrapper), so the server stops with this process.
 */
export async function startPreview(port) {
  if (!existsSync('dist/index.html')) {
    console.error('bench: no build in dist/; run npm run build first');
    process.exit(1);
  }
  const base = `http://127.0.0.1:${port}/`;
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
    ],
    { stdio: 'ignore' },
  );
  process.on('exit', () => server.kill());
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 300) throw new Error('preview server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, stop: () => server.kill() };
}

/** Debian's Chromium (or $CHROMIUM_PATH), headless, with CHROMIUM_ARGS. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * Imports a TypeScript module of this project under Node: bundled by rolldown (Vite's bundler)
 * into the ignored .scratch/bench folder, so its bare imports resolve from this project.
 */
export async function importTs(entry) {
  const { build } = await import('rolldown');
  const { mkdir } = await import('node:fs/promises');
  const path = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dir = path.resolve('.scratch/bench');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry).replace(/\.ts$/, '')}.mjs`);
  await build({
    input: entry,
    platform: 'node',
    external: [/^@tensorflow\//],
    logLevel: 'silent',
    output: { file, format: 'esm' },
  });
  return import(`${pathToFileURL(file).href}?t=${Date.now()}`);
}
