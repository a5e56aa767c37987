// Runs of any length come back: the counters a run saves (Adam's iteration count and beta
// powers, the step, the noise draws, the batch order) restore exactly after 1, 150, 100,000
// and 10 million steps, in time that does not grow with the count, and bad counters are refused.
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, type Hyperparams, MNIST_IMAGE } from '../../src/shared/config';
import {
  adamBetaPower,
  adamStateAt,
  disposeAdamSnapshot,
  restoreAdam,
  snapshotAdam,
} from '../../src/model/optimizer-state';
import { mulberry32, seedStream } from '../../src/shared/random';
import { VaeGan } from '../../src/model/vaegan';
import type { RunSettings } from '../../src/features/training/shared/protocol';
import { RunArchiveError } from '../../src/features/run-archive/shared/format';
import { parseRunArchive } from '../../src/features/run-archive/shared/parse';
import {
  disposeSnapshot,
  encodeRun,
  snapshotRun,
} from '../../src/features/run-archive/worker/encode';
import { restoreRun } from '../../src/features/run-archive/worker/restore';
import { BatchSampler } from '../../src/features/training/worker/batch-sampler';

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 3,
  hiddenUnits: 16,
  hiddenLayers: 1,
  batchSize: 8,
  seed: 21,
};
const hp: Hyperparams = { ...DEFAULT_HYPERPARAMS, gamma: 0.3 };

function makeModel() {
  return new VaeGan(
    {
      architecture: 'mlp',
      variant: 'shared',
      latentDim: settings.latentDim,
      hiddenUnits: settings.hiddenUnits,
      image: MNIST_IMAGE,
      seed: settings.seed,
    },
    hp,
  );
}

function train(model: VaeGan, steps: number) {
  for (let i = 0; i < steps; i++) {
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 7 + (model.steps % 1000)) as tf.Tensor2D;
    tf.dispose([model.trainStep(x, hp), x]);
  }
}

async function exportModel(model: VaeGan) {
  const snapshot = snapshotRun(model, {
    settings,
    image: MNIST_IMAGE,
    hyperparams: hp,
    step: model.steps,
    trainingMs: 1,
    history: [],
  });
  try {
    return await encodeRun(snapshot);
  } finally {
    disposeSnapshot(snapshot);
  }
}

/** Every weight and optimiser byte of a model's export. */
async function bins(model: VaeGan): Promise<Record<string, string>> {
  const files = unzipSync((await exportModel(model)).bytes);
  return Object.fromEntries(
    Object.keys(files)
      .filter((n) => n.endsWith('.bin'))
      .sort()
      .map((n) => [n, Buffer.from(files[n]!).toString('base64')]),
  );
}

/**
 * Moves a trained model's counters on to those of a run `steps` long, as a run of that length
 * has them: every optimiser at `steps` updates with the powers Adam would hold, and the noise
 * stream `noisePerStep` draws a step further.
 */
function fastForward(model: VaeGan, steps: number, noisePerStep: number) {
  for (const opt of Object.values(model.optimizers)) {
    const now = snapshotAdam(opt);
    tf.dispose([now.accBeta1, now.accBeta2]);
    const at = adamStateAt(opt, steps, now.m, now.v);
    restoreAdam(opt, at, []);
    disposeAdamSnapshot(at);
  }
  model.resumeAt(steps, steps * noisePerStep);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a manifest edited as raw JSON
type Json = any;

function editManifest(bytes: Uint8Array, change: (m: Json) => void) {
  const files = unzipSync(bytes);
  const m = JSON.parse(strFromU8(files['manifest.json']!));
  change(m);
  files['manifest.json'] = strToU8(JSON.stringify(m));
  return zipSync(files);
}

function refusal(bytes: Uint8Array): string {
  try {
    restoreRun(parseRunArchive(bytes)).dispose();
  } catch (error) {
    if (error instanceof RunArchiveError) return error.message;
    throw error;
  }
  return 'accepted';
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Adam beta powers from the iteration count', () => {
  afterAll(() => tf.disposeVariables());

  it('equal, bit for bit, the powers tfjs Adam keeps, through underflow to 0', () => {
    for (const [beta1, beta2] of [
      [0.5, 0.999],
      [0.9, 0.999],
    ] as const) {
      const opt = new tf.AdamOptimizer(0.01, beta1, beta2);
      const w = tf.variable(tf.tensor1d([1, -2]));
      const powers = (o: tf.AdamOptimizer) => {
        const s = snapshotAdam(o);
        const out = [s.accBeta1.dataSync()[0]!, s.accBeta2.dataSync()[0]!];
        disposeAdamSnapshot(s);
        return out;
      };
      for (let t = 1; t <= 200; t++) {
        opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
        if (t === 1 || t === 148 || t === 149 || t === 150 || t === 200) {
          expect(powers(opt)).toEqual([adamBetaPower(beta1, t), adamBetaPower(beta2, t)]);
        }
      }
      if (beta1 === 0.5) expect(powers(opt)[0]).toBe(0);
      opt.dispose();
      w.dispose();
    }
  });

  it('are 0 or denormal where a long run underflows, and cost little at any count', () => {
    expect(adamBetaPower(0.5, 0)).toBe(0.5);
    expect(adamBetaPower(0.5, 148)).toBeGreaterThan(0);
    expect(adamBetaPower(0.5, 148)).toBeLessThan(1.2e-38); // denormal
    expect(adamBetaPower(0.5, 149)).toBe(0);
    // 0.999's power sinks into the denormals and stays at 500 * 2^-149 for good: there a
    // product with 0.999 rounds back to itself, on tfjs's running product as here.
    expect(adamBetaPower(0.999, 80_000)).toBeGreaterThan(1.2e-38);
    expect(adamBetaPower(0.999, 100_000)).toBe(500 * 2 ** -149);
    const t0 = performance.now();
    expect(adamBetaPower(0.999, Number.MAX_SAFE_INTEGER)).toBe(500 * 2 ** -149);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(() => adamBetaPower(0.5, -1)).toThrow(RangeError);
    expect(() => adamBetaPower(0.5, 1.5)).toThrow(RangeError);
  });
});

describe('skipping ahead in the seeded streams', () => {
  it('mulberry32 and the seed stream skip n draws exactly as drawing them does', () => {
    for (const seed of [0, 1, 5 ^ 0x5eed, 0xffffffff]) {
      const drawn = mulberry32(seed);
      const seeds = seedStream(seed);
      for (let n = 0; n < 300; n++) {
        expect(mulberry32(seed, n)()).toBe(drawn());
        expect(seedStream(seed, n)()).toBe(seeds());
      }
    }
    // Past 2^32 draws the state wraps: 2^32 draws on lead back to the start.
    expect(mulberry32(3, 2 ** 32 + 5)()).toBe(mulberry32(3, 5)());
    expect(() => mulberry32(3, -1)).toThrow(RangeError);
    expect(() => mulberry32(3, 1e300)).toThrow(RangeError);
  });

  it('the batch sampler advances to the same place as drawing batch by batch', async () => {
    const cases = [
      { count: 50, batchSize: 8, batches: [0, 1, 5, 6, 7, 12, 13, 100, 613] },
      { count: 48, batchSize: 8, batches: [6, 7, 59, 60] },
      { count: 5, batchSize: 8, batches: [1, 2, 3, 17] }, // a batch larger than the set
      { count: 8, batchSize: 8, batches: [1, 2, 9] },
    ];
    for (const { count, batchSize, batches } of cases) {
      const pixels = 2;
      const images = Uint8Array.from({ length: count * pixels }, (_, i) => Math.floor(i / 2));
      for (const n of batches) {
        const stepped = new BatchSampler(images, count, 9, pixels);
        for (let i = 0; i < n; i++) stepped.next(batchSize).dispose();
        const jumped = new BatchSampler(images, count, 9, pixels);
        jumped.advance(n, batchSize);
        for (let i = 0; i < 3; i++) {
          const [a, b] = [stepped.next(batchSize), jumped.next(batchSize)];
          expect(Array.from(await b.data()), `count ${count}, batch ${batchSize}, n ${n}`).toEqual(
            Array.from(await a.data()),
          );
          tf.dispose([a, b]);
        }
      }
    }
  });

  it('the batch sampler skips ten million batches of MNIST at once', () => {
    const images = new Uint8Array(60_000);
    const sampler = new BatchSampler(images, 60_000, 1, 1);
    const t0 = performance.now();
    sampler.advance(10_000_000, 64);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('runs of any length export, import and train on exactly', () => {
  for (const [steps, real] of [
    [1, true],
    [150, true],
    [100_000, false],
    [10_000_000, false],
  ] as const) {
    it(`${steps.toLocaleString('en-US')} steps${real ? '' : ' (counters of a run that long)'}`, async () => {
      const model = makeModel();
      try {
        if (real) {
          train(model, steps);
        } else {
          train(model, 3);
          fastForward(model, steps, 3);
        }
        const { bytes, manifest } = await exportModel(model);
        expect(manifest.step).toBe(steps);
        expect(manifest.optimizers!.discriminator.iterations).toBe(steps);
        if (steps >= 150) {
          expect(manifest.optimizers!.discriminator.accBeta1).toBe(0);
          expect(manifest.optimizers!.generator.accBeta1).toBe(0);
        }
        const t0 = performance.now();
        const restored = restoreRun(parseRunArchive(bytes));
        expect(performance.now() - t0).toBeLessThan(2000);
        expect(restored.steps).toBe(steps);
        expect(restored.noiseDraws).toBe(model.noiseDraws);
        train(model, 2);
        train(restored, 2);
        expect(await bins(restored)).toEqual(await bins(model));
        restored.dispose();
      } finally {
        model.dispose();
      }
    });
  }

  it('refuses counters that no run produces, and says so', async () => {
    const m = makeModel();
    train(m, 2);
    const { bytes } = await exportModel(m);
    m.dispose();
    const bad: [string, (x: Json) => void][] = [
      ['negative count', (x) => (x.optimizers.vae.iterations = -1)],
      ['fractional count', (x) => (x.optimizers.vae.iterations = 1.5)],
      ['count past the step', (x) => (x.optimizers.vae.iterations = 3)],
      ['power above 1', (x) => (x.optimizers.discriminator.accBeta1 = 1.5)],
      ['negative power', (x) => (x.optimizers.discriminator.accBeta2 = -0.1)],
      ['NaN power (null in JSON)', (x) => (x.optimizers.generator.accBeta1 = null)],
    ];
    for (const [what, change] of bad) {
      expect(refusal(editManifest(bytes, change)), what).toMatch(
        /optimiser's counters are invalid/,
      );
    }
    expect(refusal(editManifest(bytes, (x) => (x.step = 2 ** 60)))).toMatch(/step must be/);
    // Zero and denormal powers are a long run's true values, and accepted.
    const ok = editManifest(bytes, (x) => {
      x.optimizers.discriminator.accBeta1 = 0;
      x.optimizers.vae.accBeta1 = 5.6e-45;
    });
    expect(refusal(ok)).toBe('accepted');
  });
});
