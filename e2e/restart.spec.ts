import { recordCase } from './case-times';
import { expect, expectNoPageErrors, test } from './fixtures';

/** A small model keeps this quick on the CPU; the restart does not depend on its size. */
const SMALL = 'hidden=64&batch=16';

test.describe('a restart settles what was waiting', () => {
  test('a save and an export cut off by a restart: both clear, and both work again after it', async ({
    app,
    testApi,
    page,
  }, testInfo) => {
    test.setTimeout(300_000);
    const { controls, status, crash, checkpoints, exports, notices } = app;
    await app.open(`?${SMALL}`);
    await controls.train.click();
    await status.waitForSteps(8);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const paused = await status.steps();
    // Pause keeps a checkpoint of this tab's run.
    await checkpoints.open();
    await expect(checkpoints.atStep(paused)).toBeVisible({ timeout: 60_000 });

    // The worker stops answering; a save and an export are asked of it meanwhile.
    await testApi.setHeartbeatTimeout(5000);
    await testApi.crashWorker('hang');
    await checkpoints.saveNow.click();
    await expect(checkpoints.saving).toBeVisible();
    await exports.open();
    await exports.exportWeights.click();
    await expect(exports.exporting).toBeVisible();
    await expect(crash.panel('not answering')).toContainText(/it has not answered for \d+ s/, {
      timeout: 60_000,
    });
    // Both still wait on the silent worker until it is restarted.
    await expect(exports.exporting).toBeVisible();
    await checkpoints.open();
    await expect(checkpoints.saving).toBeVisible();

    const t0 = Date.now();
    await crash.restartFromCheckpoint('not answering', paused).click();
    await expect(crash.panel('not answering')).toHaveCount(0);
    // The restart settled both calls: each says so, and each button is back.
    const unsaved = notices.notice(/^Checkpoint not saved: the training worker was restarted/);
    await expect(unsaved).toBeVisible();
    await expect(notices.notice(/^Export failed: the training worker was restarted/)).toBeVisible();
    await expect(checkpoints.saving).toHaveCount(0);
    await exports.open();
    await expect(exports.exporting).toHaveCount(0);
    const settledMs = Date.now() - t0;
    await expect(status.runStatus).toHaveText('paused', { timeout: 90_000 });
    expect(await status.steps()).toBe(paused);

    // Training goes on, and checkpoints and export work again.
    const t1 = Date.now();
    await controls.train.click();
    await status.waitForSteps(paused + 1);
    recordCase(
      testInfo,
      'a restart while a save and an export wait on a silent worker',
      { messageMs: settledMs, stepMs: Date.now() - t1, stepAfter: 'Train' },
      await notices.message(unsaved),
    );
    await status.waitForSteps(paused + 5);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const later = await status.steps();
    await checkpoints.open();
    await expect(checkpoints.atStep(later)).toBeVisible({ timeout: 60_000 });
    await expect(checkpoints.saveNow).toBeEnabled();
    await exports.open();
    const zip = await exports.download(exports.exportWeights, testInfo.outputPath('after.zip'));
    expect(zip.name).toMatch(new RegExp(`-step${later}\\.zip$`));
    expect(zip.bytes.subarray(0, 2).toString()).toBe('PK');
    await checkpoints.open();
    await checkpoints.saveNow.click();
    await expect(checkpoints.lastSaved).toContainText(`Last checkpoint: step ${later}`);
    expectNoPageErrors(page);
  });
});
