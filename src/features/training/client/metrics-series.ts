/**
 * The history of the curves, kept in plain arrays outside React state, with a decimated view
 * for the charts so that hours of training stay smooth. It stays bounded: past `maxPoints`,
 * neighbouring points are merged in pairs (each pair's mean over the steps it covers), as the
 * worker does with its own copy (../workers/history.ts).
 */
import type { MetricName } from '../../../model/vaegan';
import type { MetricsPoint } from '../shared/protocol';
import { MAX_HISTORY_POINTS } from '../../../shared/history';

export const CHART_KEYS = [
  'reconstruction',
  'kl',
  'discriminator',
  'generator',
  'dReal',
  'dRecon',
  'dPrior',
  'featureRec',
  'skipD',
  'skipG',
  'stepsPerSec',
] as const;
export type ChartKey = (typeof CHART_KEYS)[number];
export type ChartRow = { step: number } & Record<ChartKey, number>;

export class MetricsSeries {
  readonly steps: number[] = [];
  readonly times: number[] = [];
  readonly columns: Record<ChartKey, number[]> = Object.fromEntries(
    CHART_KEYS.map((key) => [key, []]),
  ) as unknown as Record<ChartKey, number[]>;

  constructor(readonly maxPoints = MAX_HISTORY_POINTS) {}

  get length() {
    return this.steps.length;
  }

  push(point: MetricsPoint) {
    if (this.steps.length >= this.maxPoints) this.compact();
    this.steps.push(point.step);
    this.times.push(point.time);
    for (const key of CHART_KEYS) {
      const value = key === 'stepsPerSec' ? point.stepsPerSec : point.values[key as MetricName];
      this.columns[key].push(value);
    }
  }

  /** Halves the number of points, merging neighbours weighted by the steps they cover. */
  private compact() {
    const n = this.steps.length;
    let before = 0;
    let out = 0;
    for (let i = 0; i < n; i += 2, out++) {
      if (i + 1 >= n) {
        this.steps[out] = this.steps[i]!;
        this.times[out] = this.times[i]!;
        for (const key of CHART_KEYS) this.columns[key][out] = this.columns[key][i]!;
        break;
      }
      const wa = Math.max(1, this.steps[i]! - before);
      const wb = Math.max(1, this.steps[i + 1]! - this.steps[i]!);
      before = this.steps[i + 1]!;
      for (const key of CHART_KEYS) {
        const c = this.columns[key];
        c[out] =
          key === 'stepsPerSec'
            ? (c[i]! + c[i + 1]!) / 2
            : (c[i]! * wa + c[i + 1]! * wb) / (wa + wb);
      }
      this.steps[out] = this.steps[i + 1]!;
      this.times[out] = this.times[i + 1]!;
    }
    const kept = Math.ceil(n / 2);
    this.steps.length = kept;
    this.times.length = kept;
    for (const key of CHART_KEYS) this.columns[key].length = kept;
  }

  clear() {
    this.steps.length = 0;
    this.times.length = 0;
    for (const key of CHART_KEYS) this.columns[key].length = 0;
  }

  /**
   * At most `maxRows` rows for a chart: consecutive points are averaged in equal buckets, each
   * row placed at its bucket's last step. Non-finite values are left out of the averages.
   */
  decimate(maxRows: number): ChartRow[] {
    const n = this.length;
    const buckets = Math.min(n, Math.max(1, maxRows));
    const rows: ChartRow[] = [];
    for (let b = 0; b < buckets; b++) {
      const start = Math.floor((b * n) / buckets);
      const end = Math.floor(((b + 1) * n) / buckets);
      if (end <= start) continue;
      const row = { step: this.steps[end - 1]! } as ChartRow;
      for (const key of CHART_KEYS) {
        const column = this.columns[key];
        let sum = 0;
        let count = 0;
        for (let i = start; i < end; i++) {
          const v = column[i]!;
          if (Number.isFinite(v)) {
            sum += v;
            count += 1;
          }
        }
        row[key] = count > 0 ? sum / count : Number.NaN;
      }
      rows.push(row);
    }
    return rows;
  }
}
