import { strFromU8, unzipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { download, expect, expectNoPageErrors, test } from './fixtures';
import { Playground } from './pages/playground';

/** Curve points in the page's store (the label on the charts is throttled). */
const curveSteps = (page: Page) =>
  page.evaluate(() => {
    type Handle = { getState: () => { series: { steps: number[] } } };
    const handle = (window as unknown as { vaeganPlayground: Handle }).vaeganPlayground;
    return handle.getState().series.steps.slice();
  });
const seriesLength = async (page: Page) => (await curveSteps(page)).length;

const notice = (page: Page, text: string | RegExp) =>
  page.locator('.notice').filter({ hasText: text });

test.describe('keep and share a run', () => {
  test('export a trained run, reload, import it: step, curves and pictures come back', async ({
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const app = new Playground(page);
    await app.open();
    await app.train.click();
    await app.waitForSteps(12);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    const steps = await app.steps();
    const points = await seriesLength(page);
    const samples = await app.canvasStats('Prior samples');
    const recon = await app.canvasStats('Reconstructions');
    expect(points).toBeGreaterThan(0);

    // Export: a real download, saved and opened here.
    const zipPath = testInfo.outputPath('run.zip');
    const { bytes: zip } = await download(
      page,
      page.getByRole('button', { name: 'Export weights (.zip)' }),
      zipPath,
    );
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
      await download(
        page,
        page.getByRole('button', { name: 'Curves (CSV)' }),
        testInfo.outputPath('curves.csv'),
      )
    ).bytes.toString();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'step,time_s,reconstruction,kl,discriminator,generator,dReal,dRecon,dPrior,featureRec,skipD,skipG,stepsPerSec',
    );
    expect(lines).toHaveLength(points + 1);
    expect(Number(lines[lines.length - 1]!.split(',')[0])).toBe(steps);

    // A picture as PNG, at the canvas's own size.
    const { bytes: png } = await download(
      page,
      page.getByRole('button', { name: 'Prior samples (PNG)' }),
      testInfo.outputPath('samples.png'),
    );
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(samples.width);
    expect(png.readUInt32BE(20)).toBe(samples.height);

    // A fresh page: new weights at step 0, then the import brings the run back.
    await page.reload();
    await expect(app.train).toBeEnabled({ timeout: 90_000 });
    expect(await app.steps()).toBe(0);
    await page.getByTestId('import-file').setInputFiles(zipPath);
    await expect(notice(page, `Restored "run.zip": step ${steps}`)).toBeVisible();
    await expect.poll(() => app.steps()).toBe(steps);
    await expect(app.runStatus).toHaveText('paused');
    expect(await seriesLength(page)).toBe(points);
    await expect.poll(() => app.points()).toBe(points);
    await expect(app.canvas('Prior samples')).toHaveAttribute('data-step', String(steps));
    expect((await app.canvasStats('Prior samples')).checksum).toBe(samples.checksum);
    expect((await app.canvasStats('Reconstructions')).checksum).toBe(recon.checksum);

    // Bad files: each with its own message; the model, its step and its pictures stay.
    // Dropped on the page, like a zip would be.
    const dropped = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['these are not weights'], 'notes.txt', { type: 'text/plain' }));
      return data;
    });
    await page.dispatchEvent('main', 'drop', { dataTransfer: dropped });
    await expect(
      notice(page, 'Could not import "notes.txt": This file is not a zip'),
    ).toBeVisible();
    await page.getByTestId('import-file').setInputFiles({
      name: 'half.zip',
      mimeType: 'application/zip',
      buffer: zip.subarray(0, zip.length >> 1),
    });
    await expect(
      notice(page, 'Could not import "half.zip": The zip archive is truncated'),
    ).toBeVisible();
    expect(await app.steps()).toBe(steps);
    expect((await app.canvasStats('Prior samples')).checksum).toBe(samples.checksum);

    // Training continues from the imported step.
    await app.train.click();
    await app.waitForSteps(steps + 3);
    await app.pause.click();
    expectNoPageErrors(page);
  });

  test('a reload during training offers the newest checkpoint and resumes from it', async ({
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const app = new Playground(page);
    await app.open();
    // By step count, not time, so on any machine every checkpoint lies past step 150, where
    // the GAN optimisers' beta1^t (0.5^t) has underflowed to 0 in float32.
    await page.getByRole('spinbutton', { name: 'Every (seconds)' }).fill('3600');
    await page.getByRole('spinbutton', { name: 'or every (steps, 0 = off)' }).fill('200');
    await app.train.click();
    // The default model (784-512-16, batch 64) saves while it trains: steps 200 and 400.
    const newest = page.getByTestId('checkpoint').first();
    await expect(newest).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('checkpoint')).toHaveCount(2, { timeout: 90_000 });
    const saved = (await page.getByTestId('last-checkpoint').textContent()) ?? '';
    await expect(app.runStatus).toHaveText('training');
    const checkpointStep = Number(await newest.getAttribute('data-step'));
    const atReload = await app.steps();
    const stepsPerSec = Number(
      /([\d.]+)/.exec((await page.getByTestId('steps-per-sec').textContent()) ?? '')?.[1],
    );
    testInfo.annotations.push({
      type: 'checkpoint',
      description: `${saved} Reload at step ${atReload}, newest checkpoint at step ${checkpointStep}: ${atReload - checkpointStep} steps lost; ${stepsPerSec} steps/s.`,
    });
    console.log(`[checkpoint] ${testInfo.annotations.at(-1)!.description}`);
    expect(saved).toMatch(/Last checkpoint: step \d+, [\d.]+ MB, saved in \d+ ms/);
    expect(checkpointStep).toBeGreaterThanOrEqual(400);

    await page.reload();
    const offer = page.getByRole('region', { name: 'Resume from checkpoint' });
    await expect(offer).toContainText(`step ${checkpointStep}`);
    await expect(app.train).toBeEnabled({ timeout: 90_000 });
    await offer.getByRole('button', { name: `Resume from step ${checkpointStep}` }).click();
    await expect.poll(() => app.steps()).toBe(checkpointStep);
    await expect(offer).toBeHidden();
    await expect(app.runStatus).toHaveText('paused');
    await expect(app.canvas('Prior samples')).toHaveAttribute('data-step', String(checkpointStep));
    // The curve history came back with it.
    await expect.poll(() => app.points()).toBeGreaterThan(0);
    expect((await curveSteps(page)).at(-1)).toBeLessThanOrEqual(checkpointStep);

    await app.train.click();
    await app.waitForSteps(checkpointStep + 3);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    const pausedAt = await app.steps();
    // Pausing keeps the work: a checkpoint at the paused step appears.
    await expect(page.locator(`[data-testid="checkpoint"][data-step="${pausedAt}"]`)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save checkpoint now' })).toBeEnabled();

    // Delete removes a checkpoint from the list.
    const count = await page.getByTestId('checkpoint').count();
    await page
      .getByTestId('checkpoint')
      .last()
      .getByRole('button', { name: /^Delete/ })
      .click();
    await expect(page.getByTestId('checkpoint')).toHaveCount(count - 1);
    expectNoPageErrors(page);
  });

  test('a shared URL reproduces the settings, and the URL follows changes', async ({ page }) => {
    test.setTimeout(180_000);
    const app = new Playground(page);
    const query =
      '?dataset=fashion-mnist&arch=mlp&variant=separate&latent=8&hidden=64&batch=32&seed=42' +
      '&beta=0.5&gamma=0&lrVae=0.002&lrD=0.0001&lrG=0.0003&adv=minimax&rec=pixel&dBatches=3' +
      '&gate=0&gan=0&backend=cpu';
    await app.open(query);
    await expect(page.getByLabel('Data set')).toHaveValue('fashion-mnist');
    await expect(page.getByLabel('Variant')).toHaveValue('separate');
    await expect(page.getByRole('spinbutton', { name: 'Latent size' })).toHaveValue('8');
    await expect(page.getByRole('spinbutton', { name: 'Hidden units' })).toHaveValue('64');
    await expect(page.getByRole('spinbutton', { name: 'Batch size' })).toHaveValue('32');
    await expect(page.getByRole('spinbutton', { name: 'Seed' })).toHaveValue('42');
    await expect(page.getByLabel('Adversarial loss')).toHaveValue('minimax');
    await expect(app.backendName).toHaveText('cpu');
    await expect(page.getByTestId('settings-state')).toHaveText(/running/);
    await expect(app.inForce('KL weight')).toContainText('in force: 0.5 ');
    await expect(app.inForce('Adversarial weight')).toContainText('in force: 0 ');
    await expect(app.inForce('VAE learning rate')).toContainText('in force: 2.0e-3');
    const params = new URL(page.url()).searchParams;
    expect(Object.fromEntries(params)).toEqual(Object.fromEntries(new URLSearchParams(query)));

    // The URL follows the sliders, so the address bar is always a link to this run.
    await app.slider('KL weight').fill('1000');
    await expect.poll(() => new URL(page.url()).searchParams.get('beta')).toBe('10');

    // Out-of-range and malformed values: clamped or ignored, each with a visible notice.
    await app.open('?latent=1000&beta=abc&variant=both');
    await expect(notice(page, 'latent=1000 is outside 2 to 128; using 128 instead.')).toBeVisible();
    await expect(notice(page, 'Ignored beta=abc: not a number.')).toBeVisible();
    await expect(notice(page, 'Ignored variant=both')).toBeVisible();
    await expect(page.getByRole('spinbutton', { name: 'Latent size' })).toHaveValue('128');
    await expect(page.getByTestId('settings-state')).toHaveText(/running/);
    await expect.poll(() => new URL(page.url()).searchParams.get('latent')).toBe('128');
    expectNoPageErrors(page);
  });
});
