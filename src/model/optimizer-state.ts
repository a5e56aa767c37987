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
import * as tf from '@tensorflow/tfjs';

interface AdamInternals {
  iterations_: number;
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
