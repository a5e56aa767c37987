// The worker API driven the way the page drives it: comlink over a MessageChannel, with the
// real trainer, the tfjs CPU backend and the real MNIST files.
import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { createTrainerApi, type TrainerApi } from '../../src/features/training/worker/trainer-api';
import type {
  ImageGrid,
  RunSettings,
  TrainerEvent,
} from '../../src/features/training/shared/protocol';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';

const root = fileURLToPath(new URL('../../', import.meta.url));

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
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

async function until(check: () => boolean, what: string, timeoutMs = 60_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('trainer API over a MessageChannel', () => {
  const channel = new MessageChannel();
  let remote: Comlink.Remote<TrainerApi>;
  const events: TrainerEvent[] = [];
  const lastStep = () => {
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.type === 'metrics') return e.point.step;
      if (e.type === 'status') return e.step;
    }
    return -1;
  };

  beforeAll(async () => {
    await prepareDatasets({ root });
    Comlink.expose(createTrainerApi({ fetchBytes: nodeFetchBytes }), channel.port1);
    remote = Comlink.wrap<TrainerApi>(channel.port2);
  });

  afterAll(async () => {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  });

  it('initialises on the requested backend and reports it', async () => {
    const backend = await remote.init(
      { backend: 'cpu', datasetsBaseUrl: '/datasets/' },
      Comlink.proxy((event: TrainerEvent) => void events.push(event)),
    );
    expect(backend.name).toBe('cpu');
    await until(() => events.some((e) => e.type === 'backend'), 'backend event');
  });

  it('builds a model, reports ready, and draws non-blank pictures', async () => {
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
  });

  it('trains, streams finite curves, and takes new hyperparameters on the next step', async () => {
    await remote.start();
    await until(() => lastStep() >= 3, 'three steps');
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
    const confirmation = events.find((e) => e.type === 'hyperparams' && e.hyperparams.beta === 2.5);
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
  });

  it('pause stops the step count; step adds exactly one; reset goes back to step 0', async () => {
    const pausedAt = await remote.pause();
    expect((await remote.getStatus()).status).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await remote.getStatus()).step).toBe(pausedAt);
    expect(await remote.step()).toBe(pausedAt + 1);
    expect(await remote.reset()).toBe('ready');
    expect((await remote.getStatus()).step).toBe(0);
    expect(events.findLast((e) => e.type === 'status')).toMatchObject({ status: 'ready', step: 0 });
  });

  it('refuses invalid settings with a message and keeps the running model', async () => {
    await expect(remote.configure({ ...settings, latentDim: 1000 })).rejects.toThrow(/latent size/);
    const status = await remote.getStatus();
    expect(status.settings).toEqual(settings);
    expect(status.status).toBe('ready');
  });
});
