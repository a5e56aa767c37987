/**
 * The curve history kept bounded: once it passes MAX_HISTORY_POINTS, neighbouring points are
 * merged in pairs (each the mean of the steps it covers), so a run of any length keeps at most
 * that many points, densest where nothing was merged yet. No tfjs: the page uses it too.
 */
import { METRIC_NAMES, type MetricName } from './metrics';
import type { MetricsPoint } from '../features/training/shared/protocol';

/** About 10 points a second are reported: this is several hours at full resolution. */
export const MAX_HISTORY_POINTS = 20_000;

/** Merges two consecutive points, weighting each by the number of steps it averages. */
function merge(a: MetricsPoint, b: MetricsPoint, stepsBeforeA: number): MetricsPoint {
  const wa = Math.max(1, a.step - stepsBeforeA);
  const wb = Math.max(1, b.step - a.step);
  const values = {} as Record<MetricName, number>;
  for (const name of METRIC_NAMES) {
    values[name] = (a.values[name] * wa + b.values[name] * wb) / (wa + wb);
  }
  return {
    step: b.step,
    time: b.time,
    values,
    stepsPerSec: (a.stepsPerSec + b.stepsPerSec) / 2,
    imagesPerSec: (a.imagesPerSec + b.imagesPerSec) / 2,
  };
}

/** Half as many points, each pair merged; an odd last point is kept as it is. */
export function compactHistory(points: readonly MetricsPoint[]): MetricsPoint[] {
  const out: MetricsPoint[] = [];
  let before = 0;
  for (let i = 0; i + 1 < points.length; i += 2) {
    out.push(merge(points[i]!, points[i + 1]!, before));
    before = points[i + 1]!.step;
  }
  if (points.length % 2 === 1) out.push(points[points.length - 1]!);
  return out;
}
