// The quality worker's new figures (issue 19) against the same functions called directly:
// precision, recall, density and coverage beside the FCD; the samples of one class of the
// coverage histogram; the memorisation check's nearest training images.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { classifyAll, weightsFromArray } from '../../src/model/classifier';
import { manifoldScores } from '../../src/model/manifold';
import { priorSamples } from '../../src/model/quality';
import { saveNetwork } from '../../src/model/serialize';
import { VaeGan } from '../../src/model/vaegan';
import { toUnitFloats } from '../../src/shared/image-grid';
import { SAMPLES_SEED } from '../../src/features/quality/shared/quality-protocol';
import { createQualityApi, type QualityApi } from '../../src/features/quality/worker/quality-api';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const latentDim = 4;
let testImages: Uint8Array;
let model: VaeGan;

beforeAll(async () => {
  await prepareDatasets({ root });
  await tf.setBackend('cpu');
  testImages = await nodeFetchBytes('/datasets/mnist/test-images.u8');
  model = new VaeGan(
    { ...DEFAULT_MODEL_CONFIG, latentDim, hiddenUnits: 32, seed: 5 },
    DEFAULT_HYPERPARAMS,
  );
  const x = tf.tensor2d(
    toUnitFloats(
      testImages,
      Array.from({ length: 64 }, (_, i) => 2000 + i),
    ),
    [64, 784],
  );
  for (let i = 0; i < 10; i++) tf.dispose(model.trainStep(x, DEFAULT_HYPERPARAMS));
  x.dispose();
}, 300_000);

afterAll(() => model.dispose());

async function withQualityWorker(body: (remote: Comlink.Remote<QualityApi>) => Promise<void>) {
  const channel = new MessageChannel();
  Comlink.expose(createQualityApi({ fetchBytes: cachedFetchBytes }), channel.port1);
  const remote = Comlink.wrap<QualityApi>(channel.port2);
  try {
    await remote.init({
      backend: 'cpu',
      datasetsBaseUrl: '/datasets/',
      classifiersBaseUrl: '/classifiers/',
    });
    await remote.loadWeights('main', {
      step: 10,
      modelId: 1,
      dataset: 'mnist',
      latentDim,
      encoder: await saveNetwork(model.encoder),
      decoder: await saveNetwork(model.decoder),
    });
    await body(remote);
  } finally {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  }
}

/** The shipped MNIST classifier, read here as the worker reads it. */
async function classifier() {
  const manifest = JSON.parse(
    new TextDecoder().decode(await nodeFetchBytes('/classifiers/manifest.json')),
  ) as { classifiers: { mnist: { weights: string } } };
  const bytes = await nodeFetchBytes(`/classifiers/${manifest.classifiers.mnist.weights}`);
  return weightsFromArray(new Float32Array(bytes.slice().buffer));
}

describe('precision, recall, density and coverage in the quality worker', () => {
  it('are manifoldScores of the classifier features of the same samples and test images', () =>
    withQualityWorker(async (remote) => {
      const samples = 150;
      const result = await remote.evaluate({ run: 'main', k: 1, images: 5, samples });
      const weights = await classifier();
      const fakeImages = await priorSamples(
        (z) => model.decoder.predict(z) as tf.Tensor2D,
        latentDim,
        samples,
        SAMPLES_SEED,
      );
      const fake = await classifyAll(weights, fakeImages, samples);
      const real = await classifyAll(
        weights,
        toUnitFloats(
          testImages,
          Array.from({ length: samples }, (_, i) => i),
        ),
        samples,
      );
      tf.dispose(weights);
      const want = manifoldScores(real.features, samples, fake.features, samples, 64, 3);
      expect(result.manifoldCount).toBe(samples);
      expect(result.precision).toBeCloseTo(want.precision, 6);
      expect(result.recall).toBeCloseTo(want.recall, 6);
      expect(result.density).toBeCloseTo(want.density, 6);
      expect(result.coverage).toBeCloseTo(want.coverage, 6);
      for (const v of [result.precision!, result.recall!, result.coverage!]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }));
});

describe('the samples of one class', () => {
  it('are the measured samples the classifier put in that class, as many as the histogram counts', () =>
    withQualityWorker(async (remote) => {
      await expect(remote.classSamples('main', 3)).rejects.toThrow(/Measure first/);
      const result = await remote.evaluate({ run: 'main', k: 1, images: 5, samples: 120 });
      const label = result.histogram!.findIndex((c) => c > 0);
      const shown = await remote.classSamples('main', label);
      expect(shown.total).toBe(result.histogram![label]);
      expect(shown.step).toBe(10);
      const cells = Math.min(shown.total, 48);
      expect(shown.grid!.cols * shown.grid!.rows).toBeGreaterThanOrEqual(cells);
      const empty = result.histogram!.findIndex((c) => c === 0);
      if (empty >= 0) expect((await remote.classSamples('main', empty)).grid).toBeNull();
      await expect(remote.classSamples('main', 10)).rejects.toThrow(/from 0 to 9/);
    }));
});

describe('the memorisation check', () => {
  it('finds for each prior sample the training image at the smallest pixel distance', () =>
    withQualityWorker(async (remote) => {
      const count = 4;
      const result = await remote.memorisation('main', count);
      expect(result.count).toBe(count);
      expect(result.grid.cols).toBe(16);
      const train = await nodeFetchBytes('/datasets/mnist/train-images.u8');
      const samples = await priorSamples(
        (z) => model.decoder.predict(z) as tf.Tensor2D,
        latentDim,
        count,
        SAMPLES_SEED,
      );
      const distance = (q: number, t: number) => {
        let s = 0;
        for (let p = 0; p < 784; p++) s += (samples[q * 784 + p]! - train[t * 784 + p]! / 255) ** 2;
        return Math.sqrt(s);
      };
      for (let q = 0; q < count; q++) {
        // The distance reported is the one to the image reported...
        expect(result.distances[q]).toBeCloseTo(distance(q, result.indices[q]!), 3);
        // ...and no training image among a spread of others is nearer.
        for (let t = q; t < 60_000; t += 997) {
          expect(distance(q, t)).toBeGreaterThanOrEqual(result.distances[q]! - 1e-3);
        }
      }
      expect(result.testMedian).toBeGreaterThan(0);
      expect(result.closerThanTest).toBe(result.distances.filter((d) => d < result.testMin).length);
      await expect(remote.memorisation('main', 1)).rejects.toThrow(/from 4 to 256/);
    }));
});
