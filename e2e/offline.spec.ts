// Offline and installable (issue 18): after one visit the service worker holds the app and the
// data set, so a reload with the network cut loads, trains, measures and explores.
import { expect, expectNoPageErrors, test } from './fixtures';

test('after one visit, a reload with the network cut trains, measures and explores', async ({
  app,
  page,
  context,
}) => {
  test.setTimeout(300_000);
  const { controls, status, offline, quality, explorer } = app;
  await app.open();
  // The service worker controls the page and holds MNIST and its classifier.
  await expect(offline.status).toHaveText('Works offline (MNIST saved on this device)', {
    timeout: 120_000,
  });
  expect(await offline.controlled()).toBe(true);

  await context.setOffline(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  await app.reload();
  // Served by the service worker, still cross-origin isolated: the wasm threads still run.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  if ((await status.backendName.textContent()) === 'wasm') {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores > 1) await expect(status.backendDetail).toContainText(/threads/);
  }
  await controls.train.click();
  await status.waitForSteps(10);
  await controls.pause.click();
  await expect(status.runStatus).toHaveText('paused');
  const paused = await status.steps();
  expect((await app.pictures.stats('Prior samples')).variance).toBeGreaterThan(0);
  // The quality panel's classifier came from the service worker's copy.
  await quality.useSmallMeasurements();
  await expect(quality.measureNow).toBeEnabled({ timeout: 60_000 });
  await quality.measureNow.click();
  await expect(quality.run('main')).toHaveAttribute('data-step', String(paused), {
    timeout: 90_000,
  });
  expect(await quality.value('main', 'fcd')).toBeGreaterThan(0);
  await expect(app.text(/network may be down/)).toHaveCount(0);
  // The explorer's test images too.
  await explorer.waitReady(paused);
  await expect(explorer.classItems).toHaveCount(10);
  await context.setOffline(false);
  expectNoPageErrors(page);
});

test('installable: a web manifest with icons that load, and a service worker in control', async ({
  app,
  page,
}) => {
  await app.open();
  await expect(app.offline.status).toBeVisible({ timeout: 60_000 });
  expect(await app.offline.controlled()).toBe(true);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const manifest = await page.evaluate(async (url) => (await fetch(url!)).json(), href);
  expect(manifest).toMatchObject({
    name: 'VAEGAN Playground',
    short_name: 'VAEGAN',
    display: 'standalone',
    start_url: './',
  });
  const icons = manifest.icons as { src: string; sizes: string; type: string; purpose?: string }[];
  expect(icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of icons) {
    const loaded = await page.evaluate(async (src) => {
      const response = await fetch(new URL(src, document.baseURI));
      return { ok: response.ok, type: response.headers.get('content-type') ?? '' };
    }, icon.src);
    expect(loaded.ok, icon.src).toBe(true);
    expect(loaded.type, icon.src).toContain(icon.type.split('+')[0]!);
  }
  expectNoPageErrors(page);
});
