// ELBO and IWAE bounds (src/model/quality.ts) on cases with known answers, and the quality
// worker's numbers against the same function called directly.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { binarize, likelihoodBounds, mean, type VaeFunctions } from '../../src/model/quality';
import { saveNetwork } from '../../src/model/serialize';
import { VaeGan } from '../../src/model/vaegan';
import { toUnitFloats } from '../../src/shared/image-grid';
import { BINARIZE_SEED, IWAE_SEED } from '../../src/features/quality/worker/quality';
import { createQualityApi, type QualityApi } from '../../src/features/quality/worker/quality-api';
import type { WeightsSnapshot } from '../../src/features/training/shared/protocol';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const latentDim = 4;
let testImages: Uint8Array;
let model: VaeGan;

const vaeOf = (m: VaeGan): VaeFunctions => ({
  latentDim: m.config.latentDim,
  encode: (x) => m.encoder.predict(x) as tf.Tensor2D,
  decode: (z) => m.decoder.predict(z) as tf.Tensor2D,
});

beforeAll(async () => {
  await prepareDatasets({ root });
  await tf.setBackend('cpu');
  testImages = await nodeFetchBytes('/datasets/mnist/test-images.u8');
  model = new VaeGan(
    { ...DEFAULT_MODEL_CONFIG, latentDim, hiddenUnits: 32, seed: 3 },
    { ...DEFAULT_HYPERPARAMS, gamma: 0 },
  );
  // Some training on real digits, so q(z|x) is not the prior and the bounds differ.
  const x = tf.tensor2d(
    toUnitFloats(
      testImages,
      Array.from({ length: 64 }, (_, i) => 1000 + i),
    ),
    [64, 784],
  );
  for (let i = 0; i < 20; i++) tf.dispose(model.trainStep(x, { ...DEFAULT_HYPERPARAMS, gamma: 0 }));
  x.dispose();
}, 300_000);

afterAll(() => model.dispose());

describe('binarize', () => {
  it('is repeatable, binary, and keeps the mean intensity', () => {
    const indices = Array.from({ length: 200 }, (_, i) => i);
    const a = binarize(testImages, indices, 7);
    expect(binarize(testImages, indices, 7)).toEqual(a);
    expect(binarize(testImages, indices, 8)).not.toEqual(a);
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    const intensity = toUnitFloats(testImages, indices).reduce((s, v) => s + v, 0) / a.length;
    const bits = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(bits - intensity)).toBeLessThan(0.005);
    // A longer prefix extends a shorter one (the worker caches one array per data set).
    expect(binarize(testImages, indices.slice(0, 50), 7)).toEqual(a.subarray(0, 50 * 784));
  });
});

describe('likelihoodBounds', () => {
  it('equals log p(x) exactly when q(z|x) is the prior and the decoder ignores z', async () => {
    // Encoder: mu = 0, logvar = 0 (the prior); decoder: fixed logits l, whatever z.
    // Then every importance weight is p(x) = prod sigmoid(l)^x (1 - sigmoid(l))^(1 - x).
    const logits = Float32Array.from({ length: 784 }, (_, p) => ((p % 13) - 6) / 3);
    const vae: VaeFunctions = {
      latentDim: 3,
      encode: (x) => tf.zeros([x.shape[0], 6]),
      decode: (z) => tf.tile(tf.tensor2d(logits, [1, 784]), [z.shape[0], 1]),
    };
    const x = binarize(testImages, [0, 1, 2], 1);
    const { elbo, iwae } = await likelihoodBounds(vae, x, 3, { k: 20, seed: 2 });
    for (let i = 0; i < 3; i++) {
      let logP = 0;
      for (let p = 0; p < 784; p++) {
        const s = 1 / (1 + Math.exp(-logits[p]!));
        logP += x[i * 784 + p] === 1 ? Math.log(s) : Math.log(1 - s);
      }
      expect(elbo[i]).toBeCloseTo(logP, 2);
      expect(iwae[i]).toBeCloseTo(logP, 2);
    }
  });

  it('with k = 1 the IWAE bound is the ELBO of the same draw', async () => {
    const x = binarize(testImages, [0, 1, 2, 3, 4, 5, 6, 7], BINARIZE_SEED);
    const { elbo, iwae } = await likelihoodBounds(vaeOf(model), x, 8, { k: 1, seed: 9 });
    for (let i = 0; i < 8; i++) expect(iwae[i]).toBeCloseTo(elbo[i]!, 3);
    expect(elbo.every(Number.isFinite)).toBe(true);
    // A trained model on digits: well below 0 and far above the uniform model's -784 log 2.
    expect(mean(elbo)).toBeLessThan(0);
    expect(mean(elbo)).toBeGreaterThan(-784 * Math.LN2);
  });

  it('never falls below the ELBO of the same draws, and rises with k', async () => {
    const count = 40;
    const x = binarize(
      testImages,
      Array.from({ length: count }, (_, i) => i),
      BINARIZE_SEED,
    );
    const vae = vaeOf(model);
    const results = [];
    for (const k of [1, 10, 100])
      results.push(await likelihoodBounds(vae, x, count, { k, seed: 5 }));
    for (const r of results) {
      for (let i = 0; i < count; i++) expect(r.iwae[i]!).toBeGreaterThanOrEqual(r.elbo[i]! - 1e-9);
    }
    const iwae = results.map((r) => mean(r.iwae));
    expect(iwae[1]).toBeGreaterThan(iwae[0]!);
    expect(iwae[2]).toBeGreaterThan(iwae[1]!);
    // The ELBO estimate does not depend on k in expectation: it stays below every IWAE mean.
    expect(mean(results[2]!.elbo)).toBeLessThan(iwae[1]!);
  });

  it('refuses k below 1', async () => {
    await expect(
      likelihoodBounds(vaeOf(model), new Float32Array(784), 1, { k: 0, seed: 1 }),
    ).rejects.toThrow(/k must be/);
  });
});

/**
 * Runs `body` with a quality worker of its own (comlink over a MessageChannel), initialised on
 * the CPU backend and, unless `load` is false, holding the model's weights as the main run.
 */
async function withQualityWorker(
  body: (remote: Comlink.Remote<QualityApi>, snapshot: WeightsSnapshot) => Promise<void>,
  load = true,
) {
  const snapshot: WeightsSnapshot = {
    step: 20,
    modelId: 1,
    dataset: 'mnist',
    latentDim,
    encoder: await saveNetwork(model.encoder),
    decoder: await saveNetwork(model.decoder),
  };
  const channel = new MessageChannel();
  Comlink.expose(createQualityApi({ fetchBytes: cachedFetchBytes }), channel.port1);
  const remote = Comlink.wrap<QualityApi>(channel.port2);
  try {
    await remote.init({
      backend: 'cpu',
      datasetsBaseUrl: '/datasets/',
      classifiersBaseUrl: '/classifiers/',
    });
    if (load) await remote.loadWeights('main', snapshot);
    await body(remote, snapshot);
  } finally {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  }
}

describe('quality worker API over a MessageChannel', () => {
  it('computes the same ELBO and IWAE as the model code called directly', () =>
    withQualityWorker(async (remote, snapshot) => {
      await expect(
        remote.evaluate({ run: 'main', k: 5, images: 20, samples: 100 }),
      ).rejects.toThrow(/No weights yet/);
      await remote.loadWeights('main', snapshot);
      const result = await remote.evaluate({ run: 'main', k: 5, images: 20, samples: 100 });
      const x = binarize(
        testImages,
        Array.from({ length: 20 }, (_, i) => i),
        BINARIZE_SEED,
      );
      const direct = await likelihoodBounds(vaeOf(model), x, 20, { k: 5, seed: IWAE_SEED });
      expect(result.elbo).toBe(mean(direct.elbo));
      expect(result.iwae).toBe(mean(direct.iwae));
      expect(result).toMatchObject({ run: 'main', step: 20, k: 5, images: 20, dataset: 'mnist' });
    }, false));

  it('reports FCD and mode coverage from the shipped classifier', () =>
    withQualityWorker(async (remote) => {
      const result = await remote.evaluate({ run: 'main', k: 1, images: 10, samples: 200 });
      expect(result.classifierError).toBe('');
      expect(result.fcd).not.toBeNull();
      expect(Number.isFinite(result.fcd!)).toBe(true);
      expect(result.fcd!).toBeGreaterThan(0);
      expect(result.histogram!.reduce((a, b) => a + b, 0)).toBe(200);
      expect(result.classesPresent!).toBeGreaterThanOrEqual(1);
      expect(result.classesPresent!).toBeLessThanOrEqual(10);
      // The accuracy the panel quotes is the shipped manifest's.
      const manifest = JSON.parse(
        new TextDecoder().decode(await nodeFetchBytes('/classifiers/manifest.json')),
      ) as { classifiers: { mnist: { testAccuracy: number } } };
      expect(result.classifierAccuracy).toBe(manifest.classifiers.mnist.testAccuracy);
    }));

  it('refuses bad requests with a message', () =>
    withQualityWorker(async (remote) => {
      await expect(
        remote.evaluate({ run: 'main', k: 0, images: 10, samples: 200 }),
      ).rejects.toThrow(/k \(importance samples\) must be/);
      await expect(
        remote.evaluate({ run: 'main', k: 1, images: 20_000, samples: 200 }),
      ).rejects.toThrow(/Test images must be/);
      await expect(
        remote.evaluate({ run: 'comparison', k: 1, images: 10, samples: 200 }),
      ).rejects.toThrow(/No weights yet/);
    }));
});

describe('quality worker without a network', () => {
  it('measures the bounds offline, names the network for FCD, and gets the classifier once back', async () => {
    let online = true;
    let missing = false;
    const fetchBytes: typeof nodeFetchBytes = async (url, onProgress) => {
      if (url.includes('/classifiers/')) {
        if (!online) throw new Error(`Failed to fetch ${url}: TypeError: Failed to fetch`);
        if (missing) throw new Error(`Failed to fetch ${url}: HTTP 404 Not Found`);
      }
      return nodeFetchBytes(url, onProgress);
    };
    const api = createQualityApi({ fetchBytes });
    await api.init({
      backend: 'cpu',
      datasetsBaseUrl: '/datasets/',
      classifiersBaseUrl: '/classifiers/',
    });
    online = false;
    await api.loadWeights('main', {
      step: 1,
      modelId: 7,
      dataset: 'mnist',
      latentDim,
      encoder: await saveNetwork(model.encoder),
      decoder: await saveNetwork(model.decoder),
    });
    const request = { run: 'main', k: 1, images: 10, samples: 100 } as const;
    const offline = await api.evaluate(request);
    expect(Number.isFinite(offline.elbo)).toBe(true);
    expect(offline.fcd).toBeNull();
    expect(offline.classifierError).toMatch(
      /network may be down; the next measurement tries again/,
    );
    expect(offline.classifierError).not.toMatch(/train:classifiers/);
    online = true;
    missing = true;
    expect((await api.evaluate(request)).classifierError).toMatch(/run npm run train:classifiers/);
    missing = false;
    const back = await api.evaluate(request);
    expect(back.classifierError).toBe('');
    expect(Number.isFinite(back.fcd!)).toBe(true);
    await api.dispose();
  });
});
