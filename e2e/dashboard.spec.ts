// The dashboard (issue 18): the first screen at 1366 x 768, one column on a phone, the tabs and
// their place in the URL, classroom links that hide parts, the Train/Pause toggle and Space,
// toggletips, the live region of the messages, the light and dark themes, and the tour.
import { LIVE_SETTINGS } from '../src/shared/settings';
import { expect, expectNoPageErrors, test } from './fixtures';
import type { ChartId } from './pages/curves';
import type { TabName } from './pages/tabs';

const CHARTS: ChartId[] = [
  'chart-vae',
  'chart-gan',
  'chart-d',
  'chart-gate',
  'chart-speed',
  'chart-norms',
];

test.describe('a laptop screen, 1366 x 768', () => {
  test.use({ viewport: { width: 1366, height: 768 } });

  test('after Train, the run control, β, γ, the live curves and the pictures are all on the first screen', async ({
    app,
    page,
  }) => {
    const { controls, status, hyperparams, curves, pictures, tour } = app;
    await app.open();
    // A first visit: the tour is there too, and takes its room.
    await expect(tour.card).toBeVisible();
    // On wasm the status line names the peak before training (its place is kept from the start).
    if ((await status.backendName.textContent()) === 'wasm') {
      await expect(status.gflops).toContainText(/of [\d.]+ GFLOP\/s/);
    }
    const before = await pictures.canvas('Prior samples').boundingBox();
    await controls.train.click();
    await status.waitForSteps(20);
    await expect(tour.card).toContainText('The curves');
    await expect.poll(() => curves.chartPoints('chart-vae')).toBeGreaterThan(3);
    // Train moves nothing: the tour's next step and the status line's speeds take the room
    // they had (every view below had shrunk by 40 px in the first frame of training).
    const after = await pictures.canvas('Prior samples').boundingBox();
    expect(after).toEqual(before);

    // Nothing scrolls, and everything that matters is wholly in the window.
    expect(await app.overflow()).toEqual({ x: 0, y: 0 });
    const onScreen = [
      controls.pause,
      controls.step,
      controls.reset,
      hyperparams.slider('KL weight'),
      hyperparams.slider('Adversarial weight'),
      hyperparams.inForce('KL weight'),
      hyperparams.inForce('Adversarial weight'),
      pictures.canvas('Reconstructions'),
      pictures.canvas('Prior samples'),
      curves.pointsLabel,
      ...CHARTS.map((id) => curves.chart(id)),
    ];
    for (const part of onScreen) await expect(part).toBeInViewport({ ratio: 1 });
    // The curves are live on this screen: their numbers move as the run goes on.
    const first = await (await curves.latest('chart-vae')).textContent();
    await status.waitForSteps((await status.steps()) + 10);
    await expect.poll(async () => (await curves.latest('chart-vae')).textContent()).not.toBe(first);
    // Pictures large enough to read a digit (8 cells of 28 px across at least 170 px).
    const box = (await pictures.canvas('Prior samples').boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(170);
    // The other views are one click away.
    await expect(app.tabs.all).toHaveCount(8);
    for (const tab of await app.tabs.all.all()) await expect(tab).toBeInViewport({ ratio: 1 });
    await controls.pause.click();
    expectNoPageErrors(page);
  });

  test('each view is one click away, the URL keeps it, and a shared link opens it', async ({
    app,
    page,
  }) => {
    const { tabs } = app;
    await app.open();
    const views: [TabName, string | null, () => Promise<void>][] = [
      ['Latent space', 'explorer', () => expect(app.explorer.pad).toBeVisible()],
      ['Quality', 'quality', () => expect(app.quality.measureNow).toBeVisible()],
      ['Objective', 'objective', () => expect(app.formulas.rendered).toHaveCount(4)],
      ['Checkpoints', 'checkpoints', () => expect(app.checkpoints.saveNow).toBeVisible()],
      ['Your images', 'images', () => expect(app.userImages.dropZone).toBeVisible()],
      ['Save and share', 'share', () => expect(app.exports.exportWeights).toBeVisible()],
      ['Model and data', 'model', () => expect(app.runSettings.apply).toBeVisible()],
      ['Training', null, () => expect(app.pictures.canvas('Prior samples')).toBeVisible()],
    ];
    for (const [name, id, shown] of views) {
      await tabs.tab(name).click();
      await expect(tabs.tab(name)).toHaveAttribute('aria-selected', 'true');
      await shown();
      expect(app.urlParam('tab')).toBe(id);
      // The run's settings stay in the link beside the view.
      expect(app.urlParam('beta')).toBe('1');
    }
    // The arrow keys move between tabs (one tab stop for the bar).
    await tabs.tab('Training').focus();
    await page.keyboard.press('ArrowRight');
    await expect(tabs.tab('Latent space')).toBeFocused();
    await expect(tabs.tab('Latent space')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('End');
    await expect(tabs.tab('Model and data')).toHaveAttribute('aria-selected', 'true');

    // A shared link opens its view; an unknown one is named and the training view opens.
    await app.open('?tab=quality');
    await expect(tabs.tab('Quality')).toHaveAttribute('aria-selected', 'true');
    await expect(app.quality.measureNow).toBeVisible();
    await app.open('?tab=nowhere');
    await expect(app.notices.notice('Ignored tab=nowhere')).toBeVisible();
    await expect(tabs.tab('Training')).toHaveAttribute('aria-selected', 'true');
    expect(app.urlParam('tab')).toBeNull();
    expectNoPageErrors(page);
  });
});

test.describe('a phone, 390 x 844', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('one column that never scrolls sideways, in every view', async ({ app, page }) => {
    const { controls, status, tabs, curves } = app;
    await app.open();
    await controls.train.click();
    await status.waitForSteps(5);
    // The tour brings the curves it talks about into view.
    await expect(app.tour.card).toContainText('The curves');
    await expect(curves.section).toBeInViewport();
    expect((await app.overflow()).x).toBe(0);
    // One column: the controls above the views, both as wide as the screen allows.
    const sidebar = (await page.getByRole('complementary').boundingBox())!;
    const views = (await tabs.all.first().boundingBox())!;
    expect(sidebar.y + sidebar.height).toBeLessThanOrEqual(views.y);
    expect(sidebar.x).toBeGreaterThanOrEqual(0);
    expect(sidebar.x + sidebar.width).toBeLessThanOrEqual(390);
    for (const tab of await tabs.all.all()) {
      await tab.tap();
      await expect(tab).toHaveAttribute('aria-selected', 'true');
      expect((await app.overflow()).x, (await tab.textContent()) ?? '').toBe(0);
    }
    // Help opens on a tap.
    const help = app.help.tip('What is KL weight?');
    await help.button.tap();
    await expect(help.text).toHaveText(LIVE_SETTINGS.beta.help);
    expect((await app.overflow()).x).toBe(0);
    await controls.pause.tap();
    expectNoPageErrors(page);
  });
});

test.describe('keyboard, help and messages', () => {
  test('Train and Pause are one toggle that keeps focus; Space toggles it, except in a field', async ({
    app,
    page,
  }) => {
    const { controls, status } = app;
    await app.open();
    await controls.train.focus();
    await page.keyboard.press('Enter');
    await expect(status.runStatus).toHaveText('training');
    // The same button, now named for what it does next, still has the focus.
    await expect(controls.pause).toBeFocused();
    await expect(controls.train).toHaveCount(0);
    await page.keyboard.press('Space');
    await expect(status.runStatus).toHaveText('paused');
    await expect(controls.train).toBeFocused();

    // Space anywhere on the page (not on a control) toggles too...
    await page.getByRole('heading', { name: 'Loss weights (live)' }).click();
    await page.keyboard.press('Space');
    await expect(status.runStatus).toHaveText('training');
    await page.keyboard.press('Space');
    await expect(status.runStatus).toHaveText('paused');
    const paused = await status.steps();
    // ...but in a field it types, and training stays as it was.
    await app.runSettings.open();
    await app.runSettings.seed.click();
    await page.keyboard.press('Space');
    await page.waitForTimeout(500);
    await expect(status.runStatus).toHaveText('paused');
    expect(await status.steps()).toBe(paused);
    expectNoPageErrors(page);
  });

  test('help opens on keyboard focus and closes on Escape; the settings have no title tooltips', async ({
    app,
    page,
  }) => {
    await app.open();
    const beta = app.help.tip('What is KL weight?');
    await expect(beta.text).toHaveText('');
    await beta.button.focus();
    await expect(beta.text).toHaveText(LIVE_SETTINGS.beta.help);
    await expect(beta.text).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(beta.text).toHaveText('');
    // Tabbing on from a setting reaches its help.
    await app.hyperparams.adversarialLoss.focus();
    await page.keyboard.press('Tab');
    await expect(app.help.tip('What is Adversarial loss?').text).toHaveText(
      LIVE_SETTINGS.adversarialForm.help,
    );
    await app.runSettings.open();
    const batch = app.help.tip('What is Batch size?');
    await batch.button.focus();
    await expect(batch.text).toContainText('Images per training step');
    // Help lives in toggletips, not in title attributes (which keyboards and touch never see).
    await expect(page.locator('[role="complementary"] [title], #panel-model [title]')).toHaveCount(
      0,
    );
    expectNoPageErrors(page);
  });

  test('messages go into a live region that is there from the start', async ({ app, page }) => {
    await app.open();
    await expect(app.help.messages).toBeAttached();
    await expect(app.help.messages).toBeEmpty();
    await app.open('?beta=abc&hide=nothing');
    await expect(app.help.messages).toContainText('Ignored beta=abc: not a number.');
    await expect(app.help.messages).toContainText('Ignored hide=nothing');
    expectNoPageErrors(page);
  });

  test('the theme follows the system: light or dark', async ({ app, page }) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await app.open();
    const background = () =>
      page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(241, 245, 249)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(11, 17, 32)');
    expectNoPageErrors(page);
  });
});

test.describe('classroom links', () => {
  test('?hide= leaves out the named views and controls, and the tour steps that need them', async ({
    app,
    page,
  }) => {
    const { tabs, hyperparams, controls } = app;
    await app.open('?hide=explorer,quality,lr,gamma,step');
    await expect(tabs.all).toHaveCount(6);
    await expect(tabs.tab('Latent space')).toHaveCount(0);
    await expect(tabs.tab('Quality')).toHaveCount(0);
    for (const name of ['VAE learning rate', 'Adversarial weight'] as const) {
      await expect(hyperparams.slider(name)).toBeHidden();
    }
    await expect(hyperparams.slider('KL weight')).toBeVisible();
    await expect(controls.step).toBeHidden();
    await expect(controls.reset).toBeVisible();
    // The link keeps what it hides; a hidden view cannot be opened by tab= either.
    expect(app.urlParam('hide')).toBe('explorer,quality,lr,gamma,step');
    await app.open('?hide=explorer&tab=explorer');
    await expect(app.notices.notice('Ignored tab=explorer: the link also hides it.')).toBeVisible();
    await expect(tabs.tab('Training')).toHaveAttribute('aria-selected', 'true');

    // The tour skips the γ step when γ is hidden, and the whole tour can be hidden.
    await app.open('?hide=gamma');
    await expect(app.tour.card).toContainText('1 of 5');
    await app.open('?hide=tour');
    await expect(app.tour.card).toHaveCount(0);
    expectNoPageErrors(page);
  });
});

test('the tour opens the view of what it describes', async ({ app, page }) => {
  const { controls, status, tabs, tour, curves } = app;
  // A link that opens on another view: the tour's second step needs the curves.
  await app.open('?tab=quality');
  await expect(tabs.tab('Quality')).toHaveAttribute('aria-selected', 'true');
  await controls.train.click();
  await status.waitForSteps(3);
  await expect(tour.card).toContainText('The curves');
  await expect(tabs.tab('Training')).toHaveAttribute('aria-selected', 'true');
  await expect(curves.section).toBeInViewport();
  await expect(tour.target('curves')).toHaveClass(/tour-target/);
  // A user who opens another view during a step is left there.
  await tabs.open('Checkpoints');
  await tour.next.click();
  await expect(tour.card).toContainText('Reconstructions');
  await expect(tabs.tab('Checkpoints')).toHaveAttribute('aria-selected', 'true');
  await controls.pause.click();
  expectNoPageErrors(page);
});
