/**
 * The curves of a run zip (history.json, one column per quantity) read back into points, and
 * merged down to at most MAX_HISTORY_POINTS the way the live curves are (neighbouring points in
 * pairs, each the mean of the steps it covers), so a file of any length costs the worker and
 * the page no more than a long run of their own.
 */
import { compactHistory, MAX_HISTORY_POINTS } from '../../../shared/history';
import { METRIC_NAMES, type MetricName, OPTIONAL_METRICS } from '../../../shared/metrics';
import type { MetricsPoint } from '../../training/shared/protocol';
import { refuse } from './format';

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The points of a parsed history.json, at most `maxPoints`: past that, neighbouring points are
 * merged in pairs as they are read, as the trainer does with its own curves.
 * Throws RunArchiveError ('bad-history') when the columns are missing or of unequal length.
 */
export function readHistory(
  json: unknown,
  path: string,
  maxPoints = MAX_HISTORY_POINTS,
): MetricsPoint[] {
  const bad = () => refuse('bad-history', `${path} is malformed: the curves cannot be read.`);
  if (!isObject(json) || !isObject(json.values)) return bad();
  const cols = [json.step, json.time, json.stepsPerSec, json.imagesPerSec];
  const values = json.values as Record<string, unknown>;
  const n = Array.isArray(json.step) ? json.step.length : -1;
  const numeric = (c: unknown) =>
    Array.isArray(c) && c.length === n && c.every((v) => v === null || typeof v === 'number');
  // Curves added later (feature distance, gate skips) may be absent from older files.
  const absentOptional = (k: MetricName) => OPTIONAL_METRICS.includes(k) && values[k] === undefined;
  if (
    n < 0 ||
    !cols.every(numeric) ||
    !METRIC_NAMES.every((k) => absentOptional(k) || numeric(values[k]))
  )
    bad();
  const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  let points: MetricsPoint[] = [];
  for (let i = 0; i < n; i++) {
    points.push({
      step: num((json.step as unknown[])[i]),
      time: num((json.time as unknown[])[i]),
      stepsPerSec: num((json.stepsPerSec as unknown[])[i]),
      imagesPerSec: num((json.imagesPerSec as unknown[])[i]),
      values: Object.fromEntries(
        METRIC_NAMES.map((k) => [k, num((values[k] as unknown[] | undefined)?.[i])]),
      ) as Record<MetricName, number>,
    });
    // As the live curves do (run.ts): never more than maxPoints + 1 points held.
    if (points.length > maxPoints) points = compactHistory(points);
  }
  return points;
}
