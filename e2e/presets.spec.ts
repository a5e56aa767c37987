import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('presets', () => {
  test('a preset sets the model, the live weights and the budget, says so, and trains with them', async ({
    app,
    page,
  }) => {
    test.setTimeout(240_000);
    const { runSettings, hyperparams, budget, controls, notices, status } = app;
    await app.open();
    await runSettings.open();

    // Sharp samples: the default networks, γ = 0.5, D and G at 0.0005, no budget.
    await runSettings.preset('Sharp samples (VAEGAN)').click();
    await expect(notices.notice('Preset "Sharp samples (VAEGAN)"')).toBeVisible();
    await expect.poll(() => app.urlParam('gamma')).toBe('0.5');
    expect(app.urlParam('lrD')).toBe('0.0005');
    expect(app.urlParam('lrG')).toBe('0.0005');
    expect(app.urlParam('hidden')).toBe('512');
    expect(app.urlParam('batch')).toBe('64');
    await expect(budget.unit).toHaveValue('off');
    await controls.train.click();
    await expect.poll(() => status.steps(), { timeout: 120_000 }).toBeGreaterThan(5);
    await expect(hyperparams.inForce('Adversarial weight')).toContainText('in force: 0.5 ');
    await expect(hyperparams.inForce('Discriminator learning rate')).toContainText(
      'in force: 5.0e-4 ',
    );
    await expect(hyperparams.inForce('Generator learning rate')).toContainText('in force: 5.0e-4 ');
    await controls.pause.click();

    // Best likelihood: a new, wider model at batch 128, a plain VAE of phase 1 alone on
    // binarised batches, Adam at 0.002 on a cosine over a 30-minute budget.
    await runSettings.preset('Best likelihood (30 min)').click();
    await expect(notices.notice('Preset "Best likelihood (30 min)"')).toBeVisible();
    await expect(runSettings.batchSize).toHaveValue('128', { timeout: 120_000 });
    await expect(runSettings.hiddenUnits).toHaveValue('1024');
    await expect(runSettings.latentSize).toHaveValue('32');
    await expect.poll(() => app.urlParam('batch'), { timeout: 120_000 }).toBe('128');
    expect(app.urlParam('gamma')).toBe('0');
    expect(app.urlParam('lrVae')).toBe('0.002');
    expect(app.urlParam('watch')).toBe('0');
    expect(app.urlParam('bin')).toBe('1');
    await expect(budget.unit).toHaveValue('minutes');
    await expect(budget.amount).toHaveValue('30');
    await expect(budget.schedule).toHaveValue('cosine');
    expectNoPageErrors(page);
  });
});
