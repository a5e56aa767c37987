/**
 * How well generated samples cover the data, judged by k-nearest-neighbour balls in a feature
 * space (here the 64 penultimate features of the project's classifier):
 * - improved precision and recall (Kynkäänniemi et al. 2019): the share of generated points
 *   inside the union of the real points' k-NN balls, and the share of real points inside the
 *   union of the generated points' balls;
 * - density and coverage (Naeem et al. 2020): how many real balls hold a generated point on
 *   average (divided by k, so about 1 when the two sets come from one distribution), and the
 *   share of real balls that hold at least one generated point.
 * Where FCD gives one number for both fidelity and diversity, these four tell them apart.
 *
 * Pure functions on row-major Float32Arrays: no tfjs, no DOM. The cost is the three pairwise
 * distance matrices: for 1,000 points of 64 features each, about 0.2 G multiply-adds.
 */

/** Squared Euclidean distances between every row of `a` [n, dim] and every row of `b` [m, dim]. */
export function pairwiseSquared(
  a: ArrayLike<number>,
  n: number,
  b: ArrayLike<number>,
  m: number,
  dim: number,
): Float64Array {
  const out = new Float64Array(n * m); // [n, m]
  // ||a||^2 + ||b||^2 - 2 a.b loses digits for close points; the direct sum costs the same
  // number of multiply-adds and keeps exact zeros for equal rows.
  for (let i = 0; i < n; i++) {
    const ai = i * dim;
    for (let j = 0; j < m; j++) {
      const bj = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = a[ai + d]! - b[bj + d]!;
        s += diff * diff;
      }
      out[i * m + j] = s;
    }
  }
  return out;
}

/**
 * The squared radius of each point's k-NN ball within its own set: the distance to its k-th
 * nearest other point (the point itself, at distance 0, is not counted).
 */
export function knnRadiiSquared(points: ArrayLike<number>, n: number, dim: number, k: number) {
  if (n <= k) throw new Error(`k-NN radii need more than k = ${k} points, got ${n}`);
  const d = pairwiseSquared(points, n, points, n, dim);
  const radii = new Float64Array(n);
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[w++] = d[i * n + j]!;
    row.sort();
    radii[i] = row[k - 1]!;
  }
  return radii;
}

export interface ManifoldScores {
  /** Share of generated points inside the real manifold (fidelity). */
  precision: number;
  /** Share of real points inside the generated manifold (diversity). */
  recall: number;
  /** Mean number of real balls holding a generated point, divided by k (fidelity, unbounded). */
  density: number;
  /** Share of real balls holding at least one generated point (diversity). */
  coverage: number;
  k: number;
  realCount: number;
  fakeCount: number;
}

/**
 * Precision, recall, density and coverage of `fake` [m, dim] against `real` [n, dim].
 * @param k neighbours per ball: 3 as in Kynkäänniemi et al.; Naeem et al. use 5
 */
export function manifoldScores(
  real: ArrayLike<number>,
  realCount: number,
  fake: ArrayLike<number>,
  fakeCount: number,
  dim: number,
  k = 3,
): ManifoldScores {
  const realRadii = knnRadiiSquared(real, realCount, dim, k);
  const fakeRadii = knnRadiiSquared(fake, fakeCount, dim, k);
  const cross = pairwiseSquared(real, realCount, fake, fakeCount, dim); // [realCount, fakeCount]
  let precise = 0;
  let densitySum = 0;
  for (let j = 0; j < fakeCount; j++) {
    let holders = 0;
    for (let i = 0; i < realCount; i++) if (cross[i * fakeCount + j]! <= realRadii[i]!) holders++;
    if (holders > 0) precise++;
    densitySum += holders;
  }
  let recalled = 0;
  let covered = 0;
  for (let i = 0; i < realCount; i++) {
    let inFake = false;
    let nearest = Infinity;
    for (let j = 0; j < fakeCount; j++) {
      const d = cross[i * fakeCount + j]!;
      if (d <= fakeRadii[j]!) inFake = true;
      if (d < nearest) nearest = d;
    }
    if (inFake) recalled++;
    if (nearest <= realRadii[i]!) covered++;
  }
  return {
    precision: precise / fakeCount,
    recall: recalled / realCount,
    density: densitySum / (k * fakeCount),
    coverage: covered / realCount,
    k,
    realCount,
    fakeCount,
  };
}
