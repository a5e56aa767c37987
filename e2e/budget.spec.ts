import { strFromU8, unzipSync } from 'fflate';
import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('training budget', () => {
  test('a budget in steps stops training at it with a message, lives in the URL and the run zip', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, budget, exports, notices } = app;
    await app.open('?budgetUnit=steps&budget=25');
    await budget.open();
    await expect(budget.unit).toHaveValue('steps');
    await expect(budget.amount).toHaveValue('25');
    // Epochs beside steps: 60,000 images at batch 64 are 937 steps an epoch.
    await expect(status.epochCount).toHaveText('epoch 0.00');
    await expect(budget.progress).toHaveText('0 of 25 steps (0 %)');

    await controls.train.click();
    await expect(budget.stopped).toHaveText(
      'Stopped: the training budget of 25 steps is spent (step 25, 25 steps). Raise it or choose no budget to train on.',
      { timeout: 120_000 },
    );
    await expect(status.runStatus).toHaveText('paused');
    expect(await status.steps()).toBe(25);
    await expect(status.epochCount).toHaveText('epoch 0.03');
    await expect(budget.progress).toHaveText('25 of 25 steps (100 %)');
    await expect(notices.notice('Stopped: the training budget of 25 steps is spent')).toBeVisible();

    // Train again: refused, with the reason, until the budget is raised.
    await controls.train.click();
    await expect(
      notices.notice('The training budget of 25 steps is spent (25 steps)'),
    ).toBeVisible();
    await expect(status.runStatus).toHaveText('paused');
    await budget.amount.fill('40');
    await expect.poll(() => app.urlParam('budget')).toBe('40');
    expect(app.urlParam('budgetUnit')).toBe('steps');
    await controls.train.click();
    await expect(budget.stopped).toContainText('(step 40, 40 steps)', { timeout: 120_000 });
    expect(await status.steps()).toBe(40);

    // A bad amount is named and changes nothing.
    await budget.amount.fill('0');
    await expect(app.alerts).toContainText('Budget: a whole number from 1 to 10,000,000');
    expect(app.urlParam('budget')).toBe('40');
    await budget.amount.fill('40');
    await expect(app.alerts).toHaveCount(0);

    // The budget travels in the run zip.
    await exports.open();
    const { bytes } = await exports.download(exports.exportWeights, testInfo.outputPath('run.zip'));
    const manifest = JSON.parse(strFromU8(unzipSync(new Uint8Array(bytes))['manifest.json']!));
    expect(manifest.budget).toEqual({
      budgetUnit: 'steps',
      budget: 40,
      patience: 0,
      lrSchedule: 'constant',
    });
    expect(manifest.step).toBe(40);
    expectNoPageErrors(page);
  });

  test('auto-stop keeps the best test ELBO as a checkpoint and stops when it no longer improves', async ({
    app,
    page,
  }) => {
    // A trained model, then GAN-only training: the adversarial steps move the decoder away
    // from its likelihood optimum, so the test ELBO measured every 20 s gets no better.
    test.setTimeout(300_000);
    const { controls, status, budget, quality, objective, checkpoints, warmStart } = app;
    await app.open('?patience=2');
    await budget.open();
    await expect(budget.patience).toHaveValue('2');
    await quality.useSmallMeasurements();
    await warmStart.start.click();
    await expect(warmStart.record).toBeVisible({ timeout: 90_000 });
    const start = await status.steps();
    expect(start).toBeGreaterThan(1000);
    await budget.open();
    await expect(budget.autoStopState).toContainText(
      `at step ${start.toLocaleString('en-US')} (k = 50, 40 images, kept as a checkpoint)`,
      { timeout: 90_000 },
    );
    await checkpoints.open();
    await expect(checkpoints.best).toHaveCount(1);
    await expect(checkpoints.atStep(start)).toContainText('best test ELBO');

    await objective.open();
    await objective.ganOnly.check();
    await controls.train.click();
    await budget.open();
    await expect(budget.stopped).toContainText(
      `Auto-stop: the test ELBO has not improved for 2 measurements. The best`,
      { timeout: 200_000 },
    );
    await expect(budget.stopped).toContainText(`at step ${start.toLocaleString('en-US')}`);
    await expect(status.runStatus).toHaveText('paused');
    expect(await status.steps()).toBeGreaterThan(start);

    // The best comes back from the checkpoint list.
    await checkpoints.open();
    await checkpoints.restore(start).click();
    await expect.poll(() => status.steps()).toBe(start);
    expectNoPageErrors(page);
  });
});
