/**
 * Adam's state (iteration count, running powers of beta1 and beta2, first and second moments)
 * copied out synchronously and put back exactly, so a restored run continues with the same
 * update sizes as the run that was saved.
 *
 * tfjs's own getWeights() is async (a training step could slip in between two of its reads)
 * and setWeights() recomputes beta^t with pow(), which can differ in the last bit from the
 * running product Adam keeps; both would break a bit-identical resume. So this file reads and
 * writes Adam's private fields. They are stable across tfjs 4.x; the unit tests cover them.
 */
import * as tf from './tf';

interface AdamInternals {
  iterations_: number;
  beta1: number;
  beta2: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

const internals = (opt: tf.AdamOptimizer) => opt as unknown as AdamInternals;

/** A copy of one Adam optimiser's state; the tensors are clones owned by the caller. */
export interface AdamSnapshot {
  iterations: number;
  accBeta1: tf.Scalar;
  accBeta2: tf.Scalar;
  /** First moments, one per variable of the optimiser's var list, in that order. */
  m: tf.Tensor[];
  /** Second moments, same order. */
  v: tf.Tensor[];
}

/** Clones the optimiser's state in one synchronous pass (no step can run in between). */
export function snapshotAdam(opt: tf.AdamOptimizer): AdamSnapshot {
  const o = internals(opt);
  return {
    iterations: opt.iterations,
    accBeta1: tf.clone(o.accBeta1) as tf.Scalar,
    accBeta2: tf.clone(o.accBeta2) as tf.Scalar,
    m: (o.accumulatedFirstMoment ?? []).map((e) => tf.clone(e.variable)),
    v: (o.accumulatedSecondMoment ?? []).map((e) => tf.clone(e.variable)),
  };
}

/**
 * beta^(iterations + 1) exactly as Adam holds it after `iterations` updates: a float32 running
 * product that starts at beta and multiplies by beta once per update (tfjs's AdamOptimizer),
 * so a state rebuilt from the count alone continues bit for bit on the CPU and wasm backends.
 * Zero and denormal powers are the true values of long runs: beta = 0.5 reaches 0 after 149
 * updates; 0.999 sinks into the denormals after about 87,000 and stops there for good, at
 * 500 * 2^-149, where multiplying by 0.999 rounds back to the same value. The loop ends at
 * such a fixed point, so any count costs at most about 100,000 multiplications.
 */
export function adamBetaPower(beta: number, iterations: number): number {
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new RangeError(`Adam iteration count ${iterations} is not a whole number >= 0`);
  }
  const b = Math.fround(beta);
  let power = b;
  for (let i = 0; i < iterations; i++) {
    const next = Math.fround(power * b);
    if (next === power) break;
    power = next;
  }
  return power;
}

/**
 * Adam's state for `iterations` updates with the given moments: the beta powers follow from
 * the count (adamBetaPower), so nothing that can underflow needs to be stored.
 */
export function adamStateAt(
  opt: tf.AdamOptimizer,
  iterations: number,
  m: tf.Tensor[],
  v: tf.Tensor[],
): AdamSnapshot {
  const o = internals(opt);
  return {
    iterations,
    accBeta1: tf.scalar(adamBetaPower(o.beta1, iterations)),
    accBeta2: tf.scalar(adamBetaPower(o.beta2, iterations)),
    m,
    v,
  };
}

/** Frees the tensors of a snapshot. */
export function disposeAdamSnapshot(s: AdamSnapshot) {
  tf.dispose([s.accBeta1, s.accBeta2, ...s.m, ...s.v]);
}

/**
 * Puts a saved state into a fresh optimiser (one that has not stepped yet). The tensors are
 * wrapped in new variables that share their data; the caller still owns and disposes `state`.
 * @param names variable names for the moments, e.g. "decoder_hidden/kernel"
 */
export function restoreAdam(opt: tf.AdamOptimizer, state: AdamSnapshot, names: string[]) {
  const o = internals(opt);
  if (state.m.length !== state.v.length) throw new Error('Adam state: moment counts differ');
  o.iterations_ = state.iterations;
  o.accBeta1.assign(state.accBeta1);
  o.accBeta2.assign(state.accBeta2);
  tf.dispose([
    ...(o.accumulatedFirstMoment ?? []).map((e) => e.variable),
    ...(o.accumulatedSecondMoment ?? []).map((e) => e.variable),
  ]);
  o.accumulatedFirstMoment = state.m.map((t, i) => ({
    originalName: `${names[i] ?? i}/m`,
    variable: t.variable(false), // shares t's data; t's own handle is the caller's to dispose
  }));
  o.accumulatedSecondMoment = state.v.map((t, i) => ({
    originalName: `${names[i] ?? i}/v`,
    variable: t.variable(false),
  }));
}
