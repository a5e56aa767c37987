// The measures that look inside the model, each against a case with a known answer: precision,
// recall, density and coverage of point sets; the per-dimension KL and the active units; the
// drawing pad's MNIST-like image of a drawn stroke; the nearest training image.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { median, nearestImages } from '../../src/model/nearest';
import { klPerDimension, activeUnits, meanActivity } from '../../src/model/posterior';
import { knnRadiiSquared, manifoldScores, pairwiseSquared } from '../../src/model/manifold';
import {
  centreOfMass,
  drawingToImage,
  MNIST_DRAWING,
  rasterize,
} from '../../src/features/explorer/shared/drawing';
import { mulberry32 } from '../../src/shared/random';

/** n points of an isotropic Gaussian in `dim` dimensions, centred at `shift` on axis 0. */
function gaussian(n: number, dim: number, shift: number, seed: number): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i += 2) {
    // Box-Muller: two normal draws from two uniform ones.
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  for (let i = 0; i < n; i++) out[i * dim] = out[i * dim]! + shift;
  return out;
}

describe('precision, recall, density and coverage', () => {
  it('computes distances and k-NN radii on a grid whose answers are known', () => {
    // Five points on a line at 0, 1, 2, 3, 4: the 2nd nearest other point of 0 is at 2.
    const line = Float32Array.from([0, 1, 2, 3, 4]);
    expect(Array.from(pairwiseSquared(line, 5, line, 5, 1).subarray(0, 5))).toEqual([
      0, 1, 4, 9, 16,
    ]);
    expect(Array.from(knnRadiiSquared(line, 5, 1, 2))).toEqual([4, 1, 1, 1, 4]);
    expect(() => knnRadiiSquared(line, 3, 1, 3)).toThrow(/more than k/);
  });

  it('gives 1, 1, about 1 and 1 for a set measured against itself', () => {
    const points = gaussian(400, 8, 0, 1);
    const s = manifoldScores(points, 400, points, 400, 8, 3);
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(1);
    expect(s.coverage).toBe(1);
    // Each point lies in its own ball and in those of the neighbours that have it within
    // their 3 nearest: 1 + 3 on average, over k = 3.
    expect(s.density).toBeCloseTo(4 / 3, 5);
  });

  it('tells fidelity from diversity: far apart, nested and equal Gaussians', () => {
    const real = gaussian(500, 4, 0, 2);
    // Two draws of the same distribution: all four near their ideal values.
    const same = manifoldScores(real, 500, gaussian(500, 4, 0, 3), 500, 4);
    expect(same.precision).toBeGreaterThan(0.85);
    expect(same.recall).toBeGreaterThan(0.85);
    expect(same.density).toBeGreaterThan(0.8);
    expect(same.density).toBeLessThan(1.2);
    expect(same.coverage).toBeGreaterThan(0.9);
    // Twenty standard deviations apart: nothing overlaps.
    const far = manifoldScores(real, 500, gaussian(500, 4, 20, 4), 500, 4);
    expect([far.precision, far.recall, far.density, far.coverage]).toEqual([0, 0, 0, 0]);
    // Samples of a quarter of the data's spread (mode collapse): faithful but not diverse.
    const narrow = gaussian(500, 4, 0, 5).map((v) => v * 0.25);
    const collapsed = manifoldScores(real, 500, narrow, 500, 4);
    expect(collapsed.precision).toBeGreaterThan(0.95);
    expect(collapsed.recall).toBeLessThan(0.35);
    expect(collapsed.coverage).toBeLessThan(0.35);
    expect(collapsed.density).toBeGreaterThan(same.density);
  });
});

describe('posterior collapse measures', () => {
  it('splits the KL by dimension, and the parts sum to the closed-form KL', () => {
    const mu = Float32Array.from([1, 0, -1, 0]); // two images, two dimensions
    const logvar = Float32Array.from([0, Math.log(4), 0, Math.log(4)]);
    const kl = klPerDimension(mu, logvar, 2, 2);
    // Dimension 0: mu = +-1, sigma = 1: 0.5 * 1 each. Dimension 1: mu = 0, sigma^2 = 4.
    expect(kl[0]).toBeCloseTo(0.5, 6);
    expect(kl[1]).toBeCloseTo(0.5 * (4 - 1 - Math.log(4)), 6);
    const mu2 = gaussian(50, 6, 0.3, 8);
    const lv2 = gaussian(50, 6, -1, 9).map((v) => v * 0.3);
    let total = 0;
    for (let i = 0; i < 50 * 6; i++) {
      total += 0.5 * (mu2[i]! ** 2 + Math.exp(lv2[i]!) - 1 - lv2[i]!);
    }
    const parts = klPerDimension(mu2, lv2, 50, 6).reduce((a, b) => a + b, 0);
    expect(parts).toBeCloseTo(total / 50, 5);
  });

  it('counts as active only the dimensions whose mean moves with x by more than 0.01', () => {
    const count = 200;
    const dims = 5;
    const mu = new Float32Array(count * dims);
    const noise = gaussian(count, 1, 0, 10);
    for (let i = 0; i < count; i++) {
      mu[i * dims + 0] = noise[i]!; // variance about 1: active
      mu[i * dims + 1] = 0.05 * noise[i]!; // variance about 0.0025: collapsed
      mu[i * dims + 2] = 3; // constant: collapsed
      mu[i * dims + 3] = i % 2 === 0 ? 0.2 : -0.2; // variance exactly 0.04: active
      mu[i * dims + 4] = i % 2 === 0 ? 0.09 : -0.09; // variance 0.0081: collapsed
    }
    const activity = meanActivity(mu, count, dims);
    expect(activity[2]).toBe(0);
    expect(activity[3]).toBeCloseTo(0.04, 6);
    expect(activeUnits(mu, count, dims)).toBe(2);
    expect(activeUnits(mu, count, dims, 0.001)).toBe(4);
  });
});

describe('the drawing pad', () => {
  it('turns a drawn vertical stroke into a centred, 20-pixel tall, MNIST-thick line', () => {
    // Drawn on a 300 x 300 pad, top to bottom, a little left of the middle.
    const stroke = Array.from({ length: 30 }, (_, i) => ({ x: 120, y: 40 + i * 8 }));
    const image = drawingToImage([stroke])!;
    expect(image).toHaveLength(28 * 28);
    const centre = centreOfMass(image, 28)!;
    expect(centre.x).toBeCloseTo(14, 1);
    expect(centre.y).toBeCloseTo(14, 1);
    const inkedRows = Array.from({ length: 28 }, (_, y) =>
      image.subarray(y * 28, y * 28 + 28).some((v) => v > 0.5),
    ).filter(Boolean).length;
    // 20 pixels of line plus the round caps, which reach half a pen width past each end.
    expect(inkedRows).toBeGreaterThanOrEqual(20);
    expect(inkedRows).toBeLessThanOrEqual(22);
    const middleRow = Array.from(image.subarray(14 * 28, 15 * 28));
    const width = middleRow.reduce((a, b) => a + b, 0);
    // The pen's width, to the sub-sampling's quarter pixel.
    expect(Math.abs(width - MNIST_DRAWING.penWidth)).toBeLessThanOrEqual(0.15);
    expect(Math.max(...image)).toBe(1);
  });

  it('keeps a dot a dot, and an empty drawing is no image', () => {
    expect(drawingToImage([])).toBeNull();
    expect(drawingToImage([[]])).toBeNull();
    const dot = drawingToImage([[{ x: 5, y: 5 }]])!;
    const ink = dot.reduce((a, b) => a + b, 0);
    // A pen of width w leaves a disc of area pi w^2 / 4.
    expect(ink).toBeCloseTo((Math.PI * MNIST_DRAWING.penWidth ** 2) / 4, 0);
    expect(centreOfMass(dot, 28)!.x).toBeCloseTo(14, 1);
  });

  it('rasterises in output pixels: a horizontal segment fills the pixels it passes', () => {
    const image = rasterize(
      [
        [
          { x: 4, y: 10.5 },
          { x: 20, y: 10.5 },
        ],
      ],
      {
        ...MNIST_DRAWING,
        penWidth: 1,
      },
    );
    expect(image[10 * 28 + 10]).toBe(1);
    expect(image[9 * 28 + 10]).toBe(0);
    expect(image[10 * 28 + 25]).toBe(0);
  });
});

describe('the nearest training image', () => {
  it('finds an exact copy at distance 0 and a shifted image at its hand-computed distance', async () => {
    await tf.setBackend('cpu');
    const pixels = 4;
    // Five "training images" of four pixels: 0, 255, and three mixed ones.
    const train = Uint8Array.from([
      0, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 51,
    ]);
    const queries = Float32Array.from([
      0,
      0,
      1,
      0.2, // an exact copy of image 4
      1,
      0.5,
      0,
      0, // nearest to image 2: distance 0.5
      0.9,
      0.9,
      0.9,
      0.9, // nearest to image 1: distance sqrt(4 * 0.01) = 0.2
    ]);
    const { index, distance } = await nearestImages(queries, 3, train, 5, pixels, { chunk: 2 });
    expect(Array.from(index)).toEqual([4, 2, 1]);
    expect(distance[0]).toBeCloseTo(0, 3);
    expect(distance[1]).toBeCloseTo(0.5, 5);
    expect(distance[2]).toBeCloseTo(0.2, 5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
