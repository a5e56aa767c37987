/**
 * The pieces of a report, each on its own: the metrics that wait on the device between two
 * reports, the readbacks (raced against a lost device, counted while they wait), the mean that
 * becomes a curve point, and the steps-per-second figure. The trainer's report() puts them
 * together with the divergence guard.
 */
import * as tf from '../../../model/tf';
import { METRIC_NAMES, type MetricName, type VaeGan } from '../../../model/vaegan';
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

  get length(): number {
    return this.list.length;
  }

  push(metrics: tf.Tensor1D) {
    this.list.push(metrics);
  }

  /**
   * The waiting metrics with the guard's probe of the weights, in one tensor for one readback:
   * [steps * METRIC_NAMES.length, then 4 weight probes]. The list starts afresh.
   */
  take(model: VaeGan): { readback: tf.Tensor1D; steps: number } {
    const list = this.list;
    this.list = [];
    const readback = tf.tidy(() =>
      tf.concat([tf.stack(list).reshape([-1]), weightProbe(model)]),
    ) as tf.Tensor1D;
    tf.dispose(list);
    return { readback, steps: list.length };
  }

  /** Frees the waiting metrics (the model they came from is going away). */
  dispose() {
    tf.dispose(this.list);
    this.list = [];
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
