/**
 * The full history of the curves, kept in plain arrays outside React state, with a decimated
 * view for the charts so that hours of training stay smooth.
 */
import type { MetricName } from '../model/vaegan';
import type { MetricsPoint } from '../workers/protocol';

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

  get length() {
    return this.steps.length;
  }

  push(point: MetricsPoint) {
    this.steps.push(point.step);
    this.times.push(point.time);
    for (const key of CHART_KEYS) {
      const value = key === 'stepsPerSec' ? point.stepsPerSec : point.values[key as MetricName];
      this.columns[key].push(value);
    }
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
