/**
 * The gradient norms of the norms chart, measured inside a training step without a readback of
 * their own: on a step that is asked to (one step per report), each phase's gradients are summed
 * in squares per network on the device, and the trainer's report reads them back with the
 * metrics. Steps that are not asked run exactly as before (runPhase's plain minimize()).
 */
import * as tf from '@tensorflow/tfjs';
import { NORM_NETWORKS, type NormNetwork } from '../shared/metrics';

export class GradientMeter {
  /** Set by measureNextStep; read when a step starts. */
  private asked = false;
  /** True during a step that measures its gradients. */
  private measuring = false;
  /** Sums of squared gradients of the last measured step, kept until taken. */
  private squares = new Map<NormNetwork, tf.Scalar>();

  /** The next step measures its gradients. */
  measureNextStep() {
    this.asked = true;
  }

  /** A step starts: it measures if it was asked to. */
  beginStep() {
    this.measuring = this.asked;
    this.asked = false;
    if (this.measuring) this.clear();
  }

  /** The step is over (or failed). */
  endStep() {
    this.measuring = false;
  }

  /**
   * For a phase's update: during a measured step, a callback that keeps the sum of squared
   * gradients of each network of the phase; otherwise undefined (the plain step).
   */
  probe(groups: [NormNetwork, tf.Variable[]][]): ((grads: tf.NamedTensorMap) => void) | undefined {
    if (!this.measuring) return undefined;
    return (grads) => {
      for (const [network, vars] of groups) {
        const parts = vars.flatMap((v) => {
          const g = grads[v.name];
          return g ? [tf.sum(tf.square(g))] : [];
        });
        if (parts.length === 0) continue;
        this.squares.get(network)?.dispose();
        // Kept: the step's tidy would free it before the report reads it.
        this.squares.set(network, tf.keep(tf.addN(parts) as tf.Scalar));
      }
    };
  }

  /**
   * The squared gradient norms of the last measured step, [NORM_NETWORKS.length], NaN for a
   * phase that did not train; null when no step measured since the last call. The caller
   * disposes the tensor.
   */
  take(): tf.Tensor1D | null {
    if (this.squares.size === 0) return null;
    const squares = this.squares;
    this.squares = new Map();
    const out = tf.tidy(
      () =>
        tf.stack(NORM_NETWORKS.map((n) => squares.get(n) ?? tf.scalar(Number.NaN))) as tf.Tensor1D,
    );
    tf.dispose([...squares.values()]);
    return out;
  }

  /** Frees what a measured step kept. */
  clear() {
    tf.dispose([...this.squares.values()]);
    this.squares.clear();
  }
}
