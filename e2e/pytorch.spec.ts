import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../src/features/run-archive/shared/safetensors';
import { expect, expectNoPageErrors, test } from './fixtures';

const PYTHON = process.env.VAEGAN_PYTHON ?? '/usr/bin/python3';

test.describe('to PyTorch and back', () => {
  test('export for PyTorch, train on with python/vaegan.py, import its file and train on here', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { controls, status, exports, notices } = app;
    await app.open();
    await controls.train.click();
    await status.waitForSteps(8);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    const steps = await status.steps();
    await exports.open();

    // A real download, read here: PyTorch's names and layouts, and the run in the metadata.
    const exported = testInfo.outputPath('run.safetensors');
    const { bytes, name } = await exports.download(exports.exportTorch, exported);
    expect(name).toBe(`vaegan-mnist-shared-z16-h512-step${steps}.safetensors`);
    const { tensors, metadata } = readSafetensors(new Uint8Array(bytes));
    expect(tensors.get('decoder.logits.weight')?.shape).toEqual([784, 512]);
    expect(tensors.get('encoder.hidden.0.weight')?.shape).toEqual([512, 784]);
    expect(tensors.get('adam.vae.exp_avg.decoder.logits.weight')?.shape).toEqual([784, 512]);
    expect(tensors.get('pictures.noise')?.shape).toEqual([64, 16]);
    expect(metadata.format).toBe('vaegan-playground-torch');
    expect(JSON.parse(metadata.run!)).toMatchObject({ step: steps, dataset: 'mnist', seed: 1 });

    // PyTorch trains on from it (the app's batch order, the same step).
    const trained = testInfo.outputPath('run2.safetensors');
    const python = spawnSync(
      PYTHON,
      ['python/vaegan.py', 'train', exported, '--steps', '3', '--out', trained, '--device', 'cpu'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(python.status, python.stderr).toBe(0);
    expect(python.stdout).toContain(`wrote ${trained} at step ${steps + 3}`);

    // Back in the app: a fresh page imports Python's file and trains on.
    await app.reload();
    await exports.open();
    await exports.importSafetensors.setInputFiles(trained);
    await expect(notices.notice(`Restored "run2.safetensors": step ${steps + 3}`)).toBeVisible();
    await expect.poll(() => status.steps()).toBe(steps + 3);
    await controls.train.click();
    await status.waitForSteps(steps + 6);
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');
    // A file that is not a run is refused with its reason; the model stays.
    await exports.importSafetensors.setInputFiles({
      name: 'weights.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(readFileSync('package.json')),
    });
    await expect(
      notices.notice(
        'Could not import "weights.safetensors": This file is not a zip archive or a .safetensors run',
      ),
    ).toBeVisible();
    expect(await status.steps()).toBeGreaterThanOrEqual(steps + 6);
    expectNoPageErrors(page);
  });
});
