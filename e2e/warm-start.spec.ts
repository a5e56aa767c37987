import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('warm start', () => {
  test('a trained model is fetched only when asked for, shows good samples at once and trains on', async ({
    app,
    page,
  }) => {
    test.setTimeout(240_000);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const { controls, status, warmStart, quality, pictures, notices } = app;
    await app.open();
    await quality.useSmallMeasurements();
    // The first visit does not fetch it.
    expect(requests.filter((p) => p.includes('/pretrained/'))).toEqual([]);

    await warmStart.start.click();
    await expect(
      notices.notice(/Restored the trained MNIST model \([\d.]+ MB\): step/),
    ).toBeVisible({ timeout: 90_000 });
    await expect(warmStart.record).toContainText('steps (20 epochs');
    await expect(warmStart.record).toContainText('by scripts/train-pretrained.ts');
    const start = await status.steps();
    expect(start).toBe(18_740);
    await expect(status.epochCount).toHaveText('epoch 20.00');
    await expect(status.runStatus).toHaveText('paused');
    await pictures.open();
    await expect(pictures.canvas('Prior samples')).toHaveAttribute('data-step', String(start));
    const fetched = requests.filter((p) => p.includes('/pretrained/'));
    expect(fetched).toEqual(['/pretrained/manifest.json', '/pretrained/mnist.safetensors']);

    // Good samples at once: the quality panel measures the loaded model.
    await quality.open();
    await expect(quality.run('main')).toHaveAttribute('data-step', String(start), {
      timeout: 90_000,
    });
    // A model at step 0 scores above 400 here; the trained one well below.
    expect(await quality.value('main', 'fcd')).toBeLessThan(150);
    expect(await quality.value('main', 'elbo')).toBeGreaterThan(-120);
    await expect(quality.figure('main', 'coverage')).toHaveText('10 of 10');

    // Training continues from it.
    await controls.train.click();
    await status.waitForSteps(start + 10, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    expectNoPageErrors(page);
  });
});
