/**
 * Test-set likelihood bounds of a VAE, in nats per image, the way the literature reports them:
 * - the ELBO, log p(x|z) + log p(z) - log q(z|x) averaged over k draws z ~ q(z|x);
 * - the importance-weighted bound (IWAE, Burda et al. 2015) log (1/k) sum_i w_i over the same
 *   draws, w_i = p(x|z_i) p(z_i) / q(z_i|x). With k = 1 both are the same number; the IWAE bound
 *   never falls below the ELBO of the same draws and tightens towards log p(x) as k grows.
 * Images are binarised dynamically (each pixel is 1 with probability its intensity) with a fixed
 * seed, as in Burda et al., so the numbers are comparable with their Table 1.
 * One implementation for Node (tests, benchmark) and the quality worker.
 */
import * as tf from './tf';
import { mulberry32 } from '../shared/random';

const PIXELS = 784;
const LOG_2PI = Math.log(2 * Math.PI);

/** A VAE as two functions: x -> (mu, logvar) and z -> Bernoulli logits. */
export interface VaeFunctions {
  latentDim: number;
  /** x [n, 784] -> [n, 2 * latentDim] = concat(mu, logvar). */
  encode: (x: tf.Tensor2D) => tf.Tensor2D;
  /** z [n, latentDim] -> logits [n, 784]. */
  decode: (z: tf.Tensor2D) => tf.Tensor2D;
}

/**
 * Dynamically binarised images: pixel = 1 with probability intensity / 255, from `seed`.
 * @param images uint8 pixels, image after image
 * @param indices which images, in order
 */
export function binarize(images: Uint8Array, indices: number[], seed: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(indices.length * PIXELS);
  indices.forEach((index, k) => {
    const offset = index * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      out[k * PIXELS + p] = random() < images[offset + p]! / 255 ? 1 : 0;
    }
  });
  return out;
}

export interface BoundOptions {
  /** Importance samples per image (1 or more). */
  k: number;
  /** Seeds the draws z ~ q(z|x); the same seed gives the same numbers. */
  seed: number;
  /** Most rows (image x sample pairs) per decoder call, to bound memory. */
  maxRows?: number;
  /** Called between chunks, e.g. to yield to the event loop. */
  between?: () => Promise<void>;
}

export interface Bounds {
  /** Per image, nats: the ELBO estimate (mean of log w over the k draws). */
  elbo: Float64Array;
  /** Per image, nats: log of the mean importance weight over the same k draws. */
  iwae: Float64Array;
}

/**
 * log w = log p(x|z) + log p(z) - log q(z|x) for `s` draws of each of `m` images.
 * @returns [s, m] tensor
 */
function logWeights(
  vae: VaeFunctions,
  x: tf.Tensor2D, // [m, 784] binary
  stats: tf.Tensor2D, // [m, 2 * latentDim]
  s: number,
  seed: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const eps = tf.randomNormal(
      [s, x.shape[0], vae.latentDim],
      0,
      1,
      'float32',
      seed,
    ) as tf.Tensor3D; // [s, m, d]
    return logWeightsFor(vae, x, stats, eps);
  });
}

/**
 * log w for given standard-normal draws `eps` [s, m, latentDim]: z = mu + sigma * eps. Exported
 * so that another implementation (python/vaegan.py) can be checked against this one on the
 * same draws.
 * @returns [s, m] tensor
 */
export function logWeightsFor(
  vae: VaeFunctions,
  x: tf.Tensor2D, // [m, 784] binary
  stats: tf.Tensor2D, // [m, 2 * latentDim]
  eps: tf.Tensor3D, // [s, m, latentDim]
): tf.Tensor2D {
  return tf.tidy(() => {
    const [s, m, d] = eps.shape;
    const [mu, logvar] = tf.split(stats, 2, 1) as [tf.Tensor2D, tf.Tensor2D]; // [m, d] each
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)); // [s, m, d]
    const logits = vae.decode(z.reshape([s * m, d]) as tf.Tensor2D).reshape([s, m, PIXELS]);
    // log p(x|z) = -BCE(logits, x) = x l - max(l, 0) - log(1 + exp(-|l|))
    const logPx = tf.neg(
      tf.sum(
        tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.softplus(tf.neg(tf.abs(logits)))),
        2,
      ),
    ); // [s, m]
    const logPz = tf.mul(-0.5, tf.add(tf.sum(tf.square(z), 2), d * LOG_2PI)); // [s, m]
    // (z - mu) / sigma = eps exactly, so log q needs no division.
    const logQz = tf.mul(
      -0.5,
      tf.add(tf.add(tf.sum(tf.square(eps), 2), tf.sum(logvar, 1)), d * LOG_2PI),
    ); // [s, m]
    return tf.sub(tf.add(logPx, logPz), logQz) as tf.Tensor2D;
  });
}

/**
 * ELBO and IWAE bound (nats) of each of `count` binarised images, from k draws each.
 * The draws depend on `seed` and on the chunking (`maxRows`), so the same call gives the same
 * numbers on any backend that draws tf.randomNormal the same way.
 * @param images [count * 784] values in {0, 1}
 */
export async function likelihoodBounds(
  vae: VaeFunctions,
  images: Float32Array,
  count: number,
  options: BoundOptions,
): Promise<Bounds> {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error('k must be a whole number of at least 1');
  const maxRows = options.maxRows ?? 4096;
  const elbo = new Float64Array(count);
  const iwae = new Float64Array(count);
  // Whole images per chunk when k is small; for large k, one image and k in pieces.
  const imagesPerChunk = Math.max(1, Math.floor(maxRows / k));
  const drawsPerChunk = Math.min(k, maxRows);
  for (let start = 0; start < count; start += imagesPerChunk) {
    const m = Math.min(imagesPerChunk, count - start);
    const x = tf.tensor2d(images.subarray(start * PIXELS, (start + m) * PIXELS), [m, PIXELS]);
    const stats = tf.tidy(() => vae.encode(x));
    // Streaming log-sum-exp in float64: running max and scaled sum per image.
    const lseMax = new Float64Array(m).fill(-Infinity);
    const lseSum = new Float64Array(m);
    const sum = new Float64Array(m);
    for (let done = 0, chunk = 0; done < k; done += drawsPerChunk, chunk++) {
      const s = Math.min(drawsPerChunk, k - done);
      const lw = logWeights(vae, x, stats, s, seedFor(seed, start, chunk));
      const values = (await lw.data()) as Float32Array; // [s * m]
      lw.dispose();
      for (let j = 0; j < m; j++) {
        let max = lseMax[j]!;
        for (let i = 0; i < s; i++) max = Math.max(max, values[i * m + j]!);
        let acc = lseSum[j]! * Math.exp(lseMax[j]! - max);
        if (!Number.isFinite(acc)) acc = 0;
        for (let i = 0; i < s; i++) {
          const v = values[i * m + j]!;
          acc += Math.exp(v - max);
          sum[j]! += v;
        }
        lseMax[j] = max;
        lseSum[j] = acc;
      }
      if (options.between) await options.between();
    }
    for (let j = 0; j < m; j++) {
      elbo[start + j] = sum[j]! / k;
      iwae[start + j] = lseMax[j]! + Math.log(lseSum[j]!) - Math.log(k);
    }
    tf.dispose([x, stats]);
  }
  return { elbo, iwae };
}

function seedFor(seed: number, start: number, chunk: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + start * 7919 + chunk * 104729) >>> 0;
}

/** Mean of a Float64Array. */
export function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * Prior samples in [0, 1]: sigmoid(decode(z)), z ~ N(0, I) from `seed`.
 * @returns [count * 784]
 */
export async function priorSamples(
  decode: (z: tf.Tensor2D) => tf.Tensor2D,
  latentDim: number,
  count: number,
  seed: number,
  chunk = 500,
): Promise<Float32Array> {
  const out = new Float32Array(count * PIXELS);
  for (let start = 0, c = 0; start < count; start += chunk, c++) {
    const n = Math.min(chunk, count - start);
    const images = tf.tidy(() =>
      tf.sigmoid(decode(tf.randomNormal([n, latentDim], 0, 1, 'float32', seed + c))),
    );
    out.set((await images.data()) as Float32Array, start * PIXELS);
    images.dispose();
  }
  return out;
}
