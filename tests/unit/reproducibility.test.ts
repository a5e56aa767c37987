// Seeded runs through the real Trainer (tfjs CPU backend, real MNIST): the same seed and
// settings give bit-identical weights and curves; an exported run imported into another
// trainer continues exactly as if it had never stopped; a bad file leaves training alone.
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import type { RunSettings, TrainerEvent } from '../../src/features/training/shared/protocol';
import { Trainer } from '../../src/features/training/worker/trainer';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 16,
  seed: 5,
};

/** The trainers the running test made; each test's are disposed of when it ends. */
const trainers: Trainer[] = [];

async function makeTrainer(s: RunSettings, events: TrainerEvent[] = []) {
  const trainer = new Trainer({ fetchBytes: cachedFetchBytes });
  trainers.push(trainer);
  await trainer.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' }, (e) => events.push(e));
  await trainer.configure(s);
  return trainer;
}

async function steps(trainer: Trainer, n: number) {
  for (let i = 0; i < n; i++) await trainer.stepOnce();
}

/** Every weight and optimiser byte of the trainer's model, and the curve values. */
async function state(trainer: Trainer) {
  const files = unzipSync((await trainer.exportRun()).bytes);
  const bins = Object.keys(files)
    .filter((name) => name.endsWith('.bin'))
    .sort()
    .map((name) => [name, Buffer.from(files[name]!).toString('base64')]);
  const history = JSON.parse(Buffer.from(files['history.json']!).toString()).values;
  return { bins: Object.fromEntries(bins), history };
}

beforeAll(async () => {
  await prepareDatasets({ root });
});

afterEach(async () => {
  for (const t of trainers.splice(0)) await t.dispose();
});

describe('seeded runs on the CPU backend', () => {
  it('the same seed and settings give bit-identical weights, optimiser state and curves', async () => {
    const a = await makeTrainer(settings);
    await steps(a, 4);
    const first = await state(a);
    await a.dispose();
    const b = await makeTrainer(settings);
    await steps(b, 4);
    const second = await state(b);
    expect(Object.keys(first.bins)).toHaveLength(6);
    expect(second.bins).toEqual(first.bins);
    expect(second.history).toEqual(first.history);
    expect(first.history.reconstruction).toHaveLength(4);

    await b.configure({ ...settings, seed: 6 });
    await steps(b, 4);
    const other = await state(b);
    expect(other.bins['decoder/weights.bin']).not.toEqual(first.bins['decoder/weights.bin']);
    expect(other.history.reconstruction).not.toEqual(first.history.reconstruction);
    await b.dispose();
  });

  it('training (each batch drawn a step early) and single steps give the same run', async () => {
    // Binarised, so each batch also depends on the step it is drawn for.
    const looped = await makeTrainer(settings);
    looped.setHyperparams({ binarize: true });
    await looped.start();
    while (looped.getStatus().step < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    await looped.pause();
    // Paused, the next batch is only kept as indices: a single step then makes it again.
    await looped.stepOnce();
    const n = looped.getStatus().step;
    const got = await state(looped);
    await looped.dispose();
    const stepped = await makeTrainer(settings);
    stepped.setHyperparams({ binarize: true });
    await steps(stepped, n);
    const want = await state(stepped);
    // Weights and Adam's state (the curves differ: training reports every 250 ms, not a step).
    expect(n).toBeGreaterThanOrEqual(7);
    expect(Object.keys(got.bins)).toHaveLength(6);
    expect(got.bins).toEqual(want.bins);
  });

  it('a run exported at step 2 and imported elsewhere continues bit-identically', async () => {
    const straight = await makeTrainer(settings);
    await steps(straight, 5);
    const want = await state(straight);
    await straight.configure({ ...settings, latentDim: 2 }); // frees it, keeps the data set

    const events: TrainerEvent[] = [];
    const source = await makeTrainer(settings);
    await steps(source, 2);
    const { bytes, manifest } = await source.exportRun();
    expect(manifest.step).toBe(2);
    await source.dispose();

    // Another trainer, running another model, takes the file over.
    const target = await makeTrainer({ ...settings, latentDim: 7, seed: 99 }, events);
    await steps(target, 1);
    const result = await target.importRun(bytes);
    expect(result.step).toBe(2);
    expect(result.settings).toEqual(settings);
    expect(target.getStatus()).toMatchObject({ status: 'paused', step: 2, settings });
    const history = events.findLast((e) => e.type === 'history');
    expect(history?.type === 'history' && history.points.map((p) => p.step)).toEqual([1, 2]);
    expect(events.findLast((e) => e.type === 'images')).toMatchObject({ images: { step: 2 } });

    await steps(target, 3);
    const got = await state(target);
    expect(got.bins).toEqual(want.bins);
    expect(got.history).toEqual(want.history);
  });

  it("a checkpoint past step 150, where the GAN optimisers' 0.5^t is 0, resumes bit-identically", async () => {
    // Trains past step 150 at full speed (start, pause), checkpoints there, then goes on 5
    // steps; another trainer resumes the checkpoint and must take the same 5 steps.
    const source = await makeTrainer(settings);
    source.start();
    while (source.getStatus().step < 155) await new Promise((r) => setTimeout(r, 20));
    const at = await source.pause();
    // A checkpoint is this export, stored in IndexedDB by the worker.
    const { bytes, manifest } = await source.exportRun();
    expect(manifest.step).toBe(at);
    for (const name of ['discriminator', 'generator'] as const) {
      expect(manifest.optimizers![name].iterations).toBe(at);
      expect(manifest.optimizers![name].accBeta1).toBe(0); // 0.5^(t+1) underflows float32
    }
    expect(manifest.optimizers!.vae.accBeta1).toBeGreaterThan(0); // 0.9^(t+1) does not
    await steps(source, 5);
    const want = await state(source);
    await source.dispose();

    const target = await makeTrainer(settings);
    const result = await target.importRun(bytes);
    expect(result.step).toBe(at);
    await steps(target, 5);
    const got = await state(target);
    expect(got.bins).toEqual(want.bins);
    expect(got.history.reconstruction.slice(-5)).toEqual(want.history.reconstruction.slice(-5));
  });

  it('a bad file is refused while training, and the model keeps training untouched', async () => {
    const trainer = await makeTrainer(settings);
    await steps(trainer, 2);
    const before = await state(trainer);
    await expect(trainer.importRun(new TextEncoder().encode('not a zip'))).rejects.toThrow(
      /not a zip archive/,
    );
    expect(await state(trainer)).toEqual(before);

    trainer.start();
    const tensors = tf.memory().numTensors;
    await expect(trainer.importRun(new Uint8Array([0x50, 0x4b, 3, 4, 1, 2]))).rejects.toThrow(
      /truncated or damaged/,
    );
    expect(trainer.getStatus().status).toBe('training');
    const at = trainer.getStatus().step;
    while (trainer.getStatus().step < at + 3) await new Promise((r) => setTimeout(r, 10));
    const paused = await trainer.pause();
    expect(paused).toBeGreaterThanOrEqual(at + 3);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors + 1);
  });
});
