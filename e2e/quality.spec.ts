import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('quality panel', () => {
  // Three or four workers (trainer, explorer, quality, comparison) on two shared cores.
  test.setTimeout(300_000);
  test('fills with finite numbers after training, and Measure now measures the paused model', async ({
    app,
    page,
  }) => {
    const { controls, status, quality } = app;
    await app.open();
    await quality.useSmallMeasurements();
    // Bad input is named and the last good value stays in use.
    await quality.testImages.fill('0');
    await expect(app.alerts).toContainText('Test images: a whole number from 1');
    await quality.testImages.fill('40');
    await expect(app.alerts).toHaveCount(0);

    await controls.train.click();
    await status.waitForSteps(5, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const paused = await status.steps();

    await expect(quality.measureNow).toBeEnabled({ timeout: 60_000 });
    await quality.measureNow.click();
    await expect(quality.run('main')).toHaveAttribute('data-step', String(paused), {
      timeout: 90_000,
    });
    const elbo = await quality.value('main', 'elbo');
    const iwae = await quality.value('main', 'iwae');
    const fcd = await quality.value('main', 'fcd');
    expect(Number.isFinite(elbo) && elbo < 0 && elbo > -784 * Math.LN2).toBe(true);
    expect(iwae).toBeGreaterThanOrEqual(elbo);
    expect(Number.isFinite(fcd) && fcd > 0).toBe(true);
    await expect(quality.figure('main', 'coverage')).toHaveText(/^\d+ of 10$/);
    await expect(quality.iwaeLabel(50)).toBeVisible();
    await expect(quality.method).toContainText('k = 50 on the first 40 test images');
    await expect(quality.classesOf(200)).toBeVisible();
    // The step-0 measurement and this one: two points on each curve.
    await expect.poll(() => quality.boundsPoints()).toBeGreaterThanOrEqual(2);
    expectNoPageErrors(page);
  });

  test('the plain-VAE comparison starts a second run; both sample grids fill; it follows Pause and stops', async ({
    app,
    page,
  }) => {
    const { controls, status, quality, comparison } = app;
    await app.open();
    await quality.useSmallMeasurements();
    await comparison.start.click();
    await expect(comparison.status).toContainText('ready', { timeout: 90_000 });
    await expect(comparison.sharedCpuNote).toBeVisible();

    await controls.train.click();
    await expect(comparison.status).toContainText('training');
    await status.waitForSteps(5, 120_000);
    await expect.poll(() => comparison.vaeSamplesStep(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await comparison.variance('main')).toBeGreaterThan(0);
    expect(await comparison.variance('vae')).toBeGreaterThan(0);

    await controls.pause.click();
    await expect(comparison.status).toContainText('paused');
    await quality.measureNow.click();
    await expect
      .poll(() => quality.value('comparison', 'elbo'), { timeout: 90_000 })
      .toBeLessThan(0);
    await expect(quality.run('comparison')).toHaveAttribute('data-step', /^[1-9]\d*$/);

    await comparison.stop.click();
    await expect(comparison.samples('vae')).toHaveCount(0);
    await expect(quality.run('comparison')).toHaveCount(0);
    expectNoPageErrors(page);
  });
});
