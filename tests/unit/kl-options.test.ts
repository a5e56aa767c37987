// The KL warm-up and free bits (issue 19), and the norms chart's gradient norms measured inside
// a step, on small MLP networks (tfjs CPU backend), each against a case with a known answer.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type Hyperparams,
  type ModelConfig,
  sanitizeHyperparams,
} from '../../src/shared/config';
import { freeBitsKl, klDivergence } from '../../src/model/losses';
import { klWeightAt } from '../../src/shared/kl-schedule';
import { runPhase } from '../../src/model/phase';
import { TunableAdam } from '../../src/model/adam';
import { VaeGan } from '../../src/model/vaegan';
import { NORM_NETWORKS } from '../../src/shared/metrics';
import { settingProblem } from '../../src/shared/settings';
import { checkHyperparams } from '../../src/features/training/worker/validate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  hiddenUnits: 24,
  latentDim: 3,
  ...over,
});
const hp = (over: Partial<Hyperparams> = {}): Hyperparams => ({ ...DEFAULT_HYPERPARAMS, ...over });
const images = (seed = 11) => tf.randomUniform([6, 784], 0, 1, 'float32', seed) as tf.Tensor2D;

async function allWeights(m: VaeGan): Promise<number[]> {
  const out: number[] = [];
  for (const v of [...m.vars.encoder, ...m.vars.decoder, ...m.vars.discriminator]) {
    out.push(...(await v.data()));
  }
  return out;
}

describe('KL warm-up', () => {
  it('ramps beta linearly over N steps and is beta itself when off or over', () => {
    expect(klWeightAt(2, 0, 1)).toBe(2);
    expect(klWeightAt(2, 4, 1)).toBe(0.5);
    expect(klWeightAt(2, 4, 2)).toBe(1);
    expect(klWeightAt(2, 4, 3)).toBe(1.5);
    expect(klWeightAt(2, 4, 4)).toBe(2);
    expect(klWeightAt(2, 4, 400)).toBe(2);
  });

  it('trains step t with beta * t / N: beta = 2 warmed over 2 steps takes step 1 as beta = 1', async () => {
    const x = images();
    const warmed = new VaeGan(config(), hp());
    const plain = new VaeGan(config(), hp());
    tf.dispose(warmed.trainStep(x, hp({ beta: 2, klWarmup: 2 })));
    tf.dispose(plain.trainStep(x, hp({ beta: 1 })));
    // Same seed, same batch, same noise: bit for bit the same step.
    expect(await allWeights(warmed)).toEqual(await allWeights(plain));
    // Step 2 is past the warm-up: beta = 2 in both.
    tf.dispose(warmed.trainStep(x, hp({ beta: 2, klWarmup: 2 })));
    tf.dispose(plain.trainStep(x, hp({ beta: 2 })));
    expect(await allWeights(warmed)).toEqual(await allWeights(plain));
    x.dispose();
    warmed.dispose();
    plain.dispose();
  });
});

describe('free bits', () => {
  it('charges each dimension max(lambda, its batch-mean KL) and sums them', () => {
    // Two images, two dimensions. Dimension 0: mu = +-1, sigma = 1, KL 0.5 each (mean 0.5).
    // Dimension 1: mu = 0, sigma^2 = 4: KL 0.5 (4 - 1 - ln 4) = 0.80685 each.
    const mu = tf.tensor2d([1, 0, -1, 0], [2, 2]);
    const logvar = tf.tensor2d([0, Math.log(4), 0, Math.log(4)], [2, 2]);
    const kl1 = 0.5 * (4 - 1 - Math.log(4));
    // lambda below both: the plain KL.
    expect(freeBitsKl(mu, logvar, 0.1).arraySync()).toBeCloseTo(0.5 + kl1, 5);
    expect(klDivergence(mu, logvar).arraySync()).toBeCloseTo(0.5 + kl1, 5);
    // lambda between them: dimension 0 is charged lambda.
    expect(freeBitsKl(mu, logvar, 0.7).arraySync()).toBeCloseTo(0.7 + kl1, 5);
    // lambda above both: a constant, 2 lambda.
    expect(freeBitsKl(mu, logvar, 3).arraySync()).toBeCloseTo(6, 5);
    tf.dispose([mu, logvar]);
  });

  it('gives no KL gradient below the floor: with every dimension under lambda the step is that of beta = 0', async () => {
    const x = images(5);
    const floored = new VaeGan(config(), hp());
    const noKl = new VaeGan(config(), hp());
    // A fresh encoder's codes are close to the prior: far under 5 nats per dimension.
    tf.dispose(floored.trainStep(x, hp({ freeBits: 5 })));
    tf.dispose(noKl.trainStep(x, hp({ beta: 0 })));
    expect(await allWeights(floored)).toEqual(await allWeights(noKl));
    x.dispose();
    floored.dispose();
    noKl.dispose();
  });

  it('reports the true KL on the curves, whatever the floor', async () => {
    const x = images(6);
    const a = new VaeGan(config(), hp());
    const b = new VaeGan(config(), hp());
    const kl = async (m: VaeGan, h: Hyperparams) => {
      const t = m.trainStep(x, h);
      const v = (await t.data())[1]!;
      t.dispose();
      return v;
    };
    expect(await kl(a, hp({ freeBits: 5 }))).toBe(await kl(b, hp()));
    x.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('the settings rows', () => {
  it('checks, clamps and rounds the warm-up steps and the free bits', () => {
    expect(settingProblem('klWarmup', 2.5)).toMatch(/whole number from 0 to 100000/);
    expect(settingProblem('freeBits', 6)).toMatch(/from 0 to 5/);
    const clamped = sanitizeHyperparams({ klWarmup: 1e9, freeBits: -1 }, DEFAULT_HYPERPARAMS);
    expect([clamped.klWarmup, clamped.freeBits]).toEqual([100_000, 0]);
    expect(sanitizeHyperparams({ klWarmup: 10.4 }, DEFAULT_HYPERPARAMS).klWarmup).toBe(10);
    expect(() => checkHyperparams({ klWarmup: 1.5 })).toThrow(/klWarmup must be a whole number/);
    expect(() => checkHyperparams({ freeBits: 9 })).toThrow(/outside its range/);
    expect(checkHyperparams({ klWarmup: 500, freeBits: 0.25 })).toEqual({
      klWarmup: 500,
      freeBits: 0.25,
    });
  });
});

describe('gradient norms measured inside a step', () => {
  it('measures the gradients the update applies: a quadratic with a known gradient', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new TunableAdam(0.1, 0.9, 0.999);
    const into: Record<string, tf.Scalar> = {};
    runPhase(
      () => {
        const cost = tf.sum(tf.square(tf.sub(w, 3))) as tf.Scalar;
        return { cost, parts: { cost } };
      },
      { optimizer: opt, learningRate: 0.1, varList: [w] },
      { groups: { w: [w] }, into },
    );
    // d/dw (w - 3)^2 = 2 (w - 3) = [-4, -2]: its squared norm is 16 + 4.
    expect(into.w!.dataSync()[0]).toBeCloseTo(20, 5);
    // Adam's first step moves each weight by the learning rate towards the minimum.
    const after = w.dataSync();
    expect(after[0]).toBeCloseTo(1.1, 5);
    expect(after[1]).toBeCloseTo(2.1, 5);
    tf.dispose([w, into.w!]);
    opt.dispose();
  });

  it('a measured step is the same step, bit for bit, and reports one norm per network', async () => {
    const x = images(7);
    const h = hp({ gamma: 0.5 });
    const measured = new VaeGan(config(), h);
    const plain = new VaeGan(config(), h);
    measured.gradients.measureNextStep();
    tf.dispose(measured.trainStep(x, h));
    tf.dispose(plain.trainStep(x, h));
    expect(await allWeights(measured)).toEqual(await allWeights(plain));
    const squares = measured.gradients.take()!;
    const values = Array.from(await squares.data());
    squares.dispose();
    expect(values).toHaveLength(NORM_NETWORKS.length);
    for (const v of values) expect(v).toBeGreaterThan(0);
    // Only the step that was asked measures.
    tf.dispose(measured.trainStep(x, h));
    expect(measured.gradients.take()).toBeNull();
    // gamma = 0: phase 3 does not train, so the generator has no gradient.
    measured.gradients.measureNextStep();
    tf.dispose(measured.trainStep(x, hp({ gamma: 0 })));
    const vae = measured.gradients.take()!;
    const g = Array.from(await vae.data());
    vae.dispose();
    expect(Number.isNaN(g[NORM_NETWORKS.indexOf('generator')]!)).toBe(true);
    expect(g[NORM_NETWORKS.indexOf('discriminator')]).toBeGreaterThan(0);
    x.dispose();
    measured.dispose();
    plain.dispose();
  });

  it('leaves no tensor behind', () => {
    const x = images(8);
    const m = new VaeGan(config(), hp());
    tf.dispose(m.trainStep(x, hp()));
    const before = tf.memory().numTensors;
    m.gradients.measureNextStep();
    tf.dispose(m.trainStep(x, hp()));
    m.gradients.take()?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
