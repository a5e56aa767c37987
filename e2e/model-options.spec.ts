// Issue 5's model options in the production build: the feature reconstruction loss and the other
// objective switches while training, the conv architecture on wasm (the automatic choice: the app
// adds the conv filter gradient tfjs-backend-wasm lacks), on WebGPU (SwiftShader: a few steps
// only) and on WebGL, and the message on a backend without conv kernels (?conv=tfjs).
import { expect, expectNoPageErrors, test } from './fixtures';
import { Explorer } from './pages/explorer';
import { Playground } from './pages/playground';

test.describe('objective switches', () => {
  test('switching to the feature loss trains; gate, two-batch D and GAN only act live', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const app = new Playground(page);
    await app.open('?backend=wasm');
    await expect(app.modelMode).toContainText('VAEGAN');

    await app.reconstructionLoss.selectOption('feature');
    // The formulas follow at once: phase 1 trains the feature distance of D's hidden layer.
    await expect(app.formula('elbo')).toContainText('trained');
    await expect(app.formula('elbo')).toContainText('Dis');
    await app.train.click();
    await app.waitForSteps(8, 120_000);
    // The Dis_l distance curve appears (it is not computed under `pixel`), and is a number.
    await expect(await app.chartLatest('chart-vae')).toContainText(/Dis_l distance \d/);
    await expect
      .poll(async () => {
        const text = (await (await app.chartLatest('chart-vae')).textContent()) ?? '';
        return Number(/L_rec \(pixel NLL\) ([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
      })
      .toBeLessThan(600);

    // Drop the reconstruction batch: the discriminator's formula changes with it.
    await app.reconstructionsInD.uncheck();
    await expect(app.formula('discriminator')).toContainText('reconstructions left out');
    // The gate: its chart reports skip fractions in [0, 1].
    await app.equilibriumGate.check();
    const at = await app.steps();
    await app.waitForSteps(at + 5, 120_000);
    await expect(page.getByTestId('chart-gate')).toBeVisible();
    await expect(await app.chartLatest('chart-gate')).toContainText(/D skipped [01]\.\d{3}/);

    // Plain GAN, then plain VAE, as one-click special cases.
    await app.specialCase('Plain GAN').click();
    await expect(app.ganOnly).toBeChecked();
    await expect(app.modelMode).toContainText('plain GAN');
    await expect(app.formula('total')).toContainText('GAN only');
    await app.specialCase('Plain VAE').click();
    await expect(app.ganOnly).not.toBeChecked();
    await expect(app.modelMode).toContainText('plain VAE');
    await expect(app.slider('Adversarial weight')).toHaveAttribute('aria-valuetext', /^0\b/);
    const later = await app.steps();
    await app.waitForSteps(later + 3, 120_000);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    // Every switch went into the link.
    expect(page.url()).toMatch(/rec=feature/);
    expect(page.url()).toMatch(/dBatches=2/);
    expect(page.url()).toMatch(/gate=1/);
    expectNoPageErrors(page);
  });
});

test.describe('conv architecture', () => {
  test('the automatic backend lands conv on wasm, and it trains there', async ({ page }) => {
    test.setTimeout(480_000);
    const app = new Playground(page);
    await app.open('?arch=conv&batch=16', 180_000);
    await expect(app.backendName).toHaveText('wasm');
    await expect(app.convBackendMessage).toHaveCount(0);
    await expect(app.architecture).toHaveValue('conv');
    const before = await app.canvasStats('Prior samples');
    await app.train.click();
    await app.waitForSteps(2, 240_000);
    await app.pause.click();
    await expect(app.runStatus).toHaveText('paused');
    await expect
      .poll(async () => (await app.canvasStats('Prior samples')).checksum)
      .not.toBe(before.checksum);
    expect((await app.canvasStats('Reconstructions')).variance).toBeGreaterThan(0);
    await expect(await app.chartLatest('chart-vae')).toContainText(/L_rec \(pixel NLL\) \d/);
    // The latent pad decodes the conv decoder in the explorer worker (not the dense TS copy),
    // and draws a picture that is not blank.
    const explorer = new Explorer(page);
    await explorer.waitReady(await app.steps());
    await expect(page.getByTestId('pad-readout')).toContainText('decoded in the explorer worker');
    await expect
      .poll(async () => {
        const grey = await explorer.grey(explorer.decoded);
        const mean = grey.reduce((a, b) => a + b, 0) / grey.length;
        return grey.reduce((a, b) => a + (b - mean) ** 2, 0) / grey.length;
      })
      .toBeGreaterThan(0);
    expectNoPageErrors(page);
  });

  test('conv trains on WebGPU (SwiftShader): two steps', async ({ page }) => {
    test.setTimeout(600_000);
    const app = new Playground(page);
    // Software WebGPU compiles a shader per kernel and shape before the first pictures.
    await app.open('?arch=conv&backend=webgpu&batch=16', 240_000);
    await expect(app.backendName).toHaveText('webgpu');
    const before = await app.canvasStats('Reconstructions');
    await app.step.click();
    await expect.poll(() => app.steps(), { timeout: 240_000 }).toBe(1);
    await app.step.click();
    await expect.poll(() => app.steps(), { timeout: 120_000 }).toBe(2);
    await expect(await app.chartLatest('chart-vae')).toContainText(/L_rec \(pixel NLL\) \d/);
    await expect
      .poll(async () => (await app.canvasStats('Reconstructions')).checksum)
      .not.toBe(before.checksum);
    expectNoPageErrors(page);
  });

  test('conv picked on wasm with tfjs’s own kernels: the page says why and its button switches to WebGL', async ({
    page,
  }) => {
    test.setTimeout(420_000);
    const app = new Playground(page);
    // conv=tfjs: the benchmark knob that leaves out the app's conv kernels for wasm (wasm-conv.ts).
    await app.open('?backend=wasm&conv=tfjs');
    await expect(app.backendName).toHaveText('wasm');
    await expect(app.convBackendMessage).toHaveCount(0);
    await app.architecture.selectOption('conv');
    await expect(app.convBackendMessage).toContainText('Conv2DBackpropFilter');
    // Apply refuses, with the same reason, and nothing changes.
    await app.applySettings.click();
    await expect(page.getByText(/cannot train the conv architecture/).first()).toBeVisible();
    await expect(app.backendName).toHaveText('wasm');
    await app.convBackendSwitch('WebGL').click();
    await expect(app.backendName).toHaveText('webgl', { timeout: 60_000 });
    await expect(app.train).toBeEnabled({ timeout: 180_000 });
    await expect(app.settingsState).toHaveText('These settings are running.');
    await expect(app.convBackendMessage).toHaveCount(0);
    // One conv step on software WebGL (shaders compile on the first one).
    await app.step.click();
    await expect.poll(() => app.steps(), { timeout: 180_000 }).toBe(1);
    expect(page.url()).toMatch(/arch=conv/);
    expect(page.url()).toMatch(/backend=webgl/);
    expectNoPageErrors(page);
  });
});
