/**
 * The memorisation check: for each query image (a prior sample), its nearest training image by
 * Euclidean distance in pixel space. The squared distances come from one matrix product per
 * chunk of the training set on the tfjs backend, ‖a‖² + ‖b‖² − 2 a·b, so 60,000 training
 * images cost 64 × 784 × 60,000 ≈ 3 G multiply-adds for 64 queries, not a JavaScript loop.
 * Samples that sit much closer to a training image than held-out test images do are copies.
 */
import * as tf from './tf';

export interface Nearest {
  /** Index in the training set of each query's nearest image, [queries]. */
  index: Int32Array;
  /** Euclidean distance to it, pixels in [0, 1], [queries]. */
  distance: Float32Array;
}

export interface NearestOptions {
  /** Training images per matrix product. */
  chunk?: number;
  /** Awaited between chunks (a worker lets other requests in). */
  between?: () => Promise<void>;
}

/**
 * The nearest of `imageCount` training images (uint8, row after row) to each of `queryCount`
 * query images (values in [0, 1], row after row), `pixels` values each.
 */
export async function nearestImages(
  queries: Float32Array,
  queryCount: number,
  images: Uint8Array,
  imageCount: number,
  pixels: number,
  options: NearestOptions = {},
): Promise<Nearest> {
  if (queries.length < queryCount * pixels || images.length < imageCount * pixels) {
    throw new Error('nearestImages: fewer values than the counts say');
  }
  const chunk = options.chunk ?? 4096;
  const bestIndex = new Int32Array(queryCount).fill(-1);
  const bestSquared = new Float32Array(queryCount).fill(Number.POSITIVE_INFINITY);
  const a = tf.tensor2d(queries.subarray(0, queryCount * pixels), [queryCount, pixels]);
  const aSquared = tf.tidy(() => tf.sum(tf.square(a), 1, true)); // [queries, 1]
  const rows = new Float32Array(chunk * pixels);
  try {
    for (let start = 0; start < imageCount; start += chunk) {
      const n = Math.min(chunk, imageCount - start);
      const block = images.subarray(start * pixels, (start + n) * pixels);
      for (let i = 0; i < block.length; i++) rows[i] = block[i]! / 255;
      const [minimum, argMin] = tf.tidy(() => {
        const b = tf.tensor2d(rows.subarray(0, n * pixels), [n, pixels]); // [n, pixels]
        const bSquared = tf.sum(tf.square(b), 1).reshape([1, n]); // [1, n]
        const dots = tf.matMul(a, b, false, true); // [queries, n]
        const squared = tf.sub(tf.add(aSquared, bSquared), tf.mul(2, dots)); // [queries, n]
        return [tf.min(squared, 1), tf.argMin(squared, 1)]; // [queries] each
      });
      const [m, k] = await Promise.all([minimum!.data(), argMin!.data()]);
      tf.dispose([minimum!, argMin!]);
      for (let q = 0; q < queryCount; q++) {
        if (m[q]! < bestSquared[q]!) {
          bestSquared[q] = m[q]!;
          bestIndex[q] = start + k[q]!;
        }
      }
      await options.between?.();
    }
  } finally {
    tf.dispose([a, aSquared]);
  }
  // The difference of large sums can dip a rounding error below 0 for an exact copy.
  const distance = bestSquared.map((d) => Math.sqrt(Math.max(0, d)));
  return { index: bestIndex, distance };
}

/** The median of a list of numbers (NaN when empty). */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}
