// Dynamic binarisation of the training batches (the "Binarise the training images" switch):
// bits of 0 and 1 drawn with the grey level as the probability, the same bits for the same run
// and step (so a restored run draws what it would have), fresh bits at every other step.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchSampler,
  binarizeInPlace,
  binarizeSeed,
} from '../../src/features/training/worker/batch-sampler';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 40 images of 100 pixels, each pixel's grey level (pixel index * 2.55) known. */
const COUNT = 40;
const PIXELS = 100;
const images = Uint8Array.from({ length: COUNT * PIXELS }, (_, i) =>
  Math.round((i % PIXELS) * 2.55),
);

describe('dynamic binarisation', () => {
  it('gives 0 or 1, with the grey level as the frequency of 1', () => {
    const grey = new Float32Array(200_000).fill(0.3);
    binarizeInPlace(grey, 7);
    expect(grey.every((v) => v === 0 || v === 1)).toBe(true);
    const ones = grey.reduce((a, b) => a + b, 0) / grey.length;
    // 200,000 draws of p = 0.3: the standard error is 0.001.
    expect(Math.abs(ones - 0.3)).toBeLessThan(0.005);
    // 0 stays 0 and 1 stays 1.
    const ends = Float32Array.from([0, 1, 0, 1]);
    binarizeInPlace(ends, 3);
    expect(Array.from(ends)).toEqual([0, 1, 0, 1]);
  });

  it('draws the same bits for the same run and step, and others for another step or seed', async () => {
    const batchAt = async (seed: number, step: number) => {
      const sampler = new BatchSampler(images, COUNT, seed, PIXELS);
      sampler.advance(step, 8);
      const x = sampler.next(8, step);
      const bits = Array.from(await x.data());
      x.dispose();
      return bits;
    };
    const a = await batchAt(5, 12);
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    expect(await batchAt(5, 12)).toEqual(a);
    expect(await batchAt(5, 13)).not.toEqual(a);
    expect(await batchAt(6, 12)).not.toEqual(a);
  });

  it('keeps the grey batch without a step, and the same images with one', async () => {
    const grey = new BatchSampler(images, COUNT, 2, PIXELS).next(8);
    const bits = new BatchSampler(images, COUNT, 2, PIXELS).next(8, 0);
    const g = await grey.data();
    const b = await bits.data();
    expect(Array.from(g).some((v) => v > 0 && v < 1)).toBe(true);
    // Dark pixels (under 0.05) give almost no 1s, bright ones (over 0.95) almost no 0s.
    let darkOnes = 0;
    let brightZeros = 0;
    g.forEach((v, i) => {
      if (v < 0.05) darkOnes += b[i]!;
      if (v > 0.95) brightZeros += 1 - b[i]!;
    });
    expect(darkOnes).toBeLessThan(5);
    expect(brightZeros).toBeLessThan(5);
    tf.dispose([grey, bits]);
  });

  it('seeds any step up to 2^53 without overflow', () => {
    const seeds = [0, 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER].map((s) =>
      binarizeSeed(9, s),
    );
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32)).toBe(true);
    expect(new Set(seeds).size).toBe(seeds.length);
  });
});
