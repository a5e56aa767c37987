import { expect, expectNoPageErrors, test } from './fixtures';
import { Playground } from './pages/playground';

test('the objective is typeset with live values, and beta highlights the KL term', async ({
  page,
}) => {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (
      !['127.0.0.1', 'localhost'].includes(url.hostname) &&
      url.protocol !== 'blob:' &&
      url.protocol !== 'data:'
    ) {
      foreign.push(request.url());
    }
  });
  const app = new Playground(page);
  await app.open();
  const formulas = page.getByTestId('formulas');
  await expect(formulas.locator('.katex-html')).toHaveCount(4);
  // No raw TeX on screen: the visible rendering has no backslash commands.
  for (const text of await formulas.locator('.katex-html').allInnerTexts()) {
    expect(text).not.toMatch(/\\[a-zA-Z]+/);
  }
  const elbo = formulas.locator('[data-formula="elbo"] .katex-html');
  const before = await elbo.innerText();

  // Off screen, the formulas hold their values (the page leaves the core to the training)...
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(formulas).not.toBeInViewport();
  await app.train.click();
  await app.waitForSteps(8);
  expect(await elbo.innerText()).toBe(before);
  // ...and catch up as soon as they are scrolled to; the values under the terms follow the curves.
  await formulas.scrollIntoViewIfNeeded();
  await expect.poll(() => elbo.innerText()).not.toBe(before);
  const during = await elbo.innerText();
  await app.waitForSteps((await app.steps()) + 5);
  await expect.poll(() => elbo.innerText()).not.toBe(during);

  await app.slider('KL weight').fill('600');
  await expect(formulas).toHaveAttribute('data-highlight', 'kl');
  const klTerm = formulas.locator('[data-term="kl"]').first();
  await expect(klTerm).toHaveCSS('background-color', 'rgba(56, 189, 248, 0.28)');
  // The weight shown in the formula is the one the worker confirmed.
  await expect(app.inForce('KL weight')).toContainText('in force: 0.251');
  await expect(formulas.locator('[data-formula="total"]')).toContainText('β=0.251');

  // Pointing at a curve's name highlights its term in the formulas.
  await app.pause.click();
  await app.viewCurves();
  await page.locator('.recharts-legend-item', { hasText: 'L_D' }).hover();
  await expect(formulas).toHaveAttribute('data-highlight', 'disc');
  // KaTeX's fonts and styles come from this origin: nothing else was asked for.
  expect(foreign).toEqual([]);
  expectNoPageErrors(page);
});

test('the guided first run is completed by following it, and stays away after a reload', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open();
  const tour = page.getByTestId('guided-tour');
  await expect(tour).toContainText('Start training');
  await expect(page.locator('[data-tour="train"]')).toHaveClass(/tour-target/);

  await app.train.click(); // the step waits for this action
  await expect(tour).toContainText('The curves');
  await tour.getByRole('button', { name: 'Next' }).click();
  await expect(tour).toContainText('Reconstructions');
  await tour.getByRole('button', { name: 'Next' }).click();
  await expect(tour).toContainText('Prior samples');
  await tour.getByRole('button', { name: 'Next' }).click();
  await expect(tour).toContainText('Turn β up');
  await expect(tour.getByRole('button', { name: 'Next' })).toHaveCount(0);

  await app.slider('KL weight').fill('870'); // 10^(−3 + 4 · 0.87) ≈ 3.02
  await expect(tour).toContainText('Turn γ up');
  await app.slider('KL weight').fill('750'); // back to 1: the step stays done
  await app.slider('Adversarial weight').fill('750'); // γ = 1
  await expect(tour).toContainText('You have seen the whole loop');
  await tour.getByRole('button', { name: 'Finish the tour' }).click();
  await expect(tour).toHaveCount(0);

  await page.reload();
  await expect(app.train).toBeEnabled({ timeout: 90_000 });
  await expect(page.getByTestId('guided-tour')).toHaveCount(0);
  expectNoPageErrors(page);
});
