import { browserErrors, expect, expectNoPageErrors, test } from './fixtures';

/** A small model keeps these tests quick on the CPU; the faults do not depend on its size. */
const SMALL = 'hidden=64&batch=16';

test.describe('it keeps working', () => {
  test('a learning rate of 10 trips the guard; training continues with finite losses', async ({
    app,
    testApi,
    page,
  }) => {
    test.setTimeout(240_000);
    const { controls, status } = app;
    await app.open(`?${SMALL}&lrVae=10`);
    await controls.train.click();
    const guard = app.notices.notice(/^Step \d+: .* became NaN or infinite\. Restored the weights/);
    await expect(guard.first()).toBeVisible({ timeout: 90_000 });
    await expect(guard.first()).toContainText(/halved the .* learning rate lr(Vae|D|G) from/);
    // It keeps halving until the run is stable: then steps pile up with finite losses.
    await expect(status.runStatus).toHaveText('training');
    const at = await status.steps();
    await status.waitForSteps(at + 60, 120_000);
    await controls.pause.click();
    const values = await testApi.lastCurveValues(5);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    // The sliders follow the halved rate the worker runs with.
    const lr = await testApi.hyperparams();
    expect(lr.lrVae).toBeLessThan(10);
    expectNoPageErrors(page);
  });

  for (const backend of ['webgl', 'webgpu'] as const) {
    test(`a lost ${backend} device is survived: rebuilt on wasm from the last good weights`, async ({
      app,
      testApi,
      page,
    }) => {
      test.setTimeout(420_000);
      const { controls, status } = app;
      await app.open(`?${SMALL}&backend=${backend}`);
      await expect(status.backendName).toHaveText(backend);
      await controls.train.click();
      // The first steps compile the GPU programs: slow on SwiftShader.
      await status.waitForSteps(2, 180_000);
      const lost = await testApi.loseDevice();
      expect(lost).toBe(backend);
      const what = backend === 'webgl' ? 'the WebGL context was lost' : 'the WebGPU device was';
      const message = app.notices.notice(
        new RegExp(`^Step \\d+: ${what}.*Rebuilt the model on wasm from`),
      );
      await expect(message).toBeVisible({ timeout: 90_000 });
      await expect(status.backendName).toHaveText('wasm');
      await expect(status.runStatus).toHaveText('training');
      const at = await status.steps();
      await status.waitForSteps(at + 10, 90_000);
      await controls.pause.click();
      for (const v of await testApi.lastCurveValues(3)) expect(Number.isFinite(v)).toBe(true);
      expectNoPageErrors(page);
    });
  }

  test('a crashed worker: the page says so and restarts from the last checkpoint', async ({
    app,
    testApi,
    page,
  }) => {
    test.setTimeout(240_000);
    const { controls, status, crash } = app;
    await app.open(`?${SMALL}`);
    await controls.train.click();
    await status.waitForSteps(8);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const step = await status.steps();
    // Pause saves a checkpoint.
    await app.checkpoints.open();
    await expect(app.checkpoints.restore(step)).toBeVisible({ timeout: 60_000 });
    await testApi.crashWorker('throw');
    await expect(crash.panel('stopped')).toContainText('it threw an uncaught error');
    await expect(status.runStatus).toHaveText('error');
    // The page still answers: a slider moves while the worker is gone.
    await app.hyperparams.slider('KL weight').focus();
    await page.keyboard.press('ArrowRight');
    await crash.restartFromCheckpoint('stopped', step).click();
    await expect(crash.panel('stopped')).toHaveCount(0);
    await expect(status.runStatus).toHaveText('paused', { timeout: 90_000 });
    expect(await status.steps()).toBe(step);
    await controls.train.click();
    await status.waitForSteps(step + 3);
  });

  test('a worker that goes silent is noticed by the heartbeat and restarted fresh', async ({
    app,
    testApi,
  }) => {
    test.setTimeout(180_000);
    const { controls, status, crash } = app;
    await app.open(`?${SMALL}`);
    await testApi.setHeartbeatTimeout(5000);
    await testApi.crashWorker('hang');
    await expect(crash.panel('not answering')).toContainText(/it has not answered for \d+ s/, {
      timeout: 60_000,
    });
    await crash.restartFresh('not answering').click();
    await expect(crash.panel('not answering')).toHaveCount(0);
    await expect(status.runStatus).toHaveText('ready', { timeout: 90_000 });
    await controls.train.click();
    await status.waitForSteps(2);
  });
});

test.describe('nothing leaves the origin', () => {
  test('a full session: every request is same-origin, the CSP is present and never violated', async ({
    app,
    testApi,
    page,
    baseURL,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, explorer, exports } = app;
    const origin = new URL(baseURL!).origin;
    const requests: string[] = [];
    page.context().on('request', (r) => requests.push(r.url()));
    page.on('request', (r) => requests.push(r.url()));
    await testApi.recordCspViolations();
    const response = await app.goto(`?${SMALL}`);
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).toContain("connect-src 'self'");
    // Only a header can forbid framing (a <meta> policy cannot), and it reaches the workers.
    expect(header).toContain("frame-ancestors 'none'");
    const meta = await app.cspMeta();
    expect(meta).toContain("script-src 'self'");
    expect(meta).toContain("worker-src 'self' blob:");
    await app.waitReady();

    // Train, watch pictures and curves, use the explorer, export the run.
    await controls.train.click();
    await status.waitForSteps(15);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    expect((await app.pictures.stats('Prior samples')).variance).toBeGreaterThan(0);
    await explorer.open();
    await expect(explorer.classItems).toHaveCount(10, { timeout: 60_000 });
    await explorer.showDecodedPlane.check();
    await exports.open();
    await exports.download(exports.exportWeights, testInfo.outputPath('run.zip'));
    await exports.curvesCsv.click();

    expect(requests.length).toBeGreaterThan(5);
    const foreign = requests.filter((url) => {
      if (url.startsWith('blob:') || url.startsWith('data:')) return false;
      return new URL(url).origin !== origin;
    });
    expect(foreign).toEqual([]);
    expect(await testApi.cspViolations()).toEqual([]);
    const cspConsole = browserErrors(page).consoleErrors.filter((m) =>
      /Content Security Policy/i.test(m),
    );
    expect(cspConsole).toEqual([]);
    expectNoPageErrors(page);
  });

  test('once loaded, it works with the network cut: training, quality, explorer, export', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, explorer, quality, exports } = app;
    await app.open(`?${SMALL}`);
    // Loaded: the explorer has its test images, and the quality panel has measured the new
    // model (step 0) with its classifier.
    await explorer.open();
    await expect(explorer.classItems).toHaveCount(10, { timeout: 60_000 });
    await expect.poll(() => quality.value('main', 'fcd'), { timeout: 90_000 }).toBeGreaterThan(0);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.context().setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);

    await controls.train.click();
    await status.waitForSteps(10);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const paused = await status.steps();
    await app.pictures.open();
    expect((await app.pictures.stats('Prior samples')).variance).toBeGreaterThan(0);
    await quality.open();
    await expect(quality.measureNow).toBeEnabled({ timeout: 60_000 });
    await quality.measureNow.click();
    await expect(quality.run('main')).toHaveAttribute('data-step', String(paused), {
      timeout: 90_000,
    });
    // The explorer takes the paused weights and the pad still decodes.
    await explorer.open();
    await explorer.waitReady(paused);
    await explorer.pad.focus();
    const before = (await explorer.grey(explorer.decoded)).join(',');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(async () => (await explorer.grey(explorer.decoded)).join(','))
      .not.toBe(before);
    // FCD too: the classifier came with the first weights, before the network went.
    expect(await quality.value('main', 'fcd')).toBeGreaterThan(0);
    await expect(app.text(/network may be down/)).toHaveCount(0);
    await exports.open();
    const zip = await exports.download(
      exports.exportWeights,
      testInfo.outputPath('offline-run.zip'),
    );
    expect(zip.name).toMatch(/\.zip$/);
    // Nothing it did needed the network.
    expect(failed).toEqual([]);
    await page.context().setOffline(false);
    expectNoPageErrors(page);
  });

  test('the policy is enforced: the page and the training worker cannot reach another origin', async ({
    app,
    testApi,
    page,
  }) => {
    await app.open(`?${SMALL}`);
    const attempt = () =>
      fetch('http://example.invalid/beacon').then(
        () => 'reached',
        (error: unknown) => String(error),
      );
    expect(await page.evaluate(attempt)).toMatch(/Failed to fetch|TypeError/);
    const trainer = testApi.trainerWorker();
    expect(trainer).toBeDefined();
    expect(await trainer!.evaluate(attempt)).toMatch(/Failed to fetch|TypeError/);
    const blocked = browserErrors(page).consoleErrors.filter((m) =>
      /Content Security Policy/i.test(m),
    );
    // Both refusals come from the policy (not from the closed network): the browser says so.
    expect(blocked.length).toBeGreaterThanOrEqual(2);
  });
});
