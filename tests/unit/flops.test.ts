// The analytic FLOP count of src/shared/flops.ts: the default model's figure worked out by hand,
// and, for every variant, the same count measured from the matrix products tfjs really runs
// in one VaeGan.trainStep (tf.profile on the CPU backend).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  imageSize,
  type ModelConfig,
} from '../../src/shared/config';
import { gflops, trainStepMacs } from '../../src/shared/flops';
import { VaeGan } from '../../src/model/vaegan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Multiply-adds per image of every matrix product one training step runs, from tf.profile. */
async function profiledMacsPerImage(
  config: ModelConfig,
  gamma: number,
  batch: number,
  reconstructionsInD = true,
) {
  const model = new VaeGan(config, DEFAULT_HYPERPARAMS);
  const x = tf.randomUniform([batch, imageSize(config.image)], 0, 1, 'float32', 3) as tf.Tensor2D;
  const info = await tf.profile(() =>
    model.trainStep(x, { ...DEFAULT_HYPERPARAMS, gamma, reconstructionsInD }),
  );
  let macs = 0;
  for (const k of info.kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    // a holds batch * rows * shared elements; each meets `cols` outputs: one multiply-add each.
    const aSize = k.inputShapes[0]!.reduce((p, d) => p * d, 1);
    const cols = k.outputShapes[0]!.at(-1)!;
    macs += aSize * cols;
  }
  tf.dispose(x);
  model.dispose();
  return macs / batch;
}

describe('trainStepMacs', () => {
  it('counts the default model (784-512-16, shared) as worked out by hand', () => {
    const macs = trainStepMacs(DEFAULT_MODEL_CONFIG)!;
    // a = 784*512 (x to hidden), b = 512*32 (hidden to mu|logvar), c = 16*512, d = 512*784, e = 512
    const [a, b, c, d, e] = [401_408, 16_384, 8_192, 401_408, 512];
    expect(macs.vae).toBe(2 * a + 3 * b + 3 * c + 3 * d);
    expect(macs.fakes).toBe(a + b + 2 * (c + d));
    expect(macs.discriminator).toBe(6 * a + 9 * e);
    expect(macs.generator).toBe(4 * (c + d) + 4 * (a + e) + 2 * d);
    expect(macs.total).toBe(9_779_712);
  });

  for (const variant of ['shared', 'separate'] as const) {
    for (const gamma of [0.5, 0]) {
      it(`matches the products tfjs runs (${variant}, gamma ${gamma})`, async () => {
        const config = { ...DEFAULT_MODEL_CONFIG, variant, hiddenUnits: 24, latentDim: 3 };
        const counted = trainStepMacs(config, gamma > 0)!.total;
        // tfjs runs the logit layer fused (tf.fused.matMul, a customGrad), whose gradient
        // computes every input's derivative: in phase 3 that adds D's unused logit-layer weight
        // gradient, hiddenUnits * 1 per trained branch (two in shared, one in separate).
        const branches = gamma === 0 ? 0 : variant === 'shared' ? 2 : 1;
        const tfjsExtra = branches * config.hiddenUnits;
        expect(await profiledMacsPerImage(config, gamma, 4)).toBe(counted + tfjsExtra);
      });
    }
  }

  it('counts two hidden layers and two batches in D as tfjs runs them', async () => {
    const config = { ...DEFAULT_MODEL_CONFIG, hiddenUnits: 24, latentDim: 3, hiddenLayers: 2 };
    for (const three of [true, false]) {
      const counted = trainStepMacs(config, true, three)!.total;
      // The fused logit layer's extra weight gradient, once per trained branch (see above).
      const tfjsExtra = (three ? 2 : 1) * config.hiddenUnits;
      expect(await profiledMacsPerImage(config, 0.5, 4, three)).toBe(counted + tfjsExtra);
    }
    // By hand, two batches at the default sizes: D scores three (the reconstructions for the
    // curve only) and learns from two: 5a + 7e; G one branch: 2(c + d) + 2(a + e) + d.
    const [a, c, d, e] = [401_408, 8_192, 401_408, 512];
    const two = trainStepMacs(DEFAULT_MODEL_CONFIG, true, false)!;
    expect(two.discriminator).toBe(5 * a + 7 * e);
    expect(two.generator).toBe(2 * (c + d) + 2 * (a + e) + d);
  });

  it('turns multiply-adds per image and images per second into GFLOP/s', () => {
    expect(gflops(10_000_000, 500)).toBeCloseTo(10, 10);
  });
});
