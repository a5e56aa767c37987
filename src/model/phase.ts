/**
 * One phase of the training step (vaegan.ts): an optimiser step on a loss that also reports
 * named numbers (the metrics on the curves), or the same loss only measured.
 */
import * as tf from '@tensorflow/tfjs';
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
  /**
   * Called with the gradients before they are applied, when a step measures them (the norms
   * chart); without it the phase is the plain minimize() call.
   */
  onGradients?: (grads: tf.NamedTensorMap) => void;
}

/**
 * Runs one phase: an optimiser step on the loss's cost, or, without `update` (the phase is off
 * or held), the loss only measured. Either way the parts come back as tensors of the caller's
 * scope: minimize() disposes what its loss function made, so they leave it as kept clones.
 */
export function runPhase<K extends string>(
  loss: () => PhaseLoss<K>,
  update: PhaseUpdate | undefined,
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
  if (update.onGradients) {
    // What minimize() does, with a look at the gradients in between: the same gradients, given
    // to the optimiser in the same (varList) order, so the step is the same.
    const { value, grads } = tf.variableGrads(f, update.varList);
    update.onGradients(grads);
    update.optimizer.applyGradients(
      update.varList.map((v) => ({ name: v.name, tensor: grads[v.name]! })),
    );
    tf.dispose([value, ...Object.values(grads)]);
  } else {
    update.optimizer.minimize(f, false, update.varList);
  }
  const out = {} as Record<K, tf.Scalar>;
  for (const key of Object.keys(kept) as K[]) {
    out[key] = tf.clone(kept[key]);
    kept[key].dispose();
  }
  return out;
}
