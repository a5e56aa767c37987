/**
 * The Adam optimiser of the three training phases: tfjs's AdamOptimizer with a learning rate
 * that can change between steps (moments kept), and one fused update kernel per variable where
 * the backend has one.
 *
 * tfjs's applyGradients runs fourteen element-wise kernels per variable (each a pass over the
 * weights, and a tensor made and freed); on the wasm backend that was a fifth of a training
 * step. A backend may register FUSED_ADAM_UPDATE (src/runtime/wasm/tfjs/adam.ts does for wasm) to do
 * the same arithmetic, in the same order and float32 roundings, in one pass. The moments, the
 * beta powers and the iteration count live where tfjs keeps them, so saving and restoring
 * optimiser state (optimizer-state.ts) is unchanged.
 */
import * as tf from './tf';

/**
 * Kernel name of the fused update. Inputs: value, m, v, g (one variable's weights, moments and
 * gradient) and c1 = 1 - beta1^t, c2 = 1 - beta2^t (scalars); attrs: beta1, beta2,
 * learningRate, epsilon. Outputs: the new value, m and v.
 */
export const FUSED_ADAM_UPDATE = 'VaeganFusedAdamUpdate';

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

/** The private fields of tfjs's AdamOptimizer that a fused update reads and writes. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export class TunableAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number) {
    this.learningRate = lr;
  }

  /** Adam's settings, for a step computed outside tfjs (compiled-step.ts). */
  get beta1Value(): number {
    return this.beta1;
  }
  get beta2Value(): number {
    return this.beta2;
  }
  get epsilonValue(): number {
    return this.epsilon;
  }

  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    if (!tf.getKernel(FUSED_ADAM_UPDATE, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const attrs: FusedAdamAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      learningRate: this.learningRate,
      epsilon: this.epsilon,
    };
    tf.tidy(() => {
      const c1 = tf.sub(1, state.accBeta1);
      const c2 = tf.sub(1, state.accBeta2);
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // Moments start at zero on a variable's first update, as in tfjs.
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]!.tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i]!.variable;
        const v = state.accumulatedSecondMoment[i]!.variable;
        const [newValue, newM, newV] = tf.engine().runKernel(
          FUSED_ADAM_UPDATE,
          { value, m, v, g: gradient, c1, c2 },
          {
            ...attrs,
          },
        ) as tf.Tensor[];
        m.assign(newM!);
        v.assign(newV!);
        value.assign(newValue!);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
