import type { Locator, Page } from '@playwright/test';
import { expect, expectNoPageErrors, test } from './fixtures';
import { Playground } from './pages/playground';

const number = async (locator: Locator) => Number((await locator.textContent()) ?? 'NaN');

/** Variance of a canvas's grey levels (0 for a blank or unpainted canvas). */
const variance = (page: Page, testId: string) =>
  page.getByTestId(testId).evaluate((node) => {
    const canvas = node as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0;
    let sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      sum += data[i]!;
      sumSq += data[i]! * data[i]!;
    }
    return canvas.width > 28 ? sumSq / n - (sum / n) ** 2 : 0;
  });

/** Small measurements (40 test images, 200 samples), so the test does not wait long under load. */
async function smallMeasurements(page: Page) {
  await page.getByLabel('Importance samples k').selectOption('50');
  await expect(page.getByLabel('Importance samples k')).toHaveValue('50');
  await page.getByRole('spinbutton', { name: 'Test images (bounds)' }).fill('40');
  await page.getByRole('spinbutton', { name: 'Samples (FCD)' }).fill('200');
}

test.describe('quality panel', () => {
  // Three or four workers (trainer, explorer, quality, comparison) on two shared cores.
  test.setTimeout(300_000);
  test('fills with finite numbers after training, and Measure now measures the paused model', async ({
    page,
  }) => {
    const app = new Playground(page);
    await app.open();
    await smallMeasurements(page);
    // Bad input is named and the last good value stays in use.
    await page.getByRole('spinbutton', { name: 'Test images (bounds)' }).fill('0');
    await expect(page.getByRole('alert')).toContainText('Test images: a whole number from 1');
    await page.getByRole('spinbutton', { name: 'Test images (bounds)' }).fill('40');
    await expect(page.getByRole('alert')).toHaveCount(0);

    await app.train.click();
    await app.waitForSteps(5, 120_000);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    const paused = await app.steps();

    const measure = page.getByRole('button', { name: 'Measure now' });
    await expect(measure).toBeEnabled({ timeout: 60_000 });
    await measure.click();
    const main = page.getByTestId('quality-main');
    await expect(main).toHaveAttribute('data-step', String(paused), { timeout: 90_000 });
    const elbo = await number(page.getByTestId('quality-main-elbo'));
    const iwae = await number(page.getByTestId('quality-main-iwae'));
    const fcd = await number(page.getByTestId('quality-main-fcd'));
    expect(Number.isFinite(elbo) && elbo < 0 && elbo > -784 * Math.LN2).toBe(true);
    expect(iwae).toBeGreaterThanOrEqual(elbo);
    expect(Number.isFinite(fcd) && fcd > 0).toBe(true);
    await expect(page.getByTestId('quality-main-coverage')).toHaveText(/^\d+ of 10$/);
    await expect(page.getByText('IWAE (k = 50)')).toBeVisible();
    await expect(page.getByTestId('quality-method')).toContainText(
      'k = 50 on the first 40 test images',
    );
    await expect(page.getByRole('img', { name: /Classes of 200 prior samples/ })).toBeVisible();
    // The step-0 measurement and this one: two points on each curve.
    await expect
      .poll(async () =>
        Number(await page.getByTestId('quality-chart-bounds').getAttribute('data-points')),
      )
      .toBeGreaterThanOrEqual(2);
    expectNoPageErrors(page);
  });

  test('the plain-VAE comparison starts a second run; both sample grids fill; it follows Pause and stops', async ({
    page,
  }) => {
    const app = new Playground(page);
    await app.open();
    await smallMeasurements(page);
    await page.getByRole('button', { name: 'Compare with a plain VAE (γ = 0)' }).click();
    const status = page.getByTestId('comparison-status');
    await expect(status).toContainText('ready', { timeout: 90_000 });
    await expect(page.getByText('The two runs share the CPU', { exact: false })).toBeVisible();

    await app.train.click();
    await expect(status).toContainText('training');
    await app.waitForSteps(5, 120_000);
    await expect
      .poll(
        async () =>
          Number(await page.getByTestId('comparison-vae-samples').getAttribute('data-step')),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(0);
    expect(await variance(page, 'comparison-main-samples')).toBeGreaterThan(0);
    expect(await variance(page, 'comparison-vae-samples')).toBeGreaterThan(0);

    await app.pause.click();
    await expect(status).toContainText('paused');
    await page.getByRole('button', { name: 'Measure now' }).click();
    await expect
      .poll(async () => number(page.getByTestId('quality-comparison-elbo')), { timeout: 90_000 })
      .toBeLessThan(0);
    await expect(page.getByTestId('quality-comparison')).toHaveAttribute('data-step', /^[1-9]\d*$/);

    await page.getByRole('button', { name: 'Stop the comparison' }).click();
    await expect(page.getByTestId('comparison-vae-samples')).toHaveCount(0);
    await expect(page.getByTestId('quality-comparison')).toHaveCount(0);
    expectNoPageErrors(page);
  });
});
