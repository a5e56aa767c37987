// The norms chart's figures: the report's one readback carries, after the metrics and the
// guard's probes, each network's weight norm and the gradient norm of the last measured step;
// the page keeps them in a bounded series. Known answers: the norms computed here directly.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { VaeGan } from '../../src/model/vaegan';
import { findDivergence } from '../../src/features/training/worker/guard';
import { PendingMetrics, readNorms } from '../../src/features/training/worker/reporting';
import { NormsSeries } from '../../src/features/training/client/norms-series';
import type { MetricsPoint } from '../../src/features/training/shared/protocol';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const hp = { ...DEFAULT_HYPERPARAMS, gamma: 0.5 };

/** sqrt of the sum of squares of a network's trainable weights, computed on the CPU here. */
function norm(model: tf.LayersModel): number {
  let s = 0;
  for (const w of model.trainableWeights) for (const v of w.read().dataSync()) s += v * v;
  return Math.sqrt(s);
}

describe('norms in the report readback', () => {
  it('reads each network weight norm and the measured step gradient norms, after the probes', async () => {
    const model = new VaeGan({ ...DEFAULT_MODEL_CONFIG, hiddenUnits: 16, latentDim: 3 }, hp);
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 3) as tf.Tensor2D;
    const pending = new PendingMetrics();
    pending.push(model.trainStep(x, hp));
    model.gradients.measureNextStep();
    pending.push(model.trainStep(x, hp));
    const squares = model.gradients.take()!;
    const expected = Array.from(await squares.data()).map(Math.sqrt);
    pending.pushGradients(squares.clone());
    squares.dispose();
    const { readback, steps } = pending.take(model);
    const raw = (await readback.data()) as Float32Array;
    readback.dispose();
    expect(steps).toBe(2);
    // The guard still finds its probes where it looks for them: nothing diverged.
    expect(findDivergence(raw, steps, 2)).toBeNull();
    const norms = readNorms(raw, steps)!;
    expect(norms.weights.encoder).toBeCloseTo(norm(model.encoder), 3);
    expect(norms.weights.decoder).toBeCloseTo(norm(model.decoder), 3);
    expect(norms.weights.generator).toBeCloseTo(norm(model.decoder), 3); // shared: the decoder
    expect(norms.weights.discriminator).toBeCloseTo(norm(model.discriminator), 3);
    expect(norms.gradients.encoder).toBeCloseTo(expected[0]!, 4);
    expect(norms.gradients.discriminator).toBeCloseTo(expected[3]!, 4);
    // A report with no measured step has no norms (and computes none).
    pending.push(model.trainStep(x, hp));
    const next = pending.take(model);
    const later = (await next.readback.data()) as Float32Array;
    next.readback.dispose();
    expect(readNorms(later, next.steps)).toBeNull();
    expect(findDivergence(later, next.steps, 3)).toBeNull();
    // gamma = 0: phase 3 does not train, so G has no gradient norm.
    model.gradients.measureNextStep();
    pending.push(model.trainStep(x, { ...hp, gamma: 0 }));
    pending.pushGradients(model.gradients.take()!);
    const vae = pending.take(model);
    const vaeNorms = readNorms((await vae.readback.data()) as Float32Array, vae.steps)!;
    vae.readback.dispose();
    expect(vaeNorms.gradients.generator).toBeNull();
    expect(vaeNorms.gradients.decoder).toBeGreaterThan(0);
    x.dispose();
    model.dispose();
  });
});

describe('the page series of norms', () => {
  const point = (step: number, g: number | null): MetricsPoint =>
    ({
      step,
      time: step,
      stepsPerSec: 1,
      imagesPerSec: 64,
      values: {},
      norms: {
        weights: { encoder: step, decoder: 2, generator: 2, discriminator: 3 },
        gradients: { encoder: g, decoder: 1, generator: null, discriminator: 0 },
      },
    }) as unknown as MetricsPoint;

  it('keeps a row per report, leaves out what a log axis cannot show, and stays bounded', () => {
    const series = new NormsSeries(4);
    series.push(point(1, 0.5));
    expect(series.rows[0]).toEqual({
      step: 1,
      'w.encoder': 1,
      'w.decoder': 2,
      'w.generator': 2,
      'w.discriminator': 3,
      'g.encoder': 0.5,
      'g.decoder': 1,
    });
    for (let s = 2; s <= 6; s++) series.push(point(s, null));
    expect(series.rows.length).toBeLessThanOrEqual(4);
    expect(series.rows.at(-1)!.step).toBe(6);
    expect(series.decimate(2).map((r) => r.step)).toEqual([series.rows[1]!.step, 6]);
    series.clear();
    expect(series.rows).toEqual([]);
  });
});
