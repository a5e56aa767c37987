// Long runs stay flat: 2,000 training steps through the trainer's own loop (reports, pictures,
// weight copies for the explorer and the guard's last-good copies included) leave the tfjs
// tensor count where it was, and the curve history stays bounded however long the run.
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { MetricsSeries } from '../../src/features/training/client/metrics-series';
import { compactHistory } from '../../src/shared/history';
import { createTrainerApi, type TrainerApi } from '../../src/features/training/worker/trainer-api';
import type {
  MetricsPoint,
  RunSettings,
  TrainerEvent,
} from '../../src/features/training/shared/protocol';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';

const root = fileURLToPath(new URL('../../', import.meta.url));

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

describe('2,000 steps', () => {
  const channel = new MessageChannel();
  let remote: Comlink.Remote<TrainerApi>;
  let step = 0;

  beforeAll(async () => {
    await prepareDatasets({ root });
    // A last-good copy every 20 steps, so the run replaces it about a hundred times.
    Comlink.expose(
      createTrainerApi({ fetchBytes: nodeFetchBytes, snapshotEvery: 20 }),
      channel.port1,
    );
    remote = Comlink.wrap<TrainerApi>(channel.port2);
    await remote.init(
      { backend: 'cpu', datasetsBaseUrl: '/datasets/' },
      Comlink.proxy((event: TrainerEvent) => {
        if (event.type === 'metrics') step = event.point.step;
      }),
    );
    const settings: RunSettings = {
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 2,
      hiddenUnits: 16,
      batchSize: 8,
      seed: 11,
    };
    await remote.configure(settings);
  });

  afterAll(async () => {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  });

  async function trainUntil(target: number) {
    await remote.start();
    // No clock here: a loop that stopped fails by the test's timeout.
    while (step < target) await new Promise((resolve) => setTimeout(resolve, 50));
    return remote.pause();
  }

  it('leave the number of tensors unchanged', async () => {
    // Warm up: Adam creates its moments on the first step.
    const warm = await trainUntil(100);
    const before = tf.memory().numTensors;
    const memory = await remote.getMemory();
    expect(memory.numTensors).toBe(before);
    const end = await trainUntil(warm + 2000);
    expect(end).toBeGreaterThanOrEqual(warm + 2000);
    expect(tf.memory().numTensors).toBe(before);
    const after = await remote.getMemory();
    expect(after.goodCopyStep).toBeGreaterThan(warm + 1900);
    // About 15 ms a step on the CPU backend of an idle machine, several times that under load.
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
