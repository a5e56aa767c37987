// Issue 5's model options in the production build: the feature reconstruction loss and the other
// objective switches while training, the conv architecture on wasm (the automatic choice: the app
// adds the conv filter gradient tfjs-backend-wasm lacks), on WebGPU (SwiftShader: a few steps
// only) and on WebGL, and the message on a backend without conv kernels (?conv=tfjs).
import { expect, expectNoPageErrors, test } from './fixtures';

test.describe('objective switches', () => {
  test('switching to the feature loss trains; gate, two-batch D and GAN only act live', async ({
    app,
    page,
  }) => {
    test.setTimeout(300_000);
    const { controls, status, objective, formulas, curves } = app;
    await app.open('?backend=wasm');
    await objective.open();
    await expect(objective.modelMode).toContainText('VAEGAN');

    await objective.reconstructionLoss.selectOption('feature');
    // The formulas follow at once: phase 1 trains the feature distance of D's hidden layer.
    await expect(formulas.formula('elbo')).toContainText('trained');
    await expect(formulas.formula('elbo')).toContainText('Dis');
    await controls.train.click();
    await status.waitForSteps(8, 120_000);
    // The Dis_l distance curve appears (it is not computed under `pixel`), and is a number.
    await expect(await curves.latest('chart-vae')).toContainText(/Dis_l distance \d/);
    await expect
      .poll(async () => {
        const text = (await (await curves.latest('chart-vae')).textContent()) ?? '';
        return Number(/L_rec \(pixel NLL\) ([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
      })
      .toBeLessThan(600);

    // Drop the reconstruction batch: the discriminator's formula changes with it.
    await objective.open();
    await objective.reconstructionsInD.uncheck();
    await expect(formulas.formula('discriminator')).toContainText('reconstructions left out');
    // The gate: its chart reports skip fractions in [0, 1].
    await objective.equilibriumGate.check();
    const at = await status.steps();
    await status.waitForSteps(at + 5, 120_000);
    await curves.open();
    await expect(curves.chart('chart-gate')).toBeVisible();
    await expect(await curves.latest('chart-gate')).toContainText(/D skipped [01]\.\d{3}/);

    // Plain GAN, then plain VAE, as one-click special cases.
    await objective.open();
    await objective.specialCase('Plain GAN').click();
    await expect(objective.ganOnly).toBeChecked();
    await expect(objective.modelMode).toContainText('plain GAN');
    await expect(formulas.formula('total')).toContainText('GAN only');
    await objective.specialCase('Plain VAE').click();
    await expect(objective.ganOnly).not.toBeChecked();
    await expect(objective.modelMode).toContainText('plain VAE');
    await expect(app.hyperparams.slider('Adversarial weight')).toHaveAttribute(
      'aria-valuetext',
      /^0\b/,
    );
    const later = await status.steps();
    await status.waitForSteps(later + 3, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    // Every switch went into the link.
    expect(page.url()).toMatch(/rec=feature/);
    expect(page.url()).toMatch(/dBatches=2/);
    expect(page.url()).toMatch(/gate=1/);
    expectNoPageErrors(page);
  });
});

test.describe('a plain VAE without its watching D', () => {
  test('trains phase 1 alone: D stands still and its curves pause, and it goes back to all phases', async ({
    app,
    page,
  }) => {
    test.setTimeout(240_000);
    const { controls, status, objective, curves } = app;
    await app.open('?backend=wasm');
    await objective.open();
    await objective.specialCase('Plain VAE').click();
    await expect(objective.dWatches).toBeChecked();
    await expect(objective.modelMode).toContainText('D only watches');
    // The worker has confirmed γ = 0 before the next switch changes.
    await expect(app.hyperparams.inForce('Adversarial weight')).toContainText('in force: 0 ');
    await objective.dWatches.uncheck();
    await expect(objective.modelMode).toContainText('phase 1 alone; D does not train');
    await expect(page).toHaveURL(/watch=0/);
    await controls.train.click();
    await status.waitForSteps(20, 120_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    // The VAE's curve has numbers; D's figures were not computed.
    await curves.open();
    await expect(await curves.latest('chart-vae')).toContainText(/L_rec \(pixel NLL\) \d/);
    await expect(await curves.latest('chart-gan')).toContainText('L_D —');
    await expect(await curves.latest('chart-d')).toContainText('D(x) —');
    // No divergence was reported for those missing figures.
    await expect(app.notices.notice(/became NaN or infinite/)).toHaveCount(0);
    // D watching again, on dynamically binarised batches: D's curves come back with numbers.
    await objective.open();
    await objective.dWatches.check();
    await objective.binarize.check();
    await expect(page).toHaveURL(/bin=1/);
    await expect(objective.modelMode).toContainText('D only watches');
    const at = await status.steps();
    await controls.train.click();
    await status.waitForSteps(at + 20, 120_000);
    await controls.pause.click();
    await curves.open();
    await expect(await curves.latest('chart-gan')).toContainText(/L_D \d/);
    expectNoPageErrors(page);
  });
});

test.describe('conv architecture', () => {
  test('the automatic backend lands conv on wasm, and it trains there', async ({ app, page }) => {
    test.setTimeout(480_000);
    const { controls, status, pictures, explorer } = app;
    await app.open('?arch=conv&batch=16', 180_000);
    await expect(status.backendName).toHaveText('wasm');
    await expect(app.runSettings.convBackendMessage).toHaveCount(0);
    await expect(app.runSettings.architecture).toHaveValue('conv');
    const before = await pictures.stats('Prior samples');
    await controls.train.click();
    await status.waitForSteps(2, 240_000);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    await expect
      .poll(async () => (await pictures.stats('Prior samples')).checksum)
      .not.toBe(before.checksum);
    expect((await pictures.stats('Reconstructions')).variance).toBeGreaterThan(0);
    await expect(await app.curves.latest('chart-vae')).toContainText(/L_rec \(pixel NLL\) \d/);
    // The latent pad decodes the conv decoder in the explorer worker (not the dense TS copy),
    // and draws a picture that is not blank.
    await explorer.waitReady(await status.steps());
    await expect(explorer.padReadout).toContainText('decoded in the explorer worker');
    await expect
      .poll(async () => {
        const grey = await explorer.grey(explorer.decoded);
        const mean = grey.reduce((a, b) => a + b, 0) / grey.length;
        return grey.reduce((a, b) => a + (b - mean) ** 2, 0) / grey.length;
      })
      .toBeGreaterThan(0);
    expectNoPageErrors(page);
  });

  test('conv trains on WebGPU (SwiftShader): two steps', async ({ app, page }) => {
    test.setTimeout(600_000);
    const { controls, status, pictures } = app;
    // Software WebGPU compiles a shader per kernel and shape before the first pictures.
    await app.open('?arch=conv&backend=webgpu&batch=16', 240_000);
    await expect(status.backendName).toHaveText('webgpu');
    const before = await pictures.stats('Reconstructions');
    await controls.step.click();
    await expect.poll(() => status.steps(), { timeout: 240_000 }).toBe(1);
    await controls.step.click();
    await expect.poll(() => status.steps(), { timeout: 120_000 }).toBe(2);
    await expect(await app.curves.latest('chart-vae')).toContainText(/L_rec \(pixel NLL\) \d/);
    await expect
      .poll(async () => (await pictures.stats('Reconstructions')).checksum)
      .not.toBe(before.checksum);
    expectNoPageErrors(page);
  });

  test('conv picked on wasm with tfjs’s own kernels: the page says why and its button switches to WebGL', async ({
    app,
    page,
  }) => {
    test.setTimeout(420_000);
    const { controls, status, runSettings } = app;
    // conv=tfjs: the benchmark knob that leaves out the app's conv kernels for wasm (wasm-conv.ts).
    await app.open('?backend=wasm&conv=tfjs');
    await expect(status.backendName).toHaveText('wasm');
    await expect(runSettings.convBackendMessage).toHaveCount(0);
    await runSettings.open();
    await runSettings.architecture.selectOption('conv');
    await expect(runSettings.convBackendMessage).toContainText('Conv2DBackpropFilter');
    // Apply refuses, with the same reason, and nothing changes.
    await runSettings.apply.click();
    await expect(app.text(/cannot train the conv architecture/).first()).toBeVisible();
    await expect(status.backendName).toHaveText('wasm');
    await runSettings.convBackendSwitch('WebGL').click();
    await expect(status.backendName).toHaveText('webgl', { timeout: 60_000 });
    await expect(controls.train).toBeEnabled({ timeout: 180_000 });
    await expect(runSettings.state).toHaveText('These settings are running.');
    await expect(runSettings.convBackendMessage).toHaveCount(0);
    // One conv step on software WebGL (shaders compile on the first one).
    await controls.step.click();
    await expect.poll(() => status.steps(), { timeout: 180_000 }).toBe(1);
    expect(page.url()).toMatch(/arch=conv/);
    expect(page.url()).toMatch(/backend=webgl/);
    expectNoPageErrors(page);
  });
});
