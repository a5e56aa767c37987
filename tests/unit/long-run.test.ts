// Long runs stay flat: 2,000 training steps through the trainer's own loop (reports, pictures,
// weight copies for the explorer and the guard's last-good copies included) leave the tfjs
// tensor count where it was, at exactly what the model and the trainer's fixed tensors account
// for, and the curve history stays bounded however long the run.
import { describe, expect, it } from 'vitest';
import { MetricsSeries } from '../../src/features/training/client/metrics-series';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type ModelConfig,
} from '../../src/shared/config';
import { compactHistory } from '../../src/shared/history';
import { VaeGan } from '../../src/model/vaegan';
import type { MetricsPoint, RunSettings } from '../../src/features/training/shared/protocol';
import { lastStep, withTrainer } from '../helpers/trainer-channel';

function point(step: number, reconstruction: number): MetricsPoint {
  return {
    step,
    time: step * 10,
    values: {
      reconstruction,
      kl: 1,
      discriminator: 2,
      generator: 3,
      dReal: 0.5,
      dRecon: 0.4,
      dPrior: 0.3,
      featureRec: Number.NaN,
      skipD: 0,
      skipG: 0,
    },
    stepsPerSec: 4,
    imagesPerSec: 256,
  };
}

/**
 * Tensors a paused trainer holds for an mlp model of `config`, counted from a model built here:
 * every weight, each Adam optimiser's two moments per variable it moves and its two beta
 * powers, all twice (the model and the divergence guard's last good copy), and the three fixed
 * inputs of the pictures (test images, pair for the interpolation, prior noise).
 */
function pausedTrainerTensors(config: ModelConfig): number {
  const model = new VaeGan(config, DEFAULT_HYPERPARAMS);
  try {
    const networks = [model.encoder, model.decoder, model.discriminator];
    if (model.generator !== model.decoder) networks.push(model.generator);
    const weights = networks.reduce((n, net) => n + net.weights.length, 0);
    const moved = [
      model.vars.encoder.length + model.vars.decoder.length,
      model.vars.discriminator.length,
      model.vars.generator.length,
    ];
    const adam = moved.reduce((n, vars) => n + 2 * vars + 2, 0);
    return 2 * (weights + adam) + 3;
  } finally {
    model.dispose();
  }
}

describe('2,000 steps', () => {
  it('leave the number of tensors unchanged', async () => {
    const settings: RunSettings = {
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 2,
      hiddenUnits: 16,
      hiddenLayers: 1,
      batchSize: 8,
      seed: 11,
    };
    // 12 weights and 38 Adam tensors (16 + 8 + 8 moments, 6 beta powers): 2 * 50 + 3.
    const expected = pausedTrainerTensors({ ...DEFAULT_MODEL_CONFIG, ...settings });
    expect(expected).toBe(103);
    // A last-good copy every 20 steps, so the run replaces it about a hundred times.
    await withTrainer({ settings, snapshotEvery: 20 }, async ({ remote, events }) => {
      async function trainUntil(target: number) {
        await remote.start();
        // No clock here: a loop that stopped fails by the test's timeout.
        while (lastStep(events) < target) await new Promise((resolve) => setTimeout(resolve, 50));
        return remote.pause();
      }
      // Warm up: Adam creates its moments on the first step.
      const warm = await trainUntil(100);
      const before = await remote.getMemory();
      expect(before.transientTensors).toBe(0);
      expect(before.numTensors).toBe(expected);
      const end = await trainUntil(warm + 2000);
      expect(end).toBeGreaterThanOrEqual(warm + 2000);
      const after = await remote.getMemory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.goodCopyStep).toBeGreaterThan(warm + 1900);
      // About 15 ms a step on the CPU backend of an idle machine, several times that under load.
    });
  }, 1_800_000);
});

describe('curve history', () => {
  it('stays bounded on the page: pairs merge, weighted by the steps they cover', () => {
    const series = new MetricsSeries(100);
    for (let i = 1; i <= 1000; i++) series.push(point(i * 10, i));
    expect(series.length).toBeLessThanOrEqual(100);
    expect(series.length).toBeGreaterThan(50);
    expect(series.steps[series.length - 1]).toBe(10_000);
    // Steps stay increasing and the merged means stay inside the data's range.
    for (let i = 1; i < series.length; i++) {
      expect(series.steps[i]!).toBeGreaterThan(series.steps[i - 1]!);
    }
    // Equal steps per point: the first merged value is the mean of the points it covers.
    const firstStep = series.steps[0]!;
    const covered = firstStep / 10;
    expect(series.columns.reconstruction[0]).toBeCloseTo((covered + 1) / 2, 9);
  });

  it('stays bounded in the worker: compactHistory halves and weights by steps', () => {
    const points = [point(10, 1), point(40, 4), point(50, 9)];
    const merged = compactHistory(points);
    expect(merged).toHaveLength(2);
    // 10 steps at 1, then 30 steps at 4: (10 * 1 + 30 * 4) / 40.
    expect(merged[0]!.values.reconstruction).toBeCloseTo(130 / 40, 12);
    expect(merged[0]!.step).toBe(40);
    expect(merged[1]).toEqual(points[2]);
  });
});
