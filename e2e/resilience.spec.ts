import type { Page } from '@playwright/test';
import { browserErrors, download, expect, expectNoPageErrors, test } from './fixtures';
import { Explorer } from './pages/explorer';
import { Playground } from './pages/playground';

/** A small model keeps these tests quick on the CPU; the faults do not depend on its size. */
const SMALL = 'hidden=64&batch=16';

type Debug = {
  loseDevice: () => Promise<string>;
  crashWorker: (kind: 'throw' | 'exit' | 'hang') => Promise<void>;
  setHeartbeatTimeout: (ms: number) => void;
};
type Handle = {
  getState: () => {
    series: { steps: number[]; columns: Record<string, number[]> };
    hyperparams: Record<string, number>;
  };
  debug: Debug;
};

const notice = (page: Page, text: string | RegExp) =>
  page.locator('.notice').filter({ hasText: text });

/** The last `n` curve points' values in the page's store, all metrics. */
const lastValues = (page: Page, n: number) =>
  page.evaluate((count) => {
    const { series } = (
      window as unknown as { vaeganPlayground: Handle }
    ).vaeganPlayground.getState();
    // featureRec is NaN by design while the reconstruction loss is `pixel` (not computed).
    return Object.entries(series.columns)
      .filter(([name]) => name !== 'featureRec')
      .flatMap(([, column]) => column.slice(-count));
  }, n);

test.describe('it keeps working', () => {
  test('a learning rate of 10 trips the guard; training continues with finite losses', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    const app = new Playground(page);
    await app.open(`?${SMALL}&lrVae=10`);
    await app.train.click();
    const guard = notice(page, /^Step \d+: .* became NaN or infinite\. Restored the weights/);
    await expect(guard.first()).toBeVisible({ timeout: 90_000 });
    await expect(guard.first()).toContainText(/halved the .* learning rate lr(Vae|D|G) from/);
    // It keeps halving until the run is stable: then steps pile up with finite losses.
    await expect(app.runStatus).toHaveText('training');
    const at = await app.steps();
    await app.waitForSteps(at + 60, 120_000);
    await app.pause.click();
    const values = await lastValues(page, 5);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    // The sliders follow the halved rate the worker runs with.
    const lr = await page.evaluate(
      () =>
        (window as unknown as { vaeganPlayground: Handle }).vaeganPlayground.getState().hyperparams,
    );
    expect(lr.lrVae).toBeLessThan(10);
    expectNoPageErrors(page);
  });

  for (const backend of ['webgl', 'webgpu'] as const) {
    test(`a lost ${backend} device is survived: rebuilt on wasm from the last good weights`, async ({
      page,
    }) => {
      test.setTimeout(420_000);
      const app = new Playground(page);
      await app.open(`?${SMALL}&backend=${backend}`);
      await expect(app.backendName).toHaveText(backend);
      await app.train.click();
      // The first steps compile the GPU programs: slow on SwiftShader.
      await app.waitForSteps(2, 180_000);
      const lost = await page.evaluate(() =>
        (window as unknown as { vaeganPlayground: Handle }).vaeganPlayground.debug.loseDevice(),
      );
      expect(lost).toBe(backend);
      const what = backend === 'webgl' ? 'the WebGL context was lost' : 'the WebGPU device was';
      const message = notice(
        page,
        new RegExp(`^Step \\d+: ${what}.*Rebuilt the model on wasm from`),
      );
      await expect(message).toBeVisible({ timeout: 90_000 });
      await expect(app.backendName).toHaveText('wasm');
      await expect(app.runStatus).toHaveText('training');
      const at = await app.steps();
      await app.waitForSteps(at + 10, 90_000);
      await app.pause.click();
      for (const v of await lastValues(page, 3)) expect(Number.isFinite(v)).toBe(true);
      expectNoPageErrors(page);
    });
  }

  test('a crashed worker: the page says so and restarts from the last checkpoint', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    const app = new Playground(page);
    await app.open(`?${SMALL}`);
    await app.train.click();
    await app.waitForSteps(8);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    const step = await app.steps();
    // Pause saves a checkpoint.
    await expect(page.getByRole('button', { name: `Restore step ${step}` })).toBeVisible({
      timeout: 60_000,
    });
    await page.evaluate(() =>
      (window as unknown as { vaeganPlayground: Handle }).vaeganPlayground.debug.crashWorker(
        'throw',
      ),
    );
    const panel = page.getByRole('alert', { name: 'Training worker stopped' });
    await expect(panel).toContainText('it threw an uncaught error');
    await expect(app.runStatus).toHaveText('error');
    // The page still answers: a slider moves while the worker is gone.
    await app.slider('KL weight').focus();
    await page.keyboard.press('ArrowRight');
    await panel
      .getByRole('button', { name: `Restart from the checkpoint at step ${step}` })
      .click();
    await expect(panel).toHaveCount(0);
    await expect(app.runStatus).toHaveText('paused', { timeout: 90_000 });
    expect(await app.steps()).toBe(step);
    await app.train.click();
    await app.waitForSteps(step + 3);
  });

  test('a worker that goes silent is noticed by the heartbeat and restarted fresh', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const app = new Playground(page);
    await app.open(`?${SMALL}`);
    await page.evaluate(() => {
      const { debug } = (window as unknown as { vaeganPlayground: Handle }).vaeganPlayground;
      debug.setHeartbeatTimeout(5000);
      return debug.crashWorker('hang');
    });
    const panel = page.getByRole('alert', { name: 'Training worker not answering' });
    await expect(panel).toContainText(/it has not answered for \d+ s/, { timeout: 60_000 });
    await panel.getByRole('button', { name: 'Restart with fresh weights' }).click();
    await expect(panel).toHaveCount(0);
    await expect(app.runStatus).toHaveText('ready', { timeout: 90_000 });
    await app.train.click();
    await app.waitForSteps(2);
  });
});

test.describe('nothing leaves the origin', () => {
  test('a full session: every request is same-origin, the CSP is present and never violated', async ({
    page,
    baseURL,
  }, testInfo) => {
    test.setTimeout(240_000);
    const origin = new URL(baseURL!).origin;
    const requests: string[] = [];
    page.context().on('request', (r) => requests.push(r.url()));
    page.on('request', (r) => requests.push(r.url()));
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const app = new Playground(page);
    const response = await page.goto(`/?${SMALL}`);
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).toContain("connect-src 'self'");
    const meta = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(meta).toContain("script-src 'self'");
    expect(meta).toContain("worker-src 'self' blob:");
    await expect(app.train).toBeEnabled({ timeout: 90_000 });

    // Train, watch pictures and curves, use the explorer, export the run.
    await app.train.click();
    await app.waitForSteps(15);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    expect((await app.canvasStats('Prior samples')).variance).toBeGreaterThan(0);
    await expect(page.getByRole('list', { name: 'Classes' }).getByRole('listitem')).toHaveCount(
      10,
      { timeout: 60_000 },
    );
    await page.getByLabel(/Show the decoded plane behind the pad/).check();
    await download(
      page,
      page.getByRole('button', { name: 'Export weights (.zip)' }),
      testInfo.outputPath('run.zip'),
    );
    await page.getByRole('button', { name: 'Curves (CSV)' }).click();

    expect(requests.length).toBeGreaterThan(5);
    const foreign = requests.filter((url) => {
      if (url.startsWith('blob:') || url.startsWith('data:')) return false;
      return new URL(url).origin !== origin;
    });
    expect(foreign).toEqual([]);
    expect(
      await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    ).toEqual([]);
    const cspConsole = browserErrors(page).consoleErrors.filter((m) =>
      /Content Security Policy/i.test(m),
    );
    expect(cspConsole).toEqual([]);
    expectNoPageErrors(page);
  });

  test('once loaded, it works with the network cut: training, quality, explorer, export', async ({
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const app = new Playground(page);
    await app.open(`?${SMALL}`);
    // Loaded: the explorer has its test images, and the quality panel has measured the new
    // model (step 0) with its classifier.
    await expect(page.getByRole('list', { name: 'Classes' }).getByRole('listitem')).toHaveCount(
      10,
      { timeout: 60_000 },
    );
    const fcd = page.getByTestId('quality-main-fcd');
    await expect
      .poll(async () => Number((await fcd.textContent()) ?? 'NaN'), { timeout: 90_000 })
      .toBeGreaterThan(0);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.context().setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);

    await app.train.click();
    await app.waitForSteps(10);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    const paused = await app.steps();
    expect((await app.canvasStats('Prior samples')).variance).toBeGreaterThan(0);
    const measure = page.getByRole('button', { name: 'Measure now' });
    await expect(measure).toBeEnabled({ timeout: 60_000 });
    await measure.click();
    await expect(page.getByTestId('quality-main')).toHaveAttribute('data-step', String(paused), {
      timeout: 90_000,
    });
    // The explorer takes the paused weights and the pad still decodes.
    const explorer = new Explorer(page);
    await explorer.waitReady(paused);
    await explorer.pad.focus();
    const before = (await explorer.grey(explorer.decoded)).join(',');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(async () => (await explorer.grey(explorer.decoded)).join(','))
      .not.toBe(before);
    // FCD too: the classifier came with the first weights, before the network went.
    expect(Number(await fcd.textContent())).toBeGreaterThan(0);
    await expect(page.getByText(/network may be down/)).toHaveCount(0);
    const zip = await download(
      page,
      page.getByRole('button', { name: 'Export weights (.zip)' }),
      testInfo.outputPath('offline-run.zip'),
    );
    expect(zip.name).toMatch(/\.zip$/);
    // Nothing it did needed the network.
    expect(failed).toEqual([]);
    await page.context().setOffline(false);
    expectNoPageErrors(page);
  });

  test('the policy is enforced: the page and the training worker cannot reach another origin', async ({
    page,
  }) => {
    const app = new Playground(page);
    await app.open(`?${SMALL}`);
    const attempt = () =>
      fetch('http://example.invalid/beacon').then(
        () => 'reached',
        (error: unknown) => String(error),
      );
    expect(await page.evaluate(attempt)).toMatch(/Failed to fetch|TypeError/);
    const trainer = page.workers().find((w) => /trainer/.test(w.url()));
    expect(trainer).toBeDefined();
    expect(await trainer!.evaluate(attempt)).toMatch(/Failed to fetch|TypeError/);
    const blocked = browserErrors(page).consoleErrors.filter((m) =>
      /Content Security Policy/i.test(m),
    );
    // Both refusals come from the policy (not from the closed network): the browser says so.
    expect(blocked.length).toBeGreaterThanOrEqual(2);
  });
});
