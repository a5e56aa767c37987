/**
 * The explorer's views inside the model, each computed in the explorer worker from the snapshot
 * it holds (ModelAccess), so none waits behind a training step:
 * - the posterior statistics of the embedded test images (KL per dimension, active units);
 * - the drawing, encoded (mu, sigma) and reconstructed;
 * - traversals: rows of decodings from -3 sigma to +3 sigma along each latent dimension or
 *   principal axis, around a chosen code.
 */
import { imageSize } from '../../../shared/config';
import { composeGrid, singleImage } from '../../../shared/image-grid';
import { pca } from '../../../shared/latent';
import { ACTIVE_UNIT_THRESHOLD, klPerDimension, meanActivity } from '../../../model/posterior';
import type { ModelAccess } from './model-access';
import {
  type DrawingView,
  type PosteriorStats,
  TRAVERSAL_MAX_ROWS,
  TRAVERSAL_PCA_ROWS,
  TRAVERSAL_STEPS,
  type TraversalBase,
  type TraversalRequest,
  type TraversalResult,
  type TraversalRow,
} from '../shared/protocol';

/** The KL per dimension and the active units over the embedded test images. */
export async function posteriorStats(m: ModelAccess): Promise<PosteriorStats> {
  const { mu, logvar, count } = await m.embedded();
  const d = m.latentDim;
  const activity = Array.from(meanActivity(mu, count, d));
  return {
    step: m.step,
    modelId: m.modelId,
    latentDim: d,
    count,
    kl: Array.from(klPerDimension(mu, logvar, count, d)),
    activity,
    active: activity.filter((v) => v > ACTIVE_UNIT_THRESHOLD).length,
    threshold: ACTIVE_UNIT_THRESHOLD,
  };
}

/** Checks that `image` is one image of the snapshot's size with values in [0, 1]. */
function checkImage(m: ModelAccess, image: unknown): Float32Array {
  const size = imageSize(m.image);
  if (!(image instanceof Float32Array) || image.length !== size) {
    throw new Error(
      `The drawing pad draws ${m.image.width}×${m.image.height} grey images of ${size} values`,
    );
  }
  if (!image.every((v) => v >= 0 && v <= 1)) throw new Error('A drawing has values in [0, 1]');
  return image;
}

/** The drawing encoded (mu, sigma = exp(logvar / 2)) and reconstructed, Dec(mu). */
export async function encodeDrawing(m: ModelAccess, image: Float32Array): Promise<DrawingView> {
  if (m.image.channels !== 1) {
    throw new Error('The drawing pad draws grey images; this model learns colour images');
  }
  const x = checkImage(m, image);
  const { mu, logvar } = await m.encode(x, 1);
  const recon = await m.decode(mu, 1);
  return {
    step: m.step,
    modelId: m.modelId,
    input: singleImage(x, m.image),
    recon: singleImage(recon, m.image),
    mu,
    sigma: logvar.map((v) => Math.exp(v / 2)),
  };
}

/** The code a traversal varies around. */
async function baseCode(m: ModelAccess, base: TraversalBase): Promise<Float32Array> {
  if (base === 'origin') return new Float32Array(m.latentDim);
  const image = typeof base === 'number' ? m.testImages([base]) : checkImage(m, base.drawing);
  return (await m.encode(image, 1)).mu;
}

/** The row axes of a traversal (unit vectors), with their names and sigmas. */
async function traversalAxes(
  m: ModelAccess,
  request: TraversalRequest,
): Promise<{ axes: Float32Array[]; rows: TraversalRow[]; hidden: number }> {
  const { mu, count } = await m.embedded();
  const d = m.latentDim;
  const prior = request.scale === 'prior';
  if (request.mode === 'pca') {
    const k = Math.min(TRAVERSAL_PCA_ROWS, d);
    const result = pca(mu, count, d, k);
    const total = result.totalVariance || 1;
    return {
      axes: result.components.map((c) => Float32Array.from(c)),
      rows: result.variances.map((v, i) => ({
        name: `PC${i + 1}`,
        sigma: prior ? 1 : Math.sqrt(v),
        kl: null,
        explained: v / total,
      })),
      hidden: 0,
    };
  }
  const { kl } = await posteriorStats(m);
  const spread = meanActivity(mu, count, d);
  // The dimensions that carry the most information first; past the cap, the collapsed ones go.
  const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => kl[b]! - kl[a]!);
  const shown = order.slice(0, TRAVERSAL_MAX_ROWS);
  return {
    axes: shown.map((j) => {
      const e = new Float32Array(d);
      e[j] = 1;
      return e;
    }),
    rows: shown.map((j) => ({
      name: `z${j + 1}`,
      sigma: prior ? 1 : Math.sqrt(spread[j]!),
      kl: kl[j]!,
      explained: null,
    })),
    hidden: d - shown.length,
  };
}

/**
 * For each latent dimension (largest KL first) or top principal axis, `steps` decodings of
 * base + t sigma axis, t from -3 to 3.
 */
export async function traverse(
  m: ModelAccess,
  request: TraversalRequest,
): Promise<TraversalResult> {
  const { steps } = request;
  if (!Number.isInteger(steps) || steps < TRAVERSAL_STEPS.min || steps > TRAVERSAL_STEPS.max) {
    throw new Error(
      `Traversal steps must be a whole number from ${TRAVERSAL_STEPS.min} to ${TRAVERSAL_STEPS.max}`,
    );
  }
  if (request.mode !== 'dims' && request.mode !== 'pca') throw new Error('Unknown traversal mode');
  if (request.scale !== 'codes' && request.scale !== 'prior') {
    throw new Error('Unknown traversal scale');
  }
  const base = await baseCode(m, request.base);
  const { axes, rows, hidden } = await traversalAxes(m, request);
  const d = m.latentDim;
  const offsets = Array.from({ length: steps }, (_, i) => -3 + (6 * i) / (steps - 1));
  const z = new Float32Array(rows.length * steps * d); // [rows * steps, latentDim]
  rows.forEach((row, r) => {
    offsets.forEach((t, c) => {
      const at = (r * steps + c) * d;
      for (let j = 0; j < d; j++) z[at + j] = base[j]! + t * row.sigma * axes[r]![j]!;
    });
  });
  const cells = await m.decode(z, rows.length * steps);
  return {
    step: m.step,
    grid: composeGrid(cells, rows.length * steps, { cols: steps, gap: 1 }, m.image),
    rows,
    offsets,
    hidden,
  };
}
