import type { Page } from '@playwright/test';
import { recordCase } from './case-times';
import { expect, expectNoPageErrors, test } from './fixtures';
import { Playground } from './pages/playground';
import { TestApi } from './test-api';

/** Small models keep two tabs quick on the CPU; seeds tell the two runs apart. */
const SMALL = 'hidden=64&batch=16';

/** Trains until at least `steps` more steps, pauses, and waits for the pause's checkpoint. */
async function trainAndPause(app: Playground, steps: number): Promise<number> {
  const { controls, status, checkpoints } = app;
  const from = await status.steps();
  await controls.train.click();
  await status.waitForSteps(from + steps);
  await controls.pause.click();
  await expect(status.runStatus).toHaveText('paused');
  const at = await status.steps();
  await checkpoints.open();
  await expect(checkpoints.atStep(at)).toBeVisible({ timeout: 60_000 });
  return at;
}

/** Uncaught errors of the tabs opened by `otherTab` (the fixtures record only the first). */
const otherTabErrors: string[] = [];

/** The playground in another tab of the same browser (same origin, same IndexedDB). */
async function otherTab(page: Page): Promise<Playground> {
  const tab = await page.context().newPage();
  tab.on('pageerror', (error) => otherTabErrors.push(error.stack ?? error.message));
  return new Playground(tab, new TestApi(tab));
}

test.describe('checkpoints belong to their tab', () => {
  test('two tabs: each prunes, restarts and resumes from its own run, and lists the other', async ({
    app,
    testApi,
    page,
  }, testInfo) => {
    test.setTimeout(420_000);
    await app.open(`?${SMALL}&seed=1`);
    // One checkpoint per run: pruning shows at once. The policy is shared by the tabs.
    await app.checkpoints.open();
    await app.checkpoints.keep.fill('1');
    const a1 = await trainAndPause(app, 5);

    const b = await otherTab(page);
    await b.open(`?${SMALL}&seed=2`);
    const b1 = await trainAndPause(b, 5);
    // Each tab sees the other's checkpoint as the other's.
    await expect(b.checkpoints.ownedBy('another tab')).toHaveCount(1);
    expect(await b.checkpoints.stepsOf('another tab')).toEqual([a1]);
    await expect(app.checkpoints.ownedBy('another tab')).toHaveCount(1);
    expect(await app.checkpoints.stepsOf('another tab')).toEqual([b1]);

    // A saves again: its older checkpoint goes, B's stays.
    const a2 = await trainAndPause(app, 5);
    await expect(app.checkpoints.atStep(a1)).toHaveCount(0);
    expect(await app.checkpoints.stepsOf('this tab')).toEqual([a2]);
    expect(await app.checkpoints.stepsOf('another tab')).toEqual([b1]);
    // B saves again, after A: B's is now the newest in the browser.
    const b2 = await trainAndPause(b, 5);
    await expect(app.checkpoints.ownedBy('another tab')).toHaveAttribute('data-step', String(b2));
    expect(await b.checkpoints.stepsOf('this tab')).toEqual([b2]);

    // A's worker dies: the restart offered is from A's run, not from B's newer checkpoint.
    await testApi.crashWorker('throw');
    await expect(app.crash.panel('stopped')).toContainText('it threw an uncaught error');
    await expect(app.crash.restartFromCheckpoint('stopped', a2)).toBeVisible();
    await expect(app.crash.restartFromCheckpoint('stopped', b2)).toHaveCount(0);
    const t0 = Date.now();
    await app.crash.restartFromCheckpoint('stopped', a2).click();
    await expect(app.status.runStatus).toHaveText('paused', { timeout: 90_000 });
    expect(await app.status.steps()).toBe(a2);
    recordCase(
      testInfo,
      "two tabs: A's crash restart from its own checkpoint, B's newer one left alone",
      { messageMs: Date.now() - t0 },
      `paused at A's step ${a2} (B's newest: step ${b2})`,
    );

    // A reload of A offers A's run; B's checkpoint is still there, untouched.
    await app.page.reload();
    await expect(app.checkpoints.resumeOffer).toContainText(
      `A checkpoint of the run in this tab is saved in this browser: step ${a2}`,
    );
    await app.waitReady();
    await app.checkpoints.open();
    expect(await app.checkpoints.stepsOf('another tab')).toEqual([b2]);
    expect(await b.checkpoints.stepsOf('this tab')).toEqual([b2]);

    // B's tab is closed: a new tab offers B's run, and resuming it continues that run there.
    await b.page.close();
    const c = await otherTab(page);
    await c.goto(`?${SMALL}`);
    await expect(c.checkpoints.resumeOffer).toContainText(
      `A checkpoint of a run in a tab that was closed is saved in this browser: step ${b2}`,
    );
    await c.waitReady();
    await c.checkpoints.resume(b2).click();
    await expect.poll(() => c.status.steps(), { timeout: 60_000 }).toBe(b2);
    await c.checkpoints.open();
    await expect(c.checkpoints.ownedBy('this tab')).toHaveAttribute('data-step', String(b2));
    expect(await c.checkpoints.stepsOf('another tab')).toEqual([a2]);
    expectNoPageErrors(page);
    expect(otherTabErrors, 'uncaught errors in the other tabs').toEqual([]);
  });

  test('a full store says so, and checkpoints save again once there is room', async ({
    app,
    page,
    baseURL,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, checkpoints, notices } = app;
    await app.open(`?${SMALL}`);
    await controls.train.click();
    await status.waitForSteps(5);
    // The browser's storage for this site shrinks to 100 kB: a checkpoint (about 2 MB) cannot fit.
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(baseURL!).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 100_000 });
    const t0 = Date.now();
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const full = notices.notice(
      /^Checkpoint not saved: the browser's storage for this page is full/,
    );
    await expect(full).toBeVisible({ timeout: 60_000 });
    recordCase(
      testInfo,
      'a full store: Pause, whose checkpoint cannot be written',
      { messageMs: Date.now() - t0 },
      await notices.message(full),
    );
    await expect(notices.notice(/Delete old checkpoints/)).toBeVisible();
    await checkpoints.open();
    await expect(checkpoints.items).toHaveCount(0);
    // Room again: the same button saves.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    const step = await status.steps();
    await checkpoints.saveNow.click();
    await expect(checkpoints.atStep(step)).toBeVisible({ timeout: 60_000 });
    expectNoPageErrors(page);
  });
});
