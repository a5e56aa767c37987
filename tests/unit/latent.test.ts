import { describe, expect, it } from 'vitest';
import {
  clampToRange,
  gridPoints,
  interpolationPath,
  lerp,
  norm,
  padToPlane,
  pca,
  planeToPad,
  planeToZ,
  rangeFromPoints,
  slerp,
  symmetricEigen,
  zToPlane,
  type LatentPlane,
} from '../../src/shared/latent';
import { mulberry32 } from '../../src/shared/random';

/** Standard normal draws from a seeded generator (Box-Muller). */
function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

const angle = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return Math.acos(Math.min(1, Math.max(-1, d / (norm(a) * norm(b)))));
};

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A v = lambda v for every pair', () => {
    const a = [4, 1, 2, 1, 3, 0.5, 2, 0.5, 5];
    const { values, vectors } = symmetricEigen(a, 3);
    for (let k = 0; k < 3; k++) {
      const v = vectors[k]!;
      expect(norm(v)).toBeCloseTo(1, 10);
      for (let i = 0; i < 3; i++) {
        const av = a[i * 3]! * v[0]! + a[i * 3 + 1]! * v[1]! + a[i * 3 + 2]! * v[2]!;
        expect(av).toBeCloseTo(values[k]! * v[i]!, 9);
      }
    }
    // The trace is the sum of the eigenvalues.
    expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(12, 10);
  });
});

describe('pca', () => {
  it('finds known axes: rotated anisotropic Gaussian in 5-D, variances 9, 4, then small', () => {
    const dim = 5;
    const count = 4000;
    // Orthonormal directions: e1 rotated by 30 degrees towards e2, and e3 rotated towards e4.
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const axis1 = [c, s, 0, 0, 0];
    const axis2 = [0, 0, s, c, 0];
    const other = [
      [-s, c, 0, 0, 0],
      [0, 0, c, -s, 0],
      [0, 0, 0, 0, 1],
    ];
    const randn = gaussian(11);
    const points = new Float32Array(count * dim);
    const offset = [1, -2, 0.5, 3, 0];
    for (let i = 0; i < count; i++) {
      const a = 3 * randn();
      const b = 2 * randn();
      const rest = other.map(() => 0.3 * randn());
      for (let j = 0; j < dim; j++) {
        points[i * dim + j] =
          offset[j]! +
          a * axis1[j]! +
          b * axis2[j]! +
          rest.reduce((sum, r, k) => sum + r * other[k]![j]!, 0);
      }
    }
    const result = pca(points, count, dim, 2);
    // Axes up to sign: |cos| of the angle to the true axis near 1.
    const cos = (u: ArrayLike<number>, w: number[]) =>
      Math.abs(u[0]! * w[0]! + u[1]! * w[1]! + u[2]! * w[2]! + u[3]! * w[3]! + u[4]! * w[4]!);
    expect(cos(result.components[0]!, axis1)).toBeGreaterThan(0.999);
    expect(cos(result.components[1]!, axis2)).toBeGreaterThan(0.999);
    expect(result.variances[0]).toBeGreaterThan(8);
    expect(result.variances[0]).toBeLessThan(10);
    expect(result.variances[1]).toBeGreaterThan(3.5);
    expect(result.variances[1]).toBeLessThan(4.5);
    expect(result.totalVariance).toBeCloseTo(9 + 4 + 3 * 0.09, 0);
    // The mean is the offset; the two axes are orthonormal.
    for (let j = 0; j < dim; j++) expect(result.mean[j]).toBeCloseTo(offset[j]!, 1);
    expect(norm(result.components[0]!)).toBeCloseTo(1, 9);
    const [u, v] = result.components as [Float64Array, Float64Array];
    expect(u.reduce((sum, x, j) => sum + x * v[j]!, 0)).toBeCloseTo(0, 9);
    // Signs are fixed: the largest entry of each axis is positive.
    for (const axis of result.components) {
      const big = axis.reduce((b, x, j) => (Math.abs(x) > Math.abs(axis[b]!) ? j : b), 0);
      expect(axis[big]).toBeGreaterThan(0);
    }
  });

  it('orders axes by variance whatever the coordinate order', () => {
    // Variance along z3 (index 2) is the largest, then z1.
    const points = new Float32Array([0, 0, -5, 0, 0, 5, -1, 0, 0, 1, 0.1, 0]);
    const result = pca(points, 4, 3, 2);
    expect(Math.abs(result.components[0]![2]!)).toBeCloseTo(1, 6);
    expect(Math.abs(result.components[1]![0]!)).toBeCloseTo(1, 2);
  });

  it('refuses too little data', () => {
    expect(() => pca(new Float32Array(3), 1, 3)).toThrow(/two points/);
  });
});

describe('lerp and slerp', () => {
  const a = new Float32Array([1, 0, 0]);
  const b = new Float32Array([0, 2, 0]);

  it('lerp: exact ends and the midpoint', () => {
    expect(Array.from(lerp(a, b, 0))).toEqual([1, 0, 0]);
    expect(Array.from(lerp(a, b, 1))).toEqual([0, 2, 0]);
    expect(Array.from(lerp(a, b, 0.5))).toEqual([0.5, 1, 0]);
  });

  it('slerp: t = 0 gives a and t = 1 gives b exactly', () => {
    const p = new Float32Array([0.3, -1.2, 2.5, 0.7]);
    const q = new Float32Array([-1.1, 0.4, 0.9, -2]);
    expect(Array.from(slerp(p, q, 0))).toEqual(Array.from(p));
    expect(Array.from(slerp(p, q, 1))).toEqual(Array.from(q));
  });

  it('slerp keeps the norm of equal-length codes, where lerp shrinks it', () => {
    const p = new Float32Array([3, 0, 0]);
    const q = new Float32Array([0, 0, 3]);
    for (const t of [0.1, 0.25, 0.5, 0.9]) expect(norm(slerp(p, q, t))).toBeCloseTo(3, 5);
    expect(norm(lerp(p, q, 0.5))).toBeCloseTo(3 / Math.SQRT2, 5);
    const mid = slerp(p, q, 0.5);
    expect(mid[0]).toBeCloseTo(3 / Math.SQRT2, 5);
    expect(mid[2]).toBeCloseTo(3 / Math.SQRT2, 5);
  });

  it('slerp turns at constant angular speed and moves the norm linearly', () => {
    const omega = angle(a, b); // 90 degrees
    for (const t of [0.2, 0.5, 0.8]) {
      const z = slerp(a, b, t);
      expect(angle(a, z)).toBeCloseTo(t * omega, 5);
      expect(norm(z)).toBeCloseTo(1 + t, 5);
      // Stays in the plane of a and b.
      expect(z[2]).toBeCloseTo(0, 6);
    }
  });

  it('slerp falls back to lerp for parallel codes and zero codes', () => {
    const p = new Float32Array([1, 1]);
    expect(Array.from(slerp(p, new Float32Array([2, 2]), 0.5))).toEqual([1.5, 1.5]);
    expect(Array.from(slerp(new Float32Array([0, 0]), p, 0.5))).toEqual([0.5, 0.5]);
  });

  it('interpolationPath: N codes with exact ends, linear or spherical', () => {
    const path = interpolationPath(a, b, 10, 'spherical');
    expect(path.length).toBe(30);
    expect(Array.from(path.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(path.subarray(27))).toEqual([0, 2, 0]);
    const line = interpolationPath(a, b, 3, 'linear');
    expect(Array.from(line)).toEqual([1, 0, 0, 0.5, 1, 0, 0, 2, 0]);
    expect(() => interpolationPath(a, b, 1, 'linear')).toThrow();
  });
});

describe('pad mapping', () => {
  const range = { xMin: -2, xMax: 4, yMin: -1, yMax: 1 };

  it('maps corners and centre of the pad, y up', () => {
    expect(padToPlane(0, 0, 300, 200, range)).toEqual({ x: -2, y: 1 });
    expect(padToPlane(300, 200, 300, 200, range)).toEqual({ x: 4, y: -1 });
    expect(padToPlane(150, 100, 300, 200, range)).toEqual({ x: 1, y: 0 });
    // Outside the pad: clamped to the edge.
    expect(padToPlane(-50, 999, 300, 200, range)).toEqual({ x: -2, y: -1 });
  });

  it('planeToPad inverts padToPlane', () => {
    for (const [px, py] of [
      [12, 34],
      [299, 1],
      [150.5, 199.25],
    ] as const) {
      const { x, y } = padToPlane(px, py, 300, 200, range);
      const back = planeToPad(x, y, 300, 200, range);
      expect(back.px).toBeCloseTo(px, 9);
      expect(back.py).toBeCloseTo(py, 9);
    }
    expect(clampToRange(9, -9, range)).toEqual({ x: 4, y: -1 });
  });

  it('plane coordinates <-> z through a base point, other coordinates held', () => {
    const plane: LatentPlane = {
      base: new Float32Array([0.5, -1, 2, 7]),
      u: new Float32Array([0, 1, 0, 0]),
      v: new Float32Array([0, 0, 0.6, 0.8]),
    };
    const z = planeToZ(plane, 2, -0.5);
    expect(Array.from(z)).toEqual([0.5, 1, 2 - 0.3, 7 - 0.4].map(Math.fround));
    const p = zToPlane(plane, z);
    expect(p.x).toBeCloseTo(2, 6);
    expect(p.y).toBeCloseTo(-0.5, 6);
  });

  it('range from the points: mean +- 3 standard deviations, with a floor', () => {
    // x: -1 and 1 (sd sqrt(2)), y: constant 5.
    const r = rangeFromPoints(new Float32Array([-1, 5, 1, 5]), 2);
    expect(r.xMin).toBeCloseTo(-3 * Math.SQRT2, 9);
    expect(r.xMax).toBeCloseTo(3 * Math.SQRT2, 9);
    expect(r.yMin).toBeCloseTo(4.5, 9);
    expect(r.yMax).toBeCloseTo(5.5, 9);
  });

  it('grid points sit at cell centres, top row first', () => {
    const g = gridPoints({ xMin: 0, xMax: 2, yMin: 0, yMax: 2 }, 2);
    expect(Array.from(g)).toEqual([0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 1.5, 0.5]);
  });
});
