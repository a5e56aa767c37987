import { strFromU8, unzipSync } from 'fflate';
import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('keep and share a run', () => {
  test('export a trained run, reload, import it: step, curves and pictures come back', async ({
    app,
    testApi,
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, pictures, exports, notices } = app;
    await app.open();
    await controls.train.click();
    await status.waitForSteps(12);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const steps = await status.steps();
    const points = (await testApi.curveSteps()).length;
    const samples = await pictures.stats('Prior samples');
    const recon = await pictures.stats('Reconstructions');
    expect(points).toBeGreaterThan(0);

    // Export: a real download, saved and opened here.
    const zipPath = testInfo.outputPath('run.zip');
    const { bytes: zip } = await exports.download(exports.exportWeights, zipPath);
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    const files = unzipSync(new Uint8Array(zip));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    expect(manifest).toMatchObject({
      format: 'vaegan-playground-run',
      step: steps,
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 16,
      hiddenUnits: 512,
      hiddenLayers: 1,
      batchSize: 64,
      seed: 1,
      metrics: { points },
    });
    expect(files['decoder/weights.bin']!.byteLength).toBe(4 * (16 * 512 + 512 + 512 * 784 + 784));
    const decoderJson = JSON.parse(strFromU8(files['decoder/model.json']!));
    expect(decoderJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(Object.keys(files)).toContain('optimizers/vae.bin');

    // Curves as CSV: a header and one row per point.
    const csv = (
      await exports.download(exports.curvesCsv, testInfo.outputPath('curves.csv'))
    ).bytes.toString();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'step,time_s,reconstruction,kl,discriminator,generator,dReal,dRecon,dPrior,featureRec,skipD,skipG,stepsPerSec',
    );
    expect(lines).toHaveLength(points + 1);
    expect(Number(lines[lines.length - 1]!.split(',')[0])).toBe(steps);

    // A picture as PNG, at the canvas's own size.
    const { bytes: png } = await exports.download(
      exports.picturePng('Prior samples'),
      testInfo.outputPath('samples.png'),
    );
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(samples.width);
    expect(png.readUInt32BE(20)).toBe(samples.height);

    // A fresh page: new weights at step 0, then the import brings the run back.
    await app.reload();
    expect(await status.steps()).toBe(0);
    await exports.importFile.setInputFiles(zipPath);
    await expect(notices.notice(`Restored "run.zip": step ${steps}`)).toBeVisible();
    await expect.poll(() => status.steps()).toBe(steps);
    await expect(status.runStatus).toHaveText('paused');
    expect((await testApi.curveSteps()).length).toBe(points);
    await expect.poll(() => app.curves.points()).toBe(points);
    await expect(pictures.canvas('Prior samples')).toHaveAttribute('data-step', String(steps));
    expect((await pictures.stats('Prior samples')).checksum).toBe(samples.checksum);
    expect((await pictures.stats('Reconstructions')).checksum).toBe(recon.checksum);

    // Bad files: each with its own message; the model, its step and its pictures stay.
    // Dropped on the page, like a zip would be.
    await app.dropOnPage('notes.txt', 'these are not weights', 'text/plain');
    await expect(
      notices.notice('Could not import "notes.txt": This file is not a zip'),
    ).toBeVisible();
    await exports.importFile.setInputFiles({
      name: 'half.zip',
      mimeType: 'application/zip',
      buffer: zip.subarray(0, zip.length >> 1),
    });
    await expect(
      notices.notice('Could not import "half.zip": The zip archive is truncated'),
    ).toBeVisible();
    expect(await status.steps()).toBe(steps);
    expect((await pictures.stats('Prior samples')).checksum).toBe(samples.checksum);

    // Training continues from the imported step.
    await controls.train.click();
    await status.waitForSteps(steps + 3);
    await controls.pause.click();
    expectNoPageErrors(page);
  });

  test('a reload during training offers the newest checkpoint and resumes from it', async ({
    app,
    testApi,
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, pictures, checkpoints } = app;
    await app.open();
    await checkpoints.open();
    // By step count, not time, so on any machine every checkpoint lies past step 150, where
    // the GAN optimisers' beta1^t (0.5^t) has underflowed to 0 in float32.
    await checkpoints.everySeconds.fill('3600');
    await checkpoints.everySteps.fill('200');
    await controls.train.click();
    // The default model (784-512-16, batch 64) saves while it trains: steps 200 and 400.
    const newest = checkpoints.items.first();
    await expect(newest).toBeVisible({ timeout: 90_000 });
    await expect(checkpoints.items).toHaveCount(2, { timeout: 90_000 });
    const saved = (await checkpoints.lastSaved.textContent()) ?? '';
    await expect(status.runStatus).toHaveText('training');
    const checkpointStep = Number(await newest.getAttribute('data-step'));
    const atReload = await status.steps();
    const stepsPerSec = await status.stepsPerSecond();
    testInfo.annotations.push({
      type: 'checkpoint',
      description: `${saved} Reload at step ${atReload}, newest checkpoint at step ${checkpointStep}: ${atReload - checkpointStep} steps lost; ${stepsPerSec} steps/s.`,
    });
    console.log(`[checkpoint] ${testInfo.annotations.at(-1)!.description}`);
    expect(saved).toMatch(/Last checkpoint: step \d+, [\d.]+ MB, saved in \d+ ms/);
    expect(checkpointStep).toBeGreaterThanOrEqual(400);

    await page.reload();
    const offer = checkpoints.resumeOffer;
    await expect(offer).toContainText(`step ${checkpointStep}`);
    await app.waitReady();
    await checkpoints.resume(checkpointStep).click();
    await expect.poll(() => status.steps()).toBe(checkpointStep);
    await expect(offer).toBeHidden();
    await expect(status.runStatus).toHaveText('paused');
    await pictures.open();
    await expect(pictures.canvas('Prior samples')).toHaveAttribute(
      'data-step',
      String(checkpointStep),
    );
    // The curve history came back with it.
    await expect.poll(() => app.curves.points()).toBeGreaterThan(0);
    expect((await testApi.curveSteps()).at(-1)).toBeLessThanOrEqual(checkpointStep);

    await controls.train.click();
    await status.waitForSteps(checkpointStep + 3);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const pausedAt = await status.steps();
    // Pausing keeps the work: a checkpoint at the paused step appears.
    await checkpoints.open();
    await expect(checkpoints.atStep(pausedAt)).toBeVisible();
    await expect(checkpoints.saveNow).toBeEnabled();

    // Delete removes a checkpoint from the list.
    const count = await checkpoints.items.count();
    await checkpoints.deleteButton(checkpoints.items.last()).click();
    await expect(checkpoints.items).toHaveCount(count - 1);
    expectNoPageErrors(page);
  });

  test('a shared URL reproduces the settings, and the URL follows changes', async ({
    app,
    page,
  }) => {
    test.setTimeout(180_000);
    const { runSettings, hyperparams, notices } = app;
    const query =
      '?dataset=fashion-mnist&arch=mlp&variant=separate&latent=8&hidden=64&layers=1&batch=32' +
      '&seed=42&beta=0.5&gamma=0&lrVae=0.002&lrD=0.0001&lrG=0.0003&adv=minimax&rec=pixel' +
      '&dBatches=3&gate=0&gan=0&watch=1&bin=0&klWarmup=0&freeBits=0&budgetUnit=off&budget=20' +
      '&patience=0' +
      '&lrSchedule=constant&backend=cpu';
    await app.open(query);
    await runSettings.open();
    await expect(runSettings.dataset).toHaveValue('fashion-mnist');
    await expect(runSettings.variant).toHaveValue('separate');
    await expect(runSettings.latentSize).toHaveValue('8');
    await expect(runSettings.hiddenUnits).toHaveValue('64');
    await expect(runSettings.batchSize).toHaveValue('32');
    await expect(runSettings.seed).toHaveValue('42');
    await expect(hyperparams.adversarialLoss).toHaveValue('minimax');
    await expect(app.status.backendName).toHaveText('cpu');
    await expect(runSettings.state).toHaveText(/running/);
    await expect(hyperparams.inForce('KL weight')).toContainText('in force: 0.5 ');
    await expect(hyperparams.inForce('Adversarial weight')).toContainText('in force: 0 ');
    await expect(hyperparams.inForce('VAE learning rate')).toContainText('in force: 2.0e-3');
    const params = new URL(page.url()).searchParams;
    // The view opened (tab=model) is in the URL too; the run's settings are the link's.
    expect(params.get('tab')).toBe('model');
    params.delete('tab');
    expect(Object.fromEntries(params)).toEqual(Object.fromEntries(new URLSearchParams(query)));

    // The URL follows the sliders, so the address bar is always a link to this run.
    await hyperparams.slider('KL weight').fill('1000');
    await expect.poll(() => app.urlParam('beta')).toBe('10');

    // Out-of-range and malformed values: clamped or ignored, each with a visible notice.
    await app.open('?latent=1000&beta=abc&variant=both');
    await expect(
      notices.notice('latent=1000 is outside 2 to 128; using 128 instead.'),
    ).toBeVisible();
    await expect(notices.notice('Ignored beta=abc: not a number.')).toBeVisible();
    await expect(notices.notice('Ignored variant=both')).toBeVisible();
    await runSettings.open();
    await expect(runSettings.latentSize).toHaveValue('128');
    await expect(runSettings.state).toHaveText(/running/);
    await expect.poll(() => app.urlParam('latent')).toBe('128');
    expectNoPageErrors(page);
  });
});
