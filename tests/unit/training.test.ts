// A short real training run on MNIST (the training split, loaded with the app's own loader):
// the VAEGAN must learn, i.e. its reconstruction loss must fall clearly, with every metric finite.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG, type Variant } from '../../src/shared/config';
import { METRIC_NAMES, VaeGan } from '../../src/model/vaegan';
import { loadDataset, type Dataset } from '../../src/shared/dataset';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PIXELS = 784;
// Small enough for the CPU backend: hidden 64, batch 32 takes ~0.15 s per step on 2 cores.
const HIDDEN = 64;
const BATCH = 32;
const STEPS = 120;
const WINDOW = 20;

let mnist: Dataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await prepareDatasets({ root }); // a no-op when public/datasets is up to date
  mnist = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
});

/** Training images [start, start + BATCH) as floats in [0, 1]. */
function batch(start: number): tf.Tensor2D {
  const bytes = mnist.train.images.subarray(start * PIXELS, (start + BATCH) * PIXELS);
  const floats = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) floats[i] = bytes[i]! / 255;
  return tf.tensor2d(floats, [BATCH, PIXELS]);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('training on MNIST', () => {
  it(`the shared VAEGAN: ${STEPS} steps bring the reconstruction loss clearly down`, async () => {
    const variant: Variant = 'shared';
    expect(mnist.train.count).toBeGreaterThanOrEqual(STEPS * BATCH);
    const model = new VaeGan(
      { ...DEFAULT_MODEL_CONFIG, variant, hiddenUnits: HIDDEN },
      DEFAULT_HYPERPARAMS,
    );
    const rec = METRIC_NAMES.indexOf('reconstruction');
    const history: number[][] = [];
    const started = performance.now();
    for (let step = 0; step < STEPS; step++) {
      const x = batch(step * BATCH);
      const metrics = model.trainStep(x, DEFAULT_HYPERPARAMS);
      history.push(Array.from(await metrics.data()));
      tf.dispose([x, metrics]);
    }
    const seconds = (performance.now() - started) / 1000;
    const first = mean(history.slice(0, WINDOW).map((m) => m[rec]!));
    const last = mean(history.slice(-WINDOW).map((m) => m[rec]!));
    const lastMetrics = METRIC_NAMES.map((name, i) => [
      name,
      +mean(history.slice(-WINDOW).map((m) => m[i]!)).toFixed(3),
    ]);
    console.info(
      `${variant}: reconstruction ${history[0]![rec]!.toFixed(1)} at step 1, ` +
        `${first.toFixed(1)} over the first ${WINDOW} steps, ${last.toFixed(1)} over the last ` +
        `${WINDOW} (of ${STEPS}); ${((seconds / STEPS) * 1000).toFixed(0)} ms/step; ` +
        `last-${WINDOW} means ${JSON.stringify(Object.fromEntries(lastMetrics))}`,
    );

    expect(history.every((m) => m.length === METRIC_NAMES.length)).toBe(true);
    // Every metric finite but the feature distance, which the `pixel` loss does not compute.
    const computed = (m: number[]) => m.filter((_, i) => METRIC_NAMES[i] !== 'featureRec');
    expect(history.every((m) => computed(m).every(Number.isFinite))).toBe(true);
    // A fresh decoder outputs ~0.5 everywhere: about 784 log 2 ~ 543 nats per image.
    expect(history[0]![rec]!).toBeGreaterThan(450);
    expect(last).toBeLessThan(0.75 * first);
    expect(last).toBeLessThan(260);
    // D(.) stays a probability and the adversarial game has not collapsed to a certainty.
    const dReal = mean(history.slice(-WINDOW).map((m) => m[METRIC_NAMES.indexOf('dReal')]!));
    expect(dReal).toBeGreaterThan(0.05);
    expect(dReal).toBeLessThan(0.999);
    model.dispose();
  });
});
