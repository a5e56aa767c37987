import { expect, expectNoPageErrors, test } from './fixtures';

test('the objective is typeset with live values, and beta highlights the KL term', async ({
  app,
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
  const { controls, status, hyperparams, formulas } = app;
  await app.open();
  await formulas.open();
  await expect(formulas.rendered).toHaveCount(4);
  // No raw TeX on screen: the visible rendering has no backslash commands.
  for (const text of await formulas.rendered.allInnerTexts()) {
    expect(text).not.toMatch(/\\[a-zA-Z]+/);
  }
  const elbo = formulas.renderedFormula('elbo');
  // textContent: the same text whether its tab is shown or not (innerText needs layout).
  const before = await elbo.textContent();

  // Out of view (another tab open), the formulas hold their values (the page leaves the core
  // to the training)...
  await app.curves.open();
  await expect(formulas.root).not.toBeInViewport();
  await controls.train.click();
  await status.waitForSteps(8);
  expect(await elbo.textContent()).toBe(before);
  // ...and catch up as soon as their tab opens; the values under the terms follow the curves.
  await formulas.open();
  await expect.poll(() => elbo.textContent()).not.toBe(before);
  const during = await elbo.textContent();
  await status.waitForSteps((await status.steps()) + 5);
  await expect.poll(() => elbo.textContent()).not.toBe(during);

  await hyperparams.slider('KL weight').fill('600');
  await expect(formulas.root).toHaveAttribute('data-highlight', 'kl');
  await expect(formulas.term('kl')).toHaveCSS('background-color', 'rgba(56, 189, 248, 0.28)');
  // The weight shown in the formula is the one the worker confirmed.
  await expect(hyperparams.inForce('KL weight')).toContainText('in force: 0.251');
  await expect(formulas.formula('total')).toContainText('β=0.251');

  // Pointing at a curve's name highlights its term in the formulas.
  await controls.pause.click();
  await app.curves.view();
  await app.curves.legendItem('L_D').hover();
  await expect(formulas.root).toHaveAttribute('data-highlight', 'disc');
  // KaTeX's fonts and styles come from this origin: nothing else was asked for.
  expect(foreign).toEqual([]);
  expectNoPageErrors(page);
});

test('the guided first run is completed by following it, and stays away after a reload', async ({
  app,
  page,
}) => {
  const { tour, hyperparams } = app;
  await app.open();
  await expect(tour.card).toContainText('Start training');
  await expect(tour.target('train')).toHaveClass(/tour-target/);

  await app.controls.train.click(); // the step waits for this action
  await expect(tour.card).toContainText('The curves');
  await tour.next.click();
  await expect(tour.card).toContainText('Reconstructions');
  await tour.next.click();
  await expect(tour.card).toContainText('Prior samples');
  await tour.next.click();
  await expect(tour.card).toContainText('Turn β up');
  await expect(tour.next).toHaveCount(0);

  await hyperparams.slider('KL weight').fill('870'); // 10^(−3 + 4 · 0.87) ≈ 3.02
  await expect(tour.card).toContainText('Turn γ up');
  await hyperparams.slider('KL weight').fill('750'); // back to 1: the step stays done
  await hyperparams.slider('Adversarial weight').fill('750'); // γ = 1
  await expect(tour.card).toContainText('You have seen the whole loop');
  await tour.finish.click();
  await expect(tour.card).toHaveCount(0);

  await app.reload();
  await expect(tour.card).toHaveCount(0);
  expectNoPageErrors(page);
});
