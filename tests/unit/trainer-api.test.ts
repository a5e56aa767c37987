// The worker API driven the way the page drives it: comlink over a MessageChannel, with the
// real trainer, the tfjs CPU backend and the real MNIST files. Each test builds its own trainer.
import { describe, expect, it } from 'vitest';
import type { ImageGrid, RunSettings } from '../../src/features/training/shared/protocol';
import { lastStep, until, withTrainer } from '../helpers/trainer-channel';

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 16,
  seed: 3,
};

/** Variance of the RGB channels of a grid: 0 for a blank picture. */
function pixelVariance(grid: ImageGrid): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < grid.pixels.length; i += 4) {
    const v = grid.pixels[i]!;
    sum += v;
    sumSq += v * v;
    n += 1;
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

describe('trainer API over a MessageChannel', () => {
  it('initialises on the requested backend and reports it', () =>
    withTrainer({ init: false }, async ({ remote, events, listener }) => {
      const backend = await remote.init(
        { backend: 'cpu', datasetsBaseUrl: '/datasets/' },
        listener,
      );
      expect(backend.name).toBe('cpu');
      await until(() => events.some((e) => e.type === 'backend'), 'backend event');
    }));

  it('builds a model, reports ready, and draws non-blank pictures', () =>
    withTrainer({}, async ({ remote, events }) => {
      const running = await remote.configure(settings);
      expect(running).toEqual(settings);
      await until(() => events.some((e) => e.type === 'images'), 'images');
      const images = events.find((e) => e.type === 'images');
      if (images?.type !== 'images') throw new Error('no images event');
      // 32 input/output pairs in 8 columns, 8 x 8 samples, 12 cells of interpolation.
      expect(images.images.reconstructions.cols).toBe(8);
      expect(images.images.reconstructions.rows).toBe(8);
      expect(images.images.samples.rows * images.images.samples.cols).toBe(64);
      expect(images.images.interpolation.cols).toBe(12);
      // Transferred buffers arrive intact: width * height RGBA bytes.
      const { width, height, pixels } = images.images.samples;
      expect(pixels.length).toBe(width * height * 4);
      expect(pixelVariance(images.images.reconstructions)).toBeGreaterThan(0);
      expect((await remote.getStatus()).status).toBe('ready');
    }));

  it('trains, streams finite curves, and takes new hyperparameters on the next step', () =>
    withTrainer({ settings }, async ({ remote, events }) => {
      await remote.start();
      await until(() => lastStep(events) >= 3, 'three steps');
      // NaN is refused with a typed error and changes nothing, the valid fields included.
      await expect(
        remote.setHyperparams({ beta: 2.5, gamma: 0, lrVae: Number.NaN }),
      ).rejects.toMatchObject({ name: 'TrainerInputError', code: 'bad-argument' });
      expect((await remote.getStatus()).hyperparams.beta).toBe(1);
      const accepted = await remote.setHyperparams({ beta: 2.5, gamma: 0 });
      expect(accepted.beta).toBe(2.5);
      expect(accepted.gamma).toBe(0);
      expect(accepted.lrVae).toBe(1e-3);
      // The worker confirms what is in force, and from which step.
      await until(
        () => events.some((e) => e.type === 'hyperparams' && e.hyperparams.beta === 2.5),
        'hyperparams confirmation',
      );
      const confirmation = events.find(
        (e) => e.type === 'hyperparams' && e.hyperparams.beta === 2.5,
      );
      expect(confirmation?.type === 'hyperparams' && confirmation.fromStep).toBeGreaterThan(3);
      const metrics = events.filter((e) => e.type === 'metrics');
      expect(metrics.length).toBeGreaterThan(0);
      for (const e of metrics) {
        if (e.type !== 'metrics') continue;
        // All finite but the Dis_l distance, which the default `pixel` loss does not compute.
        const { featureRec, ...computed } = e.point.values;
        expect(featureRec).toBeNaN();
        for (const value of Object.values(computed)) expect(Number.isFinite(value)).toBe(true);
      }
      await remote.pause();
    }));

  it('pause stops the step count; step adds exactly one; reset goes back to step 0', () =>
    withTrainer({ settings }, async ({ remote, events }) => {
      await remote.start();
      await until(() => lastStep(events) >= 3, 'three steps');
      const pausedAt = await remote.pause();
      expect(pausedAt).toBeGreaterThanOrEqual(3);
      expect((await remote.getStatus()).status).toBe('paused');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await remote.getStatus()).step).toBe(pausedAt);
      expect(await remote.step()).toBe(pausedAt + 1);
      expect(await remote.reset()).toBe('ready');
      expect((await remote.getStatus()).step).toBe(0);
      expect(events.findLast((e) => e.type === 'status')).toMatchObject({
        status: 'ready',
        step: 0,
      });
    }));

  it('refuses invalid settings with a message and keeps the running model', () =>
    withTrainer({ settings }, async ({ remote }) => {
      expect(await remote.step()).toBe(1);
      await expect(remote.configure({ ...settings, latentDim: 1000 })).rejects.toThrow(
        /latent size/,
      );
      const status = await remote.getStatus();
      expect(status.settings).toEqual(settings);
      expect(status.status).toBe('paused');
      // Still the same model: it goes on from its step rather than from a new model's 0.
      expect(status.step).toBe(1);
      expect(await remote.step()).toBe(2);
    }));
});
