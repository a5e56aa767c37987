/**
 * One phase of the training step (vaegan.ts): an optimiser step on a loss that also reports
 * named numbers (the metrics on the curves), or the same loss only measured.
 */
import * as tf from './tf';
import { sumAll } from './data-ops';
import type { TunableAdam } from './adam';

/** A phase's loss: the cost its optimiser minimises and the named numbers it reports. */
export interface PhaseLoss<K extends string> {
  cost: tf.Scalar;
  parts: Record<K, tf.Scalar>;
}

/** The optimiser of a phase that trains, with its learning rate and the variables it moves. */
export interface PhaseUpdate {
  optimizer: TunableAdam;
  learningRate: number;
  varList: tf.Variable[];
}

/**
 * Squared gradient norms wanted of a phase: the variables of each network (`groups`), and where
 * each network's sum of squared gradients goes (scalars of the caller's scope).
 */
export interface NormRequest {
  groups: Record<string, tf.Variable[]>;
  into: Record<string, tf.Scalar>;
}

/**
 * Runs one phase: an optimiser step on the loss's cost, or, without `update` (the phase is off
 * or held), the loss only measured. Either way the parts come back as tensors of the caller's
 * scope: minimize() disposes what its loss function made, so they leave it as kept clones.
 * With `norms`, the step also measures each network's squared gradient norm (the gradients
 * minimize() would apply, computed and applied here instead).
 */
export function runPhase<K extends string>(
  loss: () => PhaseLoss<K>,
  update: PhaseUpdate | undefined,
  norms?: NormRequest,
): Record<K, tf.Scalar> {
  if (!update) return tf.tidy(() => loss().parts);
  const kept = {} as Record<K, tf.Scalar>;
  update.optimizer.setLearningRate(update.learningRate);
  const f = () => {
    const { cost, parts } = loss();
    // Clones: a part may be the cost itself, which minimize() disposes after the step.
    for (const key of Object.keys(parts) as K[]) kept[key] = tf.keep(tf.clone(parts[key]));
    return cost;
  };
  if (!norms) {
    update.optimizer.minimize(f, false, update.varList);
  } else {
    const { value, grads } = tf.variableGrads(f, update.varList);
    for (const [name, vars] of Object.entries(norms.groups)) {
      const parts = vars.flatMap((v) => {
        const g = grads[v.name];
        return g ? [sumAll(g, true)] : [];
      });
      // Kept: the step's tidy would free it before the report reads it.
      if (parts.length > 0) norms.into[name] = tf.keep(tf.addN(parts) as tf.Scalar);
    }
    // As minimize() does: the gradients as a list in varList's order (Adam keeps its moments
    // by position in that list).
    update.optimizer.applyGradients(
      update.varList.map((v) => ({ name: v.name, tensor: grads[v.name]! })),
    );
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = {} as Record<K, tf.Scalar>;
  for (const key of Object.keys(kept) as K[]) {
    out[key] = tf.clone(kept[key]);
    kept[key].dispose();
  }
  return out;
}
