// The `conv` architecture (src/model/conv-networks.ts) on the tfjs CPU backend: shapes forward
// and backward, batch normalisation in the decoder, Layers round trip, and a short real run on
// MNIST that must lower the loss.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type Hyperparams,
  type ModelConfig,
  validateModelConfig,
} from '../../src/shared/config';
import { parseDenseDecoder } from '../../src/features/explorer/shared/dense-decoder';
import { loadNetwork, saveNetwork } from '../../src/model/serialize';
import { METRIC_NAMES, VaeGan } from '../../src/model/vaegan';
import { loadDataset, type Dataset } from '../../src/shared/dataset';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LATENT = 8;
const conv = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  architecture: 'conv',
  latentDim: LATENT,
  ...over,
});
// The CPU backend's convolution gradients are slow: steps train narrow blocks (4 and 8 filters);
// the forward shapes use the app's 32 and 64.
const narrow = (over: Partial<ModelConfig> = {}) => conv({ convFilters: [4, 8], ...over });
const hp = (over: Partial<Hyperparams> = {}): Hyperparams => ({ ...DEFAULT_HYPERPARAMS, ...over });

let mnist: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  await prepareDatasets({ root });
  mnist = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
});

function batch(start: number, size: number): tf.Tensor2D {
  const bytes = mnist.train.images.subarray(start * 784, (start + size) * 784);
  return tf.tensor2d(
    Float32Array.from(bytes, (b) => b / 255),
    [size, 784],
  );
}

describe('conv networks', () => {
  it('forward: 28x28x1 flat rows in, codes, logits and Dis_l of the last conv block out', () => {
    const m = new VaeGan(conv(), hp());
    const x = batch(0, 5);
    tf.tidy(() => {
      expect((m.encoder.apply(x) as tf.Tensor).shape).toEqual([5, 2 * LATENT]);
      const z = tf.randomNormal([5, LATENT]);
      expect((m.decoder.apply(z) as tf.Tensor).shape).toEqual([5, 784]);
      const [features, logit] = m.discriminator.apply(x) as tf.Tensor[];
      expect(features!.shape).toEqual([5, 7 * 7 * 64]);
      expect(logit!.shape).toEqual([5, 1]);
    });
    expect(m.decoder.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(m.discriminator.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(
      false,
    );
    x.dispose();
    m.dispose();
  });

  it('takes other image shapes: 32x32x3 gives [n, 3072] rows and an 8x8x64 Dis_l', () => {
    const shape = { height: 32, width: 32, channels: 3 } as const;
    const m = new VaeGan(conv({ image: shape }), hp());
    tf.tidy(() => {
      const z = tf.randomNormal([2, LATENT]) as tf.Tensor2D;
      const x = m.generate(z);
      expect(x.shape).toEqual([2, 3072]);
      const [features] = m.discriminator.apply(x) as tf.Tensor[];
      expect(features!.shape).toEqual([2, 8 * 8 * 64]);
      expect((m.encoder.apply(x) as tf.Tensor).shape).toEqual([2, 2 * LATENT]);
    });
    m.dispose();
    expect(validateModelConfig(conv({ image: { height: 30, width: 30, channels: 1 } }))).toEqual([
      'the conv architecture needs an image height and width divisible by 4',
    ]);
  });

  it('backward: every phase yields gradients of each variable’s own shape, all finite', async () => {
    const m = new VaeGan(narrow({ variant: 'separate' }), hp());
    const x = batch(10, 4);
    for (const [group, vars] of Object.entries(m.vars)) {
      const { value, grads } = tf.variableGrads(() => {
        const [, logit] = m.discriminator.apply(
          tf.sigmoid(
            (group === 'generator' ? m.generator : m.decoder).apply(m.encode(x).mu, {
              training: true,
            }) as tf.Tensor,
          ) as tf.Tensor2D,
        ) as tf.Tensor[];
        return tf.mean(logit!) as tf.Scalar;
      }, vars);
      for (const v of vars) {
        const g = grads[v.name]!;
        expect(g.shape).toEqual(v.shape);
        expect((await g.data()).every(Number.isFinite)).toBe(true);
      }
      tf.dispose([value, ...Object.values(grads)]);
    }
    // And a full step with the mixed loss (pixel + Dis_l of the last conv block) is finite.
    const metrics = m.trainStep(x, hp({ reconstructionLoss: 'mixed' }));
    expect(Array.from(await metrics.data()).every(Number.isFinite)).toBe(true);
    metrics.dispose();
    x.dispose();
    m.dispose();
  });

  it('training updates the decoder’s batch-norm statistics; inference uses them', async () => {
    const m = new VaeGan(narrow(), hp());
    const bn = m.decoder.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    const movingMean = () => bn.weights.find((w) => w.originalName.includes('moving_mean'))!.read();
    const before = Float32Array.from(await movingMean().data());
    const x = batch(20, 8);
    tf.dispose(m.trainStep(x, hp()));
    const after = await movingMean().data();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    // Inference is deterministic (moving statistics, no batch dependence): one image alone or
    // in a batch decodes the same.
    const z = tf.randomNormal([3, LATENT], 0, 1, 'float32', 5) as tf.Tensor2D;
    const all = await m.decode(z).data();
    const one = await m.decode(z.slice([0, 0], [1, LATENT])).data();
    for (let i = 0; i < 784; i++) expect(Math.abs(one[i]! - all[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, z]);
    m.dispose();
  });

  it('round-trips through the Layers format, and the dense TS decoder declines it', async () => {
    const m = new VaeGan(narrow(), hp());
    const x = batch(30, 3);
    tf.dispose(m.trainStep(x, hp()));
    const saved = await saveNetwork(m.decoder);
    const parsed = parseDenseDecoder({ ...saved, weightData: saved.weightData.slice(0) });
    expect('reason' in parsed).toBe(true);
    const copy = await loadNetwork(saved);
    const z = tf.randomNormal([3, LATENT], 0, 1, 'float32', 9) as tf.Tensor2D;
    const a = await m.decode(z).data();
    const b = await tf.sigmoid(copy.predict(z) as tf.Tensor).data();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, z]);
    copy.dispose();
    m.dispose();
  });

  it('a short conv run on MNIST lowers the reconstruction loss', async () => {
    // The CPU backend is slow for convolutions: 30 steps of 8 images, narrow blocks.
    const STEPS = 30;
    const SIZE = 8;
    const h = hp({ lrVae: 1e-2 });
    const m = new VaeGan(narrow({ latentDim: 16 }), h);
    const rec = METRIC_NAMES.indexOf('reconstruction');
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const x = batch(s * SIZE, SIZE);
      const metrics = m.trainStep(x, h);
      losses.push((await metrics.data())[rec]!);
      tf.dispose([x, metrics]);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    console.info(
      `conv: L_rec ${first.toFixed(1)} over the first 5 steps, ${last.toFixed(1)} over the last 5 of ${STEPS}`,
    );
    // A fresh decoder's images are near 0.5: about 784 log 2 ~ 543 nats per image or more.
    expect(first).toBeGreaterThan(450);
    expect(last).toBeLessThan(0.85 * first);
    m.dispose();
  }, 600_000);
});
