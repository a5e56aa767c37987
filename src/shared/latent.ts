/**
 * Latent-space geometry for the explorer: principal axes, interpolation paths and the mapping
 * between the 2-D pad and z. Pure functions on typed arrays: no tfjs, no DOM, safe on the page,
 * in a worker and under Node.
 */

/** Result of a principal component analysis: axes sorted by decreasing variance. */
export interface Pca {
  mean: Float64Array; // [dim]
  /** Unit eigenvectors of the covariance, one per row: components[k] is the k-th axis. */
  components: Float64Array[]; // k x [dim]
  /** Variance of the data along each component (eigenvalues), decreasing. */
  variances: number[];
  /** Sum of all variances (trace of the covariance). */
  totalVariance: number;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations.
 * @param a row-major [n * n] symmetric matrix (not modified)
 * @returns eigenvalues and unit eigenvectors (vectors[k] belongs to values[k]), unsorted
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
): { values: number[]; vectors: Float64Array[] } {
  const m = Float64Array.from(a);
  if (m.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries`);
  // v accumulates the rotations; its columns become the eigenvectors.
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const offNorm = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += m[i * n + j]! ** 2;
    return s;
  };
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i]! ** 2;
  const tolerance = 1e-24 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 100 && offNorm() > tolerance; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values: number[] = [];
  const vectors: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    values.push(m[k * n + k]!);
    const vec = new Float64Array(n);
    for (let i = 0; i < n; i++) vec[i] = v[i * n + k]!;
    vectors.push(vec);
  }
  return { values, vectors };
}

/**
 * Mean and unbiased sample covariance (row-major [dim * dim]) of `count` row vectors of length
 * `dim`, in float64.
 */
export function meanAndCovariance(
  points: ArrayLike<number>,
  count: number,
  dim: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j]! += points[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = points[i * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      for (let b = a; b < dim; b++) cov[a * dim + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const c = cov[a * dim + b]! / (count - 1);
      cov[a * dim + b] = c;
      cov[b * dim + a] = c;
    }
  }
  return { mean, cov };
}

/**
 * Principal components of `count` points of dimension `dim` (row-major), by the eigen-
 * decomposition of their covariance. Each axis's sign is fixed so that its largest entry is
 * positive, so the same data always gives the same axes.
 * @param k how many leading components to return (at most dim)
 */
export function pca(points: ArrayLike<number>, count: number, dim: number, k = 2): Pca {
  if (count < 2) throw new Error('pca: need at least two points');
  if (points.length < count * dim) throw new Error('pca: fewer values than count * dim');
  const { mean, cov } = meanAndCovariance(points, count, dim);
  const { values, vectors } = symmetricEigen(cov, dim);
  const order = values.map((_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const take = order.slice(0, Math.min(k, dim));
  const components = take.map((i) => {
    const vec = vectors[i]!;
    let big = 0;
    for (let j = 1; j < dim; j++) if (Math.abs(vec[j]!) > Math.abs(vec[big]!)) big = j;
    if (vec[big]! < 0) for (let j = 0; j < dim; j++) vec[j] = -vec[j]!;
    return vec;
  });
  let totalVariance = 0;
  for (let j = 0; j < dim; j++) totalVariance += cov[j * dim + j]!;
  return {
    mean,
    components,
    variances: take.map((i) => Math.max(0, values[i]!)),
    totalVariance,
  };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm of a vector. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Straight line: (1 - t) a + t b. */
export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new Error('lerp: vectors differ in length');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i]! + t * b[i]!;
  // Exact ends, whatever the rounding of (1 - t) and t.
  if (t === 0) out.set(a);
  if (t === 1) out.set(b);
  return out;
}

/**
 * Spherical interpolation: the direction turns at constant angular speed along the great circle
 * from a's direction to b's (Shoemake 1985), while the length goes linearly from |a| to |b|.
 * So the path keeps the norm of codes of equal length (where a Gaussian prior puts its mass)
 * instead of cutting through the low-density middle the way a straight line does.
 * Falls back to lerp when a direction is undefined (a zero vector) or the two are (anti)parallel.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new Error('slerp: vectors differ in length');
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) return lerp(a, b, t);
  const cos = Math.min(1, Math.max(-1, dot(a, b) / (na * nb)));
  const omega = Math.acos(cos);
  const sin = Math.sin(omega);
  if (sin < 1e-6) return lerp(a, b, t);
  if (t === 0) return Float32Array.from(a);
  if (t === 1) return Float32Array.from(b);
  const wa = Math.sin((1 - t) * omega) / sin / na;
  const wb = Math.sin(t * omega) / sin / nb;
  const length = (1 - t) * na + t * nb;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = length * (wa * a[i]! + wb * b[i]!);
  return out;
}

export type InterpolationMode = 'linear' | 'spherical';

/**
 * `steps` codes from a to b inclusive, evenly spaced in t (t = i / (steps - 1)).
 * @returns [steps * dim] row-major
 */
export function interpolationPath(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  steps: number,
  mode: InterpolationMode,
): Float32Array {
  if (!Number.isInteger(steps) || steps < 2) throw new Error('interpolationPath: steps >= 2');
  const dim = a.length;
  const out = new Float32Array(steps * dim);
  const f = mode === 'spherical' ? slerp : lerp;
  for (let i = 0; i < steps; i++) out.set(f(a, b, i / (steps - 1)), i * dim);
  return out;
}

/** A plane through latent space: z = base + x * u + y * v, with u and v orthonormal. */
export interface LatentPlane {
  base: Float32Array; // [dim]
  u: Float32Array; // [dim]
  v: Float32Array; // [dim]
}

/** The part of the plane the pad shows, in plane coordinates. */
export interface PadRange {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** The latent code at plane coordinates (x, y). */
export function planeToZ(plane: LatentPlane, x: number, y: number): Float32Array {
  const { base, u, v } = plane;
  const z = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) z[i] = base[i]! + x * u[i]! + y * v[i]!;
  return z;
}

/** Orthogonal projection of z onto the plane, in plane coordinates. */
export function zToPlane(plane: LatentPlane, z: ArrayLike<number>): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (let i = 0; i < plane.base.length; i++) {
    const d = z[i]! - plane.base[i]!;
    x += d * plane.u[i]!;
    y += d * plane.v[i]!;
  }
  return { x, y };
}

/** Unit vector along latent axis `axis`. */
export function axisVector(dim: number, axis: number): Float32Array {
  if (!Number.isInteger(axis) || axis < 0 || axis >= dim) {
    throw new Error(`latent axis must be a whole number from 1 to ${dim}`);
  }
  const e = new Float32Array(dim);
  e[axis] = 1;
  return e;
}

/**
 * Pad pixel (px, py) -> plane coordinates. Pixel (0, 0) is the top-left corner of the pad, so
 * y grows upwards on screen as on a chart. Points outside the pad are clamped to its edge.
 */
export function padToPlane(
  px: number,
  py: number,
  width: number,
  height: number,
  range: PadRange,
): { x: number; y: number } {
  const fx = Math.min(1, Math.max(0, px / width));
  const fy = Math.min(1, Math.max(0, py / height));
  return {
    x: range.xMin + fx * (range.xMax - range.xMin),
    y: range.yMax - fy * (range.yMax - range.yMin),
  };
}

/** Plane coordinates -> pad pixel (not clamped: points off the pad land outside). */
export function planeToPad(
  x: number,
  y: number,
  width: number,
  height: number,
  range: PadRange,
): { px: number; py: number } {
  return {
    px: ((x - range.xMin) / (range.xMax - range.xMin)) * width,
    py: ((range.yMax - y) / (range.yMax - range.yMin)) * height,
  };
}

/** Clamps plane coordinates into the range. */
export function clampToRange(x: number, y: number, range: PadRange): { x: number; y: number } {
  return {
    x: Math.min(range.xMax, Math.max(range.xMin, x)),
    y: Math.min(range.yMax, Math.max(range.yMin, y)),
  };
}

/**
 * The pad's range from the points on it: mean +- `spread` standard deviations along each axis,
 * never narrower than +- `minHalf`, so an untrained model's collapsed codes still get a pad.
 * @param coords [count * 2] plane coordinates (x, y) of the points
 */
export function rangeFromPoints(
  coords: ArrayLike<number>,
  count: number,
  spread = 3,
  minHalf = 0.5,
): PadRange {
  if (count === 0) return { xMin: -3, xMax: 3, yMin: -3, yMax: 3 };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < count; i++) {
    sx += coords[2 * i]!;
    sy += coords[2 * i + 1]!;
  }
  const mx = sx / count;
  const my = sy / count;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < count; i++) {
    vx += (coords[2 * i]! - mx) ** 2;
    vy += (coords[2 * i + 1]! - my) ** 2;
  }
  const hx = Math.max(minHalf, spread * Math.sqrt(vx / Math.max(1, count - 1)));
  const hy = Math.max(minHalf, spread * Math.sqrt(vy / Math.max(1, count - 1)));
  return { xMin: mx - hx, xMax: mx + hx, yMin: my - hy, yMax: my + hy };
}

/**
 * Points of an n x n grid over the range, at cell centres, row by row from the top:
 * [n * n * 2] plane coordinates, for decoding the plane as a grid of images behind the pad.
 */
export function gridPoints(range: PadRange, n: number): Float32Array {
  const out = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      out[2 * i] = range.xMin + ((c + 0.5) / n) * (range.xMax - range.xMin);
      out[2 * i + 1] = range.yMax - ((r + 0.5) / n) * (range.yMax - range.yMin);
    }
  }
  return out;
}
