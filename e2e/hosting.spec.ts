// Ready to host (issue 18): the built folder served by a plain static server, as common static
// hosts serve it, is cross-origin isolated (the wasm backend runs threads) with its _headers
// file (Netlify, Cloudflare Pages), and without it (GitHub Pages) through the service worker,
// after one reload.
import { startStaticServer, type StaticServer } from '../scripts/static-server.mjs';
import { expect, expectNoPageErrors, test } from './fixtures';

const port = Number(process.env.E2E_PORT ?? 4173);

/** Serves dist/ for one test; closed when it ends. */
async function serve(options: { headers: boolean; prefix?: string }, offset: number) {
  return startStaticServer({ dir: 'dist', port: port + offset, ...options });
}

/** Opens the app at `url`, counting full page loads (a reload is a second one). */
async function openCounting(page: import('@playwright/test').Page, url: string) {
  let loads = 0;
  page.on('load', () => (loads += 1));
  const response = await page.goto(url);
  return { response, loads: () => loads };
}

let server: StaticServer | undefined;
test.afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('with its _headers file the build is cross-origin isolated from the first load', async ({
  app,
  page,
}) => {
  server = await serve({ headers: true }, 11);
  const { response, loads } = await openCounting(page, server.url);
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  await app.waitReady();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  if ((await app.status.backendName.textContent()) === 'wasm' && cores > 1) {
    await expect(app.status.backendDetail).toContainText(/threads/);
  }
  expect(loads()).toBe(1);
  // Hashed build files are cached for good; the headers file itself is not served.
  const asset = server.served.find((r) => /\/assets\/index-.*\.js$/.test(r.path));
  expect(asset?.status).toBe(200);
  const headersFile = await page.evaluate(async () => (await fetch('_headers')).status);
  expect(headersFile).toBe(404);
  await app.controls.train.click();
  await app.status.waitForSteps(1);
  // A light first visit: what the server sent until the first step (bench/first-visit.mjs
  // breaks it down) stays within 15 MB, the MNIST data set included.
  const sent = server.served.reduce((sum, r) => sum + r.bytes, 0);
  expect(sent).toBeLessThan(15e6);
  expect(server.served.some((r) => /\/datasets\/mnist\/train-images/.test(r.path))).toBe(true);
  // A software GPU is passed over without downloading its tfjs backend.
  const skipped = await page.evaluate(() => window.vaeganPlayground!.getState().backend!.skipped);
  for (const name of ['webgl', 'webgpu'] as const) {
    if (skipped.some((s) => s.name === name && /software adapter/.test(s.reason))) {
      expect(server.served.map((r) => r.path)).not.toContainEqual(
        expect.stringMatching(new RegExp(`/tfjs-${name}-`)),
      );
    }
  }
  await app.status.waitForSteps(3);
  await app.controls.pause.click();
  expectNoPageErrors(page);
});

test('without headers (as GitHub Pages serves it, under a path) the service worker isolates it after one reload', async ({
  app,
  page,
}) => {
  server = await serve({ headers: false, prefix: '/vaegan-playground/' }, 12);
  const { response, loads } = await openCounting(page, server.url);
  // The host sends no isolation headers...
  expect(response?.headers()['cross-origin-opener-policy']).toBeUndefined();
  // ...so the page installs its service worker and reloads once, isolated.
  await expect.poll(loads, { timeout: 60_000 }).toBe(2);
  await app.waitReady();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await app.offline.controlled()).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  if ((await app.status.backendName.textContent()) === 'wasm' && cores > 1) {
    await expect(app.status.backendDetail).toContainText(/threads/);
  }
  await app.controls.train.click();
  await app.status.waitForSteps(3);
  await app.controls.pause.click();
  // No more reloads: once isolated, it stays.
  await app.reload();
  expect(loads()).toBe(3);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expectNoPageErrors(page);
});
