/**
 * The Frechet distance between two Gaussians fitted to feature vectors, and the mode-coverage
 * summary of a class histogram. Pure functions on typed arrays (no tfjs, no DOM), in float64.
 *
 * d^2 = |mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1^1/2 C2 C1^1/2)^1/2)
 * The last trace equals tr((C1 C2)^1/2) (the two matrices are similar) but needs only square
 * roots of symmetric positive semi-definite matrices, which an eigen-decomposition gives exactly.
 */
import { meanAndCovariance, symmetricEigen } from '../shared/latent';

export interface Gaussian {
  dim: number;
  mean: Float64Array; // [dim]
  /** Row-major [dim * dim], the unbiased sample covariance. */
  cov: Float64Array;
}

/** Mean and unbiased covariance of `count` row vectors of length `dim`. */
export function fitGaussian(points: ArrayLike<number>, count: number, dim: number): Gaussian {
  if (count < 2) throw new Error('fitGaussian: need at least two points');
  if (points.length < count * dim) throw new Error('fitGaussian: too few values');
  const { mean, cov } = meanAndCovariance(points, count, dim);
  return { dim, mean, cov };
}

/**
 * Square root of a symmetric positive semi-definite matrix: V diag(sqrt(max(l, 0))) V^T.
 * Eigenvalues below zero can only be rounding error of a PSD matrix and are clamped.
 */
export function sqrtPsd(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(values[k]!, 0));
    if (s === 0) continue;
    const v = vectors[k]!;
    for (let i = 0; i < n; i++) {
      const vi = s * v[i]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += vi * v[j]!;
    }
  }
  return out;
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return out;
}

/** tr(M^1/2) of a symmetric PSD matrix: the sum of the square roots of its eigenvalues. */
function traceSqrt(m: Float64Array, n: number): number {
  // Symmetrise first: products of symmetric matrices pick up rounding asymmetry.
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (m[i * n + j]! + m[j * n + i]!);
  }
  return symmetricEigen(s, n).values.reduce((t, l) => t + Math.sqrt(Math.max(l, 0)), 0);
}

/** The squared Frechet (2-Wasserstein) distance between two Gaussians of the same dimension. */
export function frechetDistance(p: Gaussian, q: Gaussian): number {
  const n = p.dim;
  if (q.dim !== n) throw new Error('frechetDistance: dimensions differ');
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (p.mean[i]! - q.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < n; i++) traces += p.cov[i * n + i]! + q.cov[i * n + i]!;
  const root = sqrtPsd(p.cov, n);
  const cross = traceSqrt(matMul(matMul(root, q.cov, n), root, n), n);
  // Rounding can leave a tiny negative number for identical inputs; a distance is >= 0.
  return Math.max(0, meanTerm + traces - 2 * cross);
}

/** Share of samples a class needs to count as present in the mode coverage. */
export const COVERAGE_MIN_SHARE = 0.01;

/** Class histogram of predicted labels, and how many classes hold at least COVERAGE_MIN_SHARE. */
export function modeCoverage(
  predictions: ArrayLike<number>,
  classes: number,
): { histogram: number[]; present: number } {
  const histogram = new Array<number>(classes).fill(0);
  for (let i = 0; i < predictions.length; i++) histogram[predictions[i]!]! += 1;
  const min = COVERAGE_MIN_SHARE * predictions.length;
  const present = histogram.filter((c) => c > 0 && c >= min).length;
  return { histogram, present };
}
