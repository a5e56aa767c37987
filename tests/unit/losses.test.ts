// The losses of src/model/losses.ts against values computed by hand with plain JS Math on tiny
// inputs. The references below are the textbook formulas written naively (probabilities, logs),
// not the stable logit forms the model uses, so the two are independent.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bernoulliNll,
  discriminatorCosts,
  discriminatorLoss,
  featureDistance,
  generatorLoss,
  klDivergence,
} from '../../src/model/losses';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Reads a scalar and frees it. */
function value(t: tf.Scalar): number {
  const v = t.dataSync()[0];
  t.dispose();
  if (v === undefined) throw new Error('empty tensor');
  return v;
}

/** Expects |actual - expected| <= tol * max(1, |expected|) (float32 arithmetic in tfjs). */
function expectNear(actual: number, expected: number, tol = 1e-5) {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('bernoulliNll', () => {
  /** -sum_i [x log s + (1 - x) log(1 - s)] per image, averaged over images. */
  function naiveNll(logits: number[][], x: number[][]): number {
    return mean(
      logits.map((row, b) =>
        row.reduce((sum, l, i) => {
          const s = sigmoid(l);
          const xi = x[b]![i]!;
          return sum - (xi * Math.log(s) + (1 - xi) * Math.log(1 - s));
        }, 0),
      ),
    );
  }

  it('matches the binary cross-entropy summed over pixels, averaged over the batch', () => {
    const logits = [
      [0, 2, -1.5],
      [-1, 3, 0.25],
    ];
    const x = [
      [1, 0, 0.2],
      [0.5, 1, 0],
    ];
    const expected = naiveNll(logits, x);
    // Spelled out for the first image: -log s(0) - log(1 - s(2)) - [0.2 log s(-1.5) + 0.8 log(1 - s(-1.5))].
    const first =
      -Math.log(0.5) -
      Math.log(1 - sigmoid(2)) -
      (0.2 * Math.log(sigmoid(-1.5)) + 0.8 * Math.log(1 - sigmoid(-1.5)));
    expectNear(value(bernoulliNll(tf.tensor2d([logits[0]!]), tf.tensor2d([x[0]!]))), first);
    expectNear(value(bernoulliNll(tf.tensor2d(logits), tf.tensor2d(x))), expected);
  });

  it('sums over pixels (not a mean): 784 pixels at logit 0 cost 784 log 2', () => {
    const logits = tf.zeros([3, 784]) as tf.Tensor2D;
    const x = tf.fill([3, 784], 0.7) as tf.Tensor2D;
    expectNear(value(bernoulliNll(logits, x)), 784 * Math.LN2);
    tf.dispose([logits, x]);
  });

  it('stays finite and exact at extreme logits (+-50), where the naive formula gives log(0)', () => {
    // sigmoid(50) rounds to 1, so the naive form is NaN or Infinity here; the model's is not.
    expectNear(value(bernoulliNll(tf.tensor2d([[50]]), tf.tensor2d([[0.3]]))), 0.7 * 50);
    // By hand: -log s(50) = log(1 + e^-50) ~ 2e-22 ~ 0; -log(1 - s(50)) = 50 + log(1 + e^-50) ~ 50.
    // Image 1: x = 1 at +50 (0), x = 0 at +50 (50), x = 1 at -50 (50), x = 0 at -50 (0)   -> 100.
    // Image 2: x = 0.3 at +50 (0.7 * 50), x = 0.5 at -50 (0.5 * 50), 0 at 0, 1 at 0 (2 log 2).
    const logits = [
      [50, 50, -50, -50],
      [50, -50, 0, 0],
    ];
    const x = [
      [1, 0, 1, 0],
      [0.3, 0.5, 0, 1],
    ];
    const expected = mean([100, 35 + 25 + 2 * Math.LN2]);
    expectNear(value(bernoulliNll(tf.tensor2d(logits), tf.tensor2d(x))), expected);
  });

  it('has finite gradients (sigmoid(l) - x, over the batch) at extreme logits', () => {
    const logits = tf.tensor2d([
      [50, -50],
      [-50, 50],
    ]);
    const x = tf.tensor2d([
      [0, 1],
      [0.25, 1],
    ]);
    const g = tf.grad((l: tf.Tensor) => bernoulliNll(l as tf.Tensor2D, x))(logits);
    const got = Array.from(g.dataSync());
    // d/dl = (sigmoid(l) - x) / batch
    const expected = [(1 - 0) / 2, (0 - 1) / 2, (0 - 0.25) / 2, (1 - 1) / 2];
    got.forEach((v, i) => expectNear(v, expected[i]!, 1e-6));
    tf.dispose([logits, x, g]);
  });
});

describe('klDivergence', () => {
  /** -0.5 sum_j (1 + logvar - mu^2 - exp(logvar)) per row, averaged over rows. */
  function naiveKl(mu: number[][], logvar: number[][]): number {
    return mean(
      mu.map(
        (row, b) =>
          -0.5 *
          row.reduce((sum, m, j) => {
            const lv = logvar[b]![j]!;
            return sum + 1 + lv - m * m - Math.exp(lv);
          }, 0),
      ),
    );
  }

  it('matches the closed form, averaged over the batch', () => {
    const mu = [
      [0.5, -1, 2],
      [0, 0.3, -0.7],
    ];
    const logvar = [
      [0, -1, 0.5],
      [1.2, -0.2, 0],
    ];
    // First row by hand: -0.5 [(1 + 0 - 0.25 - 1) + (1 - 1 - 1 - e^-1) + (1 + 0.5 - 4 - e^0.5)].
    const row0 =
      -0.5 * (1 + 0 - 0.25 - 1 + (1 - 1 - 1 - Math.exp(-1)) + (1 + 0.5 - 4 - Math.exp(0.5)));
    expect(row0).toBeCloseTo(naiveKl([mu[0]!], [logvar[0]!]), 12);
    expectNear(value(klDivergence(tf.tensor2d(mu), tf.tensor2d(logvar))), naiveKl(mu, logvar));
  });

  it('is exactly 0 for mu = 0, logvar = 0 and positive otherwise', () => {
    const zeros = tf.zeros([4, 16]) as tf.Tensor2D;
    // -0 is fine too: compare with ===, not Object.is.
    expect(value(klDivergence(zeros, zeros)) === 0).toBe(true);
    const mu = tf.fill([4, 16], 0.1) as tf.Tensor2D;
    const kl = value(klDivergence(mu, zeros));
    expectNear(kl, 16 * 0.5 * 0.01); // 0.5 * sum mu^2 when logvar = 0
    expect(kl).toBeGreaterThan(0);
    tf.dispose([zeros, mu]);
  });

  it('stays finite for large |logvar| and |mu|', () => {
    const mu = tf.tensor2d([[30, -30]]);
    const logvar = tf.tensor2d([[20, -20]]);
    const expected = naiveKl([[30, -30]], [[20, -20]]);
    expectNear(value(klDivergence(mu, logvar)), expected);
    tf.dispose([mu, logvar]);
  });
});

describe('featureDistance (Larsen Dis_l)', () => {
  it('is 0.5 * sum over features of the squared difference, averaged over the batch', () => {
    const a = tf.tensor2d([
      [1, 2, 3],
      [0, -1, 0.5],
    ]);
    const b = tf.tensor2d([
      [1, 0, 4],
      [2, -1, 0],
    ]);
    // Image 1: 0.5 * (0 + 4 + 1) = 2.5; image 2: 0.5 * (4 + 0 + 0.25) = 2.125.
    expectNear(value(featureDistance(a, b)), (2.5 + 2.125) / 2);
    expectNear(value(featureDistance(a, a)), 0);
    tf.dispose([a, b]);
  });
});

describe('adversarial losses', () => {
  const real = [2, -0.5, 0.3];
  const recon = [-1, 0.8, 0];
  const prior = [-2.5, 1.5, -0.1];
  const logD = (ls: number[]) => mean(ls.map((l) => Math.log(sigmoid(l))));
  const log1mD = (ls: number[]) => mean(ls.map((l) => Math.log(1 - sigmoid(l))));
  const col = (xs: number[]) => tf.tensor2d(xs, [xs.length, 1]);

  it('discriminatorLoss = -[log D(x) + 0.5 log(1 - D(x~)) + 0.5 log(1 - D(x_p))]', () => {
    const expected = -(logD(real) + 0.5 * log1mD(recon) + 0.5 * log1mD(prior));
    // The real term alone, by hand: with both fakes rejected for certain (logit -50),
    // L_D = -log D(2) = log(1 + e^-2).
    expectNear(
      value(discriminatorLoss(col([2]), col([-50]), col([-50]))),
      Math.log(1 + Math.exp(-2)),
      1e-6,
    );
    expectNear(value(discriminatorLoss(col(real), col(recon), col(prior))), expected);
  });

  it('without the reconstruction batch: L_D = -[log D(x) + log(1 - D(x_p))], L_G on x_p alone', () => {
    expectNear(
      value(discriminatorLoss(col(real), null, col(prior))),
      -(logD(real) + log1mD(prior)),
    );
    expectNear(value(generatorLoss(null, col(prior), 'non-saturating')), -logD(prior));
    expectNear(value(generatorLoss(null, col(prior), 'minimax')), log1mD(prior));
  });

  it("discriminatorCosts: D's cross-entropy on real and on the fakes it is trained on", async () => {
    const three = discriminatorCosts(col(real), col(recon), col(prior));
    const [r, f] = await three.data();
    expectNear(r!, -logD(real));
    expectNear(f!, -(0.5 * log1mD(recon) + 0.5 * log1mD(prior)));
    const two = discriminatorCosts(col(real), null, col(prior));
    expectNear((await two.data())[1]!, -log1mD(prior));
    tf.dispose([three, two]);
  });

  it('weights real data twice as much as each kind of fake', () => {
    const zero = col([0, 0]);
    const confident = col([-20, -20]);
    // D(x) = 0.5: log 2 from the real term; fakes rejected with confidence: ~0.
    expectNear(value(discriminatorLoss(zero, confident, confident)), Math.LN2, 1e-6);
    // D(x) ~ 1, D(fakes) = 0.5: 0.5 log 2 + 0.5 log 2.
    expectNear(value(discriminatorLoss(col([20, 20]), zero, zero)), Math.LN2, 1e-6);
    tf.dispose([zero, confident]);
  });

  it('generatorLoss non-saturating = -[0.5 log D(x~) + 0.5 log D(x_p)]', () => {
    const expected = -(0.5 * logD(recon) + 0.5 * logD(prior));
    expectNear(value(generatorLoss(col(recon), col(prior), 'non-saturating')), expected);
  });

  it("generatorLoss minimax (the seed's) = 0.5 log(1 - D(x~)) + 0.5 log(1 - D(x_p))", () => {
    const expected = 0.5 * log1mD(recon) + 0.5 * log1mD(prior);
    const minimax = value(generatorLoss(col(recon), col(prior), 'minimax'));
    expect(minimax).toBeLessThan(0);
    expectNear(minimax, expected);
  });

  it('stay finite at extreme logits (+-50)', () => {
    const hi = col([50, 50]);
    const lo = col([-50, -50]);
    // L_D with D sure real is fake and fakes are real: 50 + 0.5 * 50 + 0.5 * 50 = 100.
    expectNear(value(discriminatorLoss(lo, hi, hi)), 100);
    expectNear(value(discriminatorLoss(hi, lo, lo)), 0, 1e-6);
    expectNear(value(generatorLoss(lo, lo, 'non-saturating')), 50);
    expectNear(value(generatorLoss(hi, hi, 'minimax')), -50);
    expectNear(value(generatorLoss(lo, lo, 'minimax')), 0, 1e-6);
    tf.dispose([hi, lo]);
  });

  it('non-saturating keeps a strong gradient where minimax saturates (D rejects fakes)', () => {
    const rejected = col([-8, -8]);
    const other = col([0, 0]);
    const grad = (form: 'non-saturating' | 'minimax') => {
      const g = tf.grad((l: tf.Tensor) => generatorLoss(l, other, form))(rejected);
      const v = Array.from(g.dataSync());
      g.dispose();
      return v;
    };
    // d/dl of -0.5 mean log s(l) = -0.5 (1 - s(l)) / n; of 0.5 mean log(1 - s(l)) = -0.5 s(l) / n.
    const s = sigmoid(-8);
    for (const v of grad('non-saturating')) expectNear(v, (-0.5 * (1 - s)) / 2, 1e-6);
    for (const v of grad('minimax')) expectNear(v, (-0.5 * s) / 2, 1e-6);
    expect(Math.abs(grad('minimax')[0]!)).toBeLessThan(Math.abs(grad('non-saturating')[0]!) / 100);
    tf.dispose([rejected, other]);
  });
});
