import { expect, expectNoPageErrors, test } from './fixtures';
import { maxDiff } from './pages/explorer';
import type { StrokePoints } from './pages/drawing-pad';

/** A "7": a bar across the top and a stroke down to the bottom left. */
const SEVEN: StrokePoints = [
  [0.25, 0.2],
  [0.75, 0.2],
  [0.65, 0.45],
  [0.45, 0.85],
];
/** A "1": one stroke down the middle. */
const ONE: StrokePoints = [
  [0.52, 0.15],
  [0.5, 0.5],
  [0.48, 0.85],
];

test.describe('see inside the model', () => {
  // Trainer, explorer and quality workers on two shared cores.
  test.setTimeout(300_000);

  test('a drawing is encoded, reconstructed, marked on the pad and the scatter, and can be an end of the interpolation', async ({
    app,
    page,
  }) => {
    const { controls, status, explorer, drawing } = app;
    await app.open();
    await controls.train.click();
    await status.waitForSteps(20, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const step = await status.steps();
    await explorer.open();
    await explorer.waitSettled(step);

    await expect(drawing.clear).toBeDisabled();
    await drawing.drawWithMouse(SEVEN);
    // What the encoder reads, as MNIST has it: the longer side about 20 pixels, the centre of
    // mass in the middle.
    await expect(drawing.recon).toHaveAttribute('data-step', String(step));
    const input = await drawing.grey(drawing.input);
    expect(input).toHaveLength(28 * 28);
    expect(Math.max(...input)).toBe(255);
    const inked = input.flatMap((v, i) => (v > 127 ? [[i % 28, Math.floor(i / 28)]] : []));
    const span = (k: 0 | 1) =>
      Math.max(...inked.map((p) => p[k]!)) - Math.min(...inked.map((p) => p[k]!)) + 1;
    expect(Math.max(span(0), span(1))).toBeGreaterThanOrEqual(19);
    expect(Math.max(span(0), span(1))).toBeLessThanOrEqual(23);
    const mass = input.reduce((a, b) => a + b, 0);
    const cx = input.reduce((a, v, i) => a + v * ((i % 28) + 0.5), 0) / mass;
    const cy = input.reduce((a, v, i) => a + v * (Math.floor(i / 28) + 0.5), 0) / mass;
    expect(Math.abs(cx - 14)).toBeLessThan(0.6);
    expect(Math.abs(cy - 14)).toBeLessThan(0.6);
    const recon = await drawing.grey(drawing.recon);
    expect(Math.max(...recon) - Math.min(...recon)).toBeGreaterThan(50);
    // Its code: mu and sigma for each of the 16 dimensions.
    await expect(drawing.code.locator('tbody tr')).toHaveCount(16);
    const mu = await drawing.mu();
    expect(mu.every(Number.isFinite)).toBe(true);
    await expect(drawing.caption).toContainText(`weights of step ${step}`);
    // Marked where it lies on the plane, on the pad and on the scatter alike.
    await expect(explorer.drawingOnPad).toBeAttached();
    await expect(explorer.drawingOnScatter).toBeAttached();
    const onPad = await explorer.drawingOnPad.getAttribute('data-x');
    expect(await explorer.drawingOnScatter.getAttribute('data-x')).toBe(onPad);
    // The handle can go there.
    await drawing.moveHandle.click();
    await expect
      .poll(async () => Math.abs((await explorer.handle()).x - Number(onPad)))
      .toBeLessThan(1e-3);

    // End A of the interpolation: the strip starts at the drawing's reconstruction.
    await drawing.useAsEnd('A').click();
    await expect(explorer.endCaption('A')).toContainText('your drawing');
    await expect
      .poll(async () => maxDiff(await explorer.stripCell(0), recon))
      .toBeLessThanOrEqual(1);

    // A pen and a finger draw too: a second stroke changes the drawing and its code.
    await drawing.drawWith('pen', ONE);
    await expect
      .poll(async () => maxDiff(await drawing.grey(drawing.input), input))
      .toBeGreaterThan(50);
    await expect.poll(async () => maxDiff(await drawing.mu(), mu)).toBeGreaterThan(0);
    const withPen = await drawing.grey(drawing.input);
    await drawing.drawWith('touch', [
      [0.2, 0.6],
      [0.8, 0.6],
    ]);
    await expect
      .poll(async () => maxDiff(await drawing.grey(drawing.input), withPen))
      .toBeGreaterThan(50);

    // Clear: the pad is blank, the marks go, and end A is a test image again.
    await drawing.clear.click();
    await expect(drawing.canvas).toHaveAttribute('data-strokes', 'blank');
    await expect(drawing.code).toHaveCount(0);
    await expect(explorer.drawingOnPad).toHaveCount(0);
    await expect(explorer.endCaption('A')).toContainText('test image #0');
    expectNoPageErrors(page);
  });

  test("D's map over the pad, traversals, and D's score under each sample", async ({
    app,
    page,
  }) => {
    const { controls, status, explorer, traversals, pictures, drawing } = app;
    await app.open();
    await controls.train.click();
    await status.waitForSteps(20, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const step = await status.steps();

    // D's score under each of the 64 samples, probabilities.
    const scores = await pictures.scores();
    expect(scores).toHaveLength(64);
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);

    await explorer.open();
    await explorer.waitSettled(step);
    // Before: only the scatter's faint class-coloured dots.
    const without = await explorer.padHeatShare();
    expect(without).toBeLessThan(0.2);
    await explorer.showDMap.check();
    await expect(explorer.pad).toHaveAttribute('data-dmap-step', String(step));
    await expect(explorer.dMapLegend).toContainText(`weights of step ${step}`);
    expect(await explorer.padHeatShare()).toBeGreaterThan(0.5);
    await expect(explorer.padReadout).toContainText(/D\(Dec\(z\)\) ≈ 0\.\d\d here/);
    await explorer.showDMap.uncheck();
    await expect(explorer.dMapLegend).toHaveCount(0);
    await expect.poll(() => explorer.padHeatShare()).toBeCloseTo(without, 3);

    // Traversals: one row per latent dimension, largest KL first, 7 decodings from -3σ to +3σ.
    await traversals.image.scrollIntoViewIfNeeded();
    await expect(traversals.image).toHaveAttribute('data-step', String(step));
    await expect(traversals.image).toHaveAttribute('data-cols', '7');
    await expect(traversals.rows).toHaveCount(16);
    await expect(traversals.rows.first()).toContainText(/^z\d+ · σ [\d.]+ · KL [\d.]+$/);
    const kls = (await traversals.rows.allTextContents()).map((t) =>
      Number(/KL ([\d.]+)/.exec(t)![1]),
    );
    expect(kls).toEqual([...kls].sort((a, b) => b - a));
    // The most informative row changes from one end to the other.
    expect(maxDiff(await traversals.cell(0, 0), await traversals.cell(0, 6))).toBeGreaterThan(30);
    await traversals.steps.fill('9');
    await expect(traversals.image).toHaveAttribute('data-cols', '9');
    await traversals.mode.selectOption('pca');
    await expect(traversals.rows).toHaveCount(8);
    await expect(traversals.rows.first()).toContainText(/^PC1 · σ [\d.]+ · \d+% of the variance$/);
    await expect(traversals.caption).toContainText('around the origin');
    // Bad input is named; the last good value stays.
    await traversals.steps.fill('40');
    await expect(app.alert('Traversal steps: a whole number from 3 to 15')).toBeVisible();
    await expect(traversals.image).toHaveAttribute('data-cols', '9');
    // Around the drawing, once there is one.
    await expect(traversals.around.locator('option[value="drawing"]')).toBeDisabled();
    await drawing.drawWithMouse(ONE);
    await expect(drawing.recon).toHaveAttribute('data-step', String(step));
    await drawing.traverseAround.click();
    await expect(traversals.around).toHaveValue('drawing');
    await expect(traversals.caption).toContainText("around the drawing's code");
    expectNoPageErrors(page);
  });

  test('posterior collapse: KL per dimension, active units over training, warm-up and free bits', async ({
    app,
    page,
  }) => {
    const { controls, status, posterior, hyperparams, formulas, curves } = app;
    await app.open('?klWarmup=500&freeBits=0.5');
    // The options sit beside the formulas, in the Objective tab.
    await formulas.open();
    await expect(hyperparams.klWarmup).toHaveValue('500');
    await expect(hyperparams.slider('Free bits')).toHaveAttribute('aria-valuetext', '0.5');
    await expect(hyperparams.klWarmupInForce).toContainText('in force: N = 500');
    // The formulas follow: the warmed-up beta, and the free-bits sum with lambda.
    await formulas.open();
    const total = formulas.renderedFormula('total');
    await expect(total).toContainText(/min\(1,t\/N\)=0\.002/);
    await expect(total).toContainText(/N\s*=\s*500/);
    await expect(formulas.formula('total')).toContainText('max');
    await expect(formulas.formula('total')).toContainText('λ');

    await posterior.view();
    await controls.train.click();
    await status.waitForSteps(40, 120_000);
    // Two measurements at least, while training.
    await expect
      .poll(async () => Number(await posterior.activeChart.getAttribute('data-points')), {
        timeout: 120_000,
      })
      .toBeGreaterThanOrEqual(2);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const step = await status.steps();
    await expect(posterior.status).toHaveText(`weights of step ${step}`, { timeout: 60_000 });
    await expect(posterior.klChart).toHaveAttribute('data-bars', '16');
    const { active, of } = await posterior.activeUnits();
    expect(of).toBe(16);
    expect(active).toBeGreaterThanOrEqual(0);
    expect(active).toBeLessThanOrEqual(16);
    await expect(posterior.dimensions).toHaveCount(16);
    const kls = await posterior.kls();
    expect(kls).toEqual([...kls].sort((a, b) => b - a));
    await expect(posterior.dimensions.filter({ hasText: '(inactive)' })).toHaveCount(16 - active);

    // The norms chart: weights and gradients of each network at every report.
    await curves.view();
    await expect.poll(() => curves.chartPoints('chart-norms')).toBeGreaterThan(2);
    await expect(await curves.latest('chart-norms')).toContainText(/‖W‖ encoder \d/);
    await expect(await curves.latest('chart-norms')).toContainText(/‖∇‖ D \d/);

    // The options reach the URL; bad input is named and not sent.
    await formulas.open();
    await hyperparams.klWarmup.fill('0');
    await expect.poll(() => app.urlParam('klWarmup')).toBe('0');
    await expect(hyperparams.klWarmupInForce).toContainText('in force: off');
    await formulas.open();
    await expect(formulas.renderedFormula('total')).not.toContainText('min(1,t/N)');
    await hyperparams.klWarmup.fill('2.5');
    await expect(app.alert('KL warm-up steps: a whole number from 0 to 100000')).toBeVisible();
    expect(app.urlParam('klWarmup')).toBe('0');
    await hyperparams.slider('Free bits').fill('0');
    await expect.poll(() => app.urlParam('freeBits')).toBe('0');
    expectNoPageErrors(page);
  });

  test('precision, recall, density and coverage beside FCD; a class of the histogram shows its samples; the memorisation check', async ({
    app,
    page,
  }) => {
    const { controls, status, quality } = app;
    await app.open();
    await quality.useSmallMeasurements();
    await controls.train.click();
    await status.waitForSteps(10, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const paused = await status.steps();
    await expect(quality.measureNow).toBeEnabled({ timeout: 60_000 });
    await quality.measureNow.click();
    await expect(quality.run('main')).toHaveAttribute('data-step', String(paused), {
      timeout: 120_000,
    });
    for (const measure of ['precision', 'recall', 'knn-coverage'] as const) {
      const v = await quality.value('main', measure);
      expect(v >= 0 && v <= 1).toBe(true);
    }
    expect(await quality.value('main', 'density')).toBeGreaterThanOrEqual(0);
    await expect(quality.method).toContainText('k = 3 nearest neighbours');
    await expect.poll(() => quality.manifoldChart.getAttribute('data-points')).not.toBe('0');

    // Click the fullest class: its samples, as many as the bar counts (up to 48 shown).
    const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const counts = await Promise.all(classes.map((c) => quality.classCount(c)));
    const fullest = classes[counts.indexOf(Math.max(...counts))]!;
    const count = Math.max(...counts);
    await quality.classBar(fullest).click();
    await expect(quality.classSamples('main', fullest)).toBeVisible();
    await expect(quality.classSamplesCaption('main')).toContainText(
      `${count} of 200 prior samples at step ${paused} were classified as ${fullest}`,
    );
    await expect(quality.classBar(fullest)).toHaveAttribute('aria-pressed', 'true');
    await quality.classBar(fullest).click();
    await expect(quality.classSamples('main', fullest)).toHaveCount(0);

    // The memorisation check: 8 samples beside their nearest training images.
    await quality.memorisationCount.fill('1');
    await expect(app.alert('Samples to check: a whole number from 4 to 256')).toBeVisible();
    await quality.memorisationCount.fill('8');
    await quality.findNearest.click();
    await expect(quality.memorisationSummary).toContainText(`8 prior samples at step ${paused}`, {
      timeout: 120_000,
    });
    await expect(quality.memorisationSummary).toContainText(
      /Median distance: samples [\d.]+, held-out test images [\d.]+/,
    );
    await expect(quality.memorisationPairs).toHaveAttribute('data-cols', '16');
    expectNoPageErrors(page);
  });
});
