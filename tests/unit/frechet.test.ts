// The Frechet distance and mode coverage on cases with known answers.
import { describe, expect, it } from 'vitest';
import {
  COVERAGE_MIN_SHARE,
  fitGaussian,
  frechetDistance,
  modeCoverage,
  sqrtPsd,
} from '../../src/model/frechet';
import { mulberry32 } from '../../src/shared/random';

/** Standard normal draws from a seeded generator (Box-Muller). */
function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** `count` points in `dim` dimensions with correlated coordinates (x = A g, g standard normal). */
function correlatedSample(count: number, dim: number, seed: number): Float64Array {
  const draw = gaussian(seed);
  const mix = Array.from({ length: dim * dim }, () => draw());
  const out = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    const g = Array.from({ length: dim }, () => draw());
    for (let r = 0; r < dim; r++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += mix[r * dim + c]! * g[c]!;
      out[i * dim + r] = s;
    }
  }
  return out;
}

describe('fitGaussian', () => {
  it('gives the mean and the unbiased covariance of a small sample', () => {
    // Points (0,0), (2,0), (0,2), (2,2): mean (1,1), variances 4/3, covariance 0.
    const g = fitGaussian([0, 0, 2, 0, 0, 2, 2, 2], 4, 2);
    expect(Array.from(g.mean)).toEqual([1, 1]);
    expect(g.cov[0]).toBeCloseTo(4 / 3, 12);
    expect(g.cov[3]).toBeCloseTo(4 / 3, 12);
    expect(g.cov[1]).toBeCloseTo(0, 12);
  });

  it('refuses fewer than two points', () => {
    expect(() => fitGaussian([1, 2], 1, 2)).toThrow(/two points/);
  });
});

describe('sqrtPsd', () => {
  it('returns a matrix whose square is the input', () => {
    const dim = 6;
    const g = fitGaussian(correlatedSample(200, dim, 3), 200, dim);
    const r = sqrtPsd(g.cov, dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += r[i * dim + k]! * r[k * dim + j]!;
        expect(s).toBeCloseTo(g.cov[i * dim + j]!, 9);
      }
    }
  });
});

describe('frechetDistance', () => {
  const dim = 8;
  const count = 500;
  const sample = correlatedSample(count, dim, 11);

  it('is about 0 between a Gaussian sample and itself', () => {
    const g = fitGaussian(sample, count, dim);
    expect(frechetDistance(g, g)).toBeLessThan(1e-8);
  });

  it('equals |mu1 - mu2|^2 for a shifted copy (same covariance)', () => {
    const shift = Array.from({ length: dim }, (_, j) => 0.5 * (j - 3));
    const shifted = sample.map((v, i) => v + shift[i % dim]!);
    const a = fitGaussian(sample, count, dim);
    const b = fitGaussian(shifted, count, dim);
    const expected = shift.reduce((s, v) => s + v * v, 0);
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 6);
    expect(frechetDistance(b, a)).toBeCloseTo(expected, 6);
  });

  it('matches the closed form for diagonal covariances: sum (sqrt(a) - sqrt(b))^2', () => {
    const p = {
      dim: 3,
      mean: Float64Array.from([0, 0, 0]),
      cov: Float64Array.from([4, 0, 0, 0, 1, 0, 0, 0, 9]),
    };
    const q = {
      dim: 3,
      mean: Float64Array.from([1, 0, 2]),
      cov: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 16]),
    };
    // |dmu|^2 = 5; (2-1)^2 + 0 + (3-4)^2 = 2.
    expect(frechetDistance(p, q)).toBeCloseTo(7, 10);
  });

  it('matches the closed form for a rotated covariance: tr terms do not need commuting matrices', () => {
    // q's covariance is p's rotated by 90 degrees: diag(4, 1) vs diag(1, 4), same means.
    // d^2 = tr(C1) + tr(C2) - 2 tr((C1 C2)^1/2) = 5 + 5 - 2 (2 + 2) = 2.
    const p = { dim: 2, mean: new Float64Array(2), cov: Float64Array.from([4, 0, 0, 1]) };
    const q = { dim: 2, mean: new Float64Array(2), cov: Float64Array.from([1, 0, 0, 4]) };
    expect(frechetDistance(p, q)).toBeCloseTo(2, 10);
    // A 45-degree rotation of diag(4, 1) against diag(4, 1): computed independently by the
    // eigenvalues of C1^1/2 C2 C1^1/2 for C2 = R diag(4,1) R^T: tr sqrt = sqrt(l1) + sqrt(l2)
    // with l1 + l2 = tr(C1 C2) = 4*2.5 + 1*2.5 = 12.5 and l1 l2 = det(C1) det(C2) = 16.
    const c = Math.SQRT1_2;
    const rotated = Float64Array.from([
      4 * c * c + 1 * c * c,
      4 * c * c - 1 * c * c,
      4 * c * c - 1 * c * c,
      4 * c * c + 1 * c * c,
    ]);
    const r = { dim: 2, mean: new Float64Array(2), cov: rotated };
    const s = Math.sqrt(12.5 + 2 * 4); // sqrt(l1) + sqrt(l2) = sqrt(l1 + l2 + 2 sqrt(l1 l2))
    expect(frechetDistance(p, r)).toBeCloseTo(10 - 2 * s, 9);
  });
});

describe('modeCoverage', () => {
  it('counts the classes that hold at least 1% of the samples', () => {
    expect(COVERAGE_MIN_SHARE).toBe(0.01);
    // 1,000 samples: class 0 x 500, class 1 x 490, class 2 x 10 (1%), class 3 x 0.
    const predictions = [
      ...new Array(500).fill(0),
      ...new Array(490).fill(1),
      ...new Array(10).fill(2),
    ];
    const { histogram, present } = modeCoverage(predictions, 4);
    expect(histogram).toEqual([500, 490, 10, 0]);
    expect(present).toBe(3);
    // 9 of 1,000 is below 1%: not present.
    const fewer = modeCoverage([...predictions.slice(0, 991), ...new Array(9).fill(3)], 4);
    expect(fewer.histogram).toEqual([500, 490, 1, 9]);
    expect(fewer.present).toBe(2);
  });
});
