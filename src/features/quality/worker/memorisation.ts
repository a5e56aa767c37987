/**
 * The memorisation check on the quality worker's backend: prior samples of a run beside their
 * nearest training images (pixel distance, src/model/nearest.ts), and the same distance for as
 * many held-out test images. A model that copies its training set makes samples that sit much
 * closer to a training image than real digits it has never seen do.
 */
import * as tf from '../../../model/tf';
import { median, nearestImages } from '../../../model/nearest';
import { priorSamples } from '../../../model/quality';
import { composeGrid, interleave, toUnitFloats } from '../../../shared/image-grid';
import type { TestSet } from '../../../shared/test-split';
import { SAMPLES_SEED, type MemorisationResult, type RunKey } from '../shared/quality-protocol';

/** The training images, as loadTrainImages gives them. */
export interface TrainImages {
  count: number;
  images: Uint8Array;
}

const PIXELS = 784;
const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Test images' nearest-training distances, per data set and count: they never change. */
const yardsticks = new Map<string, Float32Array>();

/**
 * `count` prior samples of `generate` (the quality panel's seed, so the same noise as the FCD's
 * first samples) beside their nearest training images, with the test images' yardstick.
 */
export async function memorisationCheck(
  run: { key: RunKey; step: number; modelId: number; latentDim: number },
  generate: (z: tf.Tensor2D) => tf.Tensor2D,
  train: TrainImages,
  test: TestSet,
  count: number,
): Promise<MemorisationResult> {
  const t0 = performance.now();
  const samples = await priorSamples(generate, run.latentDim, count, SAMPLES_SEED);
  const near = await nearestImages(samples, count, train.images, train.count, PIXELS, {
    between: yieldNow,
  });
  const key = `${test.id}:${count}`;
  let testDistances = yardsticks.get(key);
  if (!testDistances) {
    const first = Array.from({ length: count }, (_, i) => i);
    testDistances = (
      await nearestImages(
        toUnitFloats(test.images, first),
        count,
        train.images,
        train.count,
        PIXELS,
        {
          between: yieldNow,
        },
      )
    ).distance;
    yardsticks.set(key, testDistances);
  }
  const testMin = Math.min(...testDistances);
  const neighbours = toUnitFloats(train.images, Array.from(near.index));
  return {
    run: run.key,
    step: run.step,
    modelId: run.modelId,
    count,
    grid: composeGrid(interleave(samples, neighbours), 2 * count, {
      cols: 16,
      gap: 1,
      groupEvery: 2,
      groupGap: 4,
    }),
    distances: Array.from(near.distance),
    indices: Array.from(near.index),
    sampleMedian: median(near.distance),
    testMedian: median(testDistances),
    testMin,
    closerThanTest: near.distance.filter((d) => d < testMin).length,
    ms: performance.now() - t0,
  };
}
