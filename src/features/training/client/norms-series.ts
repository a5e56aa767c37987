/**
 * The weight and gradient norms of each network over training, from the reports' readback
 * (MetricsPoint.norms), kept beside the curves for the norms chart. Bounded like the curves:
 * past MAX_HISTORY_POINTS every other point is dropped. Cleared with the curves (a new model),
 * and by an imported run, whose curves carry no norms.
 */
import { NORM_NETWORKS, type NormNetwork } from '../../../shared/metrics';
import { MAX_HISTORY_POINTS } from '../../../shared/history';
import type { MetricsPoint } from '../shared/protocol';
import { onTrainerEvent } from './trainer-events';

/** One chart row: the step, then ‖W‖ (`w.encoder` …) and ‖∇‖ (`g.encoder` …) per network. */
export type NormsRow = { step: number } & Partial<Record<`${'w' | 'g'}.${NormNetwork}`, number>>;

export class NormsSeries {
  rows: NormsRow[] = [];
  /** Changes with every push and clear, for the chart's memo. */
  version = 0;

  constructor(readonly maxPoints = MAX_HISTORY_POINTS) {}

  push(point: MetricsPoint) {
    if (!point.norms) return;
    const row: NormsRow = { step: point.step };
    for (const name of NORM_NETWORKS) {
      row[`w.${name}`] = point.norms.weights[name];
      const g = point.norms.gradients[name];
      // The chart's axis is logarithmic: no gradient (phase off) and 0 are left out.
      if (g !== null && g > 0) row[`g.${name}`] = g;
    }
    if (this.rows.length >= this.maxPoints) this.rows = this.rows.filter((_, i) => i % 2 === 1);
    this.rows.push(row);
    this.version += 1;
  }

  clear() {
    this.rows = [];
    this.version += 1;
  }

  /** At most `maxRows` rows, evenly picked (the newest always among them). */
  decimate(maxRows: number): NormsRow[] {
    const n = this.rows.length;
    if (n <= maxRows) return this.rows.slice();
    return Array.from(
      { length: maxRows },
      (_, i) => this.rows[Math.round(((i + 1) * n) / maxRows) - 1]!,
    );
  }
}

export const normsSeries = new NormsSeries();

/**
 * Subscribes the norms to the trainer's reports (once, from main.tsx).
 * @returns a function that ends the subscription
 */
export function connectNormsToTrainer(): () => void {
  const stops = [
    onTrainerEvent('metrics', ({ point }) => normsSeries.push(point)),
    // Step 0 outside training: a new model or a reset, whose curves start afresh.
    onTrainerEvent('status', ({ step, status }) => {
      if (step === 0 && status !== 'training' && normsSeries.rows.length > 0) normsSeries.clear();
    }),
    onTrainerEvent('history', () => normsSeries.clear()),
  ];
  return () => stops.forEach((stop) => stop());
}
