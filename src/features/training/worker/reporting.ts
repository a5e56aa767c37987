/**
 * The pieces of a report, each on its own: the metrics that wait on the device between two
 * reports, the readbacks (raced against a lost device, counted while they wait), the mean that
 * becomes a curve point, and the steps-per-second figure. The trainer's report() puts them
 * together with the divergence guard.
 */
import * as tf from '../../../model/tf';
import { sumAll } from '../../../model/data-ops';
import { METRIC_NAMES, type MetricName, type VaeGan } from '../../../model/vaegan';
import { NORM_NETWORKS } from '../../../shared/metrics';
import type { NetworkNorms } from '../shared/protocol';
import { type DeviceWatch, unlessLost } from '../../../runtime/device-loss';
import { weightProbe } from './guard';

/** Seconds of history behind the steps/s figure. */
const SPEED_WINDOW_MS = 3000;

/**
 * Metrics of the steps not yet reported, [METRIC_NAMES.length] each, kept on the device:
 * no readback per step.
 */
export class PendingMetrics {
  private list: tf.Tensor1D[] = [];
  /** Squared gradient norms of the last measured step since the last report, [4]. */
  private gradients: tf.Tensor1D | null = null;

  get length(): number {
    return this.list.length;
  }

  push(metrics: tf.Tensor1D) {
    this.list.push(metrics);
  }

  /** A measured step's squared gradient norms (model.gradients.take()); the newest one wins. */
  pushGradients(squares: tf.Tensor1D) {
    this.gradients?.dispose();
    this.gradients = squares;
  }

  /**
   * The waiting metrics with the guard's probe of the weights and, when a step measured its
   * gradients since the last report, the norms chart's squared norms, in one tensor for one
   * readback: [steps * METRIC_NAMES.length, 4 weight probes, 4 squared weight norms, 4 squared
   * gradient norms] (the norms NaN when no step measured: then nothing is computed for them).
   * The list starts afresh.
   */
  take(model: VaeGan): { readback: tf.Tensor1D; steps: number } {
    const list = this.list;
    const gradients = this.gradients;
    this.list = [];
    this.gradients = null;
    const readback = tf.tidy(() =>
      tf.concat([
        tf.stack(list).reshape([-1]),
        weightProbe(model),
        ...(gradients
          ? [weightSquares(model), gradients]
          : [tf.fill([2 * NORM_NETWORKS.length], Number.NaN)]),
      ]),
    ) as tf.Tensor1D;
    tf.dispose(list);
    gradients?.dispose();
    return { readback, steps: list.length };
  }

  /** Frees the waiting metrics (the model they came from is going away). */
  dispose() {
    tf.dispose(this.list);
    this.list = [];
    this.gradients?.dispose();
    this.gradients = null;
  }
}

/** Reads tensors back to the worker, counting those that still wait for their data. */
export class Readbacks {
  private waiting = 0;

  /** Readback tensors awaiting their data, for getMemory. */
  get count(): number {
    return this.waiting;
  }

  /**
   * The values of `tensor`, which is freed afterwards. Waits for the queued GPU work too
   * (natural back-pressure) and throws once the device is lost rather than waiting forever.
   */
  async read(tensor: tf.Tensor, watch: DeviceWatch | undefined): Promise<Float32Array> {
    this.waiting += 1;
    try {
      return (await unlessLost(watch, tensor.data())) as Float32Array;
    } finally {
      tensor.dispose();
      this.waiting -= 1;
    }
  }
}

/** Sum of squared weights of each network of NORM_NETWORKS, [4] (in `shared` G is the decoder). */
function weightSquares(model: VaeGan): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.stack(
        NORM_NETWORKS.map((name) =>
          tf.addN(model[name].trainableWeights.map((w) => sumAll(w.read(), true))),
        ),
      ) as tf.Tensor1D,
  );
}

/**
 * The norms at the end of a report's readback (laid out by PendingMetrics.take): ‖W‖ and ‖∇‖
 * per network, a gradient null where its phase did not train; null when no step measured.
 */
export function readNorms(raw: Float32Array, steps: number): NetworkNorms | null {
  const start = steps * METRIC_NAMES.length + NORM_NETWORKS.length;
  if (Number.isNaN(raw[start]!)) return null;
  const weights = {} as NetworkNorms['weights'];
  const gradients = {} as NetworkNorms['gradients'];
  NORM_NETWORKS.forEach((name, i) => {
    weights[name] = Math.sqrt(raw[start + i]!);
    const g = raw[start + NORM_NETWORKS.length + i]!;
    gradients[name] = Number.isNaN(g) ? null : Math.sqrt(g);
  });
  return { weights, gradients };
}

/** The mean of each metric over the `steps` rows at the start of `raw`. */
export function meanMetrics(raw: Float32Array, steps: number): Record<MetricName, number> {
  const values = {} as Record<MetricName, number>;
  METRIC_NAMES.forEach((name, j) => {
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += raw[i * METRIC_NAMES.length + j]!;
    values[name] = sum / steps;
  });
  return values;
}

/** Steps per second over the last few seconds of training. */
export class SpeedMeter {
  private samples: { time: number; step: number }[] = [];

  /** Starts measuring afresh from `step` at `time` (or, without them, from the next sample). */
  restart(time?: number, step?: number) {
    this.samples = time === undefined || step === undefined ? [] : [{ time, step }];
  }

  /** Records that `step` was reached at `time`; returns the rate over the window (0 at first). */
  sample(time: number, step: number): number {
    this.samples.push({ time, step });
    while (this.samples.length > 2 && time - this.samples[0]!.time > SPEED_WINDOW_MS) {
      this.samples.shift();
    }
    const first = this.samples[0]!;
    const elapsed = (time - first.time) / 1000;
    return elapsed > 0 ? (step - first.step) / elapsed : 0;
  }
}
