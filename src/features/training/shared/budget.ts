/**
 * The training budget's arithmetic, with no tfjs and no DOM: epochs from steps, how much of a
 * budget is spent, the learning-rate schedule over it, and auto-stop's bookkeeping of test-ELBO
 * measurements. The training worker counts with these (../worker/budget-keeper.ts); the page
 * shows the same numbers (epochs beside steps, the budget's progress).
 */
import type { BudgetUnit, LrSchedule, TrainingBudget } from '../../../shared/settings';

/**
 * Steps in one epoch (one pass over the training images). The batch order draws whole batches
 * and drops an epoch's remainder (batch-sampler.ts), so 60,000 images at batch 64 make 937
 * steps; a batch larger than the set spans epochs, so an epoch is then a fraction of a step.
 */
export function stepsPerEpoch(trainImages: number, batchSize: number): number {
  if (!(trainImages > 0) || !(batchSize > 0)) return Number.NaN;
  return batchSize > trainImages ? trainImages / batchSize : Math.floor(trainImages / batchSize);
}

/** Epochs trained after `step` steps. */
export function epochsAt(step: number, trainImages: number, batchSize: number): number {
  return step / stepsPerEpoch(trainImages, batchSize);
}

/** Where a run stands, in each of the budget's units. */
export interface RunCounters {
  step: number;
  epochs: number;
  /** Milliseconds of training (pauses excluded). */
  trainingMs: number;
}

/** The run's progress in the budget's unit (steps, epochs or minutes). */
export function spentIn(unit: Exclude<BudgetUnit, 'off'>, at: RunCounters): number {
  if (unit === 'steps') return at.step;
  if (unit === 'epochs') return at.epochs;
  return at.trainingMs / 60_000;
}

/** The fraction of the budget spent, from 0 (and above 1 once over it); null without a budget. */
export function budgetFraction(budget: TrainingBudget, at: RunCounters): number | null {
  if (budget.budgetUnit === 'off') return null;
  return spentIn(budget.budgetUnit, at) / budget.budget;
}

/** Whether the budget is spent: never without one. */
export function budgetSpent(budget: TrainingBudget, at: RunCounters): boolean {
  const fraction = budgetFraction(budget, at);
  return fraction !== null && fraction >= 1;
}

/** The budget in words, e.g. "20 epochs", "1 minute", "no budget". */
export function budgetText(budget: Pick<TrainingBudget, 'budgetUnit' | 'budget'>): string {
  if (budget.budgetUnit === 'off') return 'no budget';
  const n = budget.budget;
  const unit = budget.budgetUnit === 'minutes' ? 'minute' : budget.budgetUnit.slice(0, -1);
  return `${n.toLocaleString('en-US')} ${unit}${n === 1 ? '' : 's'}`;
}

/** What the cosine schedule falls to at the end of the budget, as a fraction of the set rates. */
export const COSINE_FLOOR = 0.05;

/**
 * The factor on all three learning rates at `fraction` of the budget: 1 throughout for
 * `constant` (and without a budget, fraction null); for `cosine`, half a cosine from 1 down to
 * COSINE_FLOOR at the end of the budget, and COSINE_FLOOR past it.
 */
export function lrFactor(schedule: LrSchedule, fraction: number | null): number {
  if (schedule === 'constant' || fraction === null) return 1;
  const f = Math.min(1, Math.max(0, fraction));
  return COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + Math.cos(Math.PI * f));
}

/**
 * What a test ELBO was measured on: figures on other test images or with another k are not
 * compared with each other.
 */
export interface MeasurementBasis {
  /** Test images (the first ones of the test split, binarised with a fixed seed). */
  images: number;
  /** Importance samples per image. */
  k: number;
}

/** One test-ELBO measurement of the weights at `step`. */
export interface ElboMeasurement {
  step: number;
  /** Nats per image; higher is better. */
  elbo: number;
  basis: MeasurementBasis;
}

/** Auto-stop's memory: the best measurement and how many have come since without beating it. */
export interface AutoStopState {
  best: ElboMeasurement | null;
  /** Measurements since the best that did not beat it. */
  sinceBest: number;
  /** Step of the last measurement counted; one of the same or an earlier step is not news. */
  lastStep: number;
}

export const FRESH_AUTO_STOP: AutoStopState = { best: null, sinceBest: 0, lastStep: -1 };

/**
 * A better ELBO must beat the best by more than this (nats): with the fixed seeds of the
 * quality panel two measurements of the same weights agree, and a change within rounding is not
 * progress.
 */
export const MIN_IMPROVEMENT = 0.01;

/**
 * - `ignored`: the weights of that step, or older ones, were counted already (e.g. Measure now
 *   pressed twice while paused), so nothing changes;
 * - `best`: a new best (also the first on a new basis), to be kept as a checkpoint;
 * - `no-better`: counted, patience left;
 * - `stop`: counted, and `patience` measurements in a row have not beaten the best.
 */
export type AutoStopVerdict = 'ignored' | 'best' | 'no-better' | 'stop';

const sameBasis = (a: MeasurementBasis, b: MeasurementBasis) =>
  a.images === b.images && a.k === b.k;

/**
 * Counts one measurement. Measurements may arrive long after their weights were copied, while
 * training goes on: what counts is the step they measured, never the step training is at.
 * @param patience measurements without a better ELBO that stop training (0: never stop)
 */
export function recordMeasurement(
  state: AutoStopState,
  m: ElboMeasurement,
  patience: number,
): { state: AutoStopState; verdict: AutoStopVerdict } {
  if (!Number.isFinite(m.elbo) || m.step <= state.lastStep) return { state, verdict: 'ignored' };
  const { best } = state;
  if (!best || !sameBasis(best.basis, m.basis) || m.elbo > best.elbo + MIN_IMPROVEMENT) {
    return { state: { best: m, sinceBest: 0, lastStep: m.step }, verdict: 'best' };
  }
  const sinceBest = state.sinceBest + 1;
  return {
    state: { best, sinceBest, lastStep: m.step },
    verdict: patience > 0 && sinceBest >= patience ? 'stop' : 'no-better',
  };
}

/** Why training stopped by itself. */
export interface BudgetStop {
  reason: 'budget' | 'plateau';
  step: number;
  message: string;
}

/** What the worker tells the page about the budget, after every change. */
export interface BudgetState {
  budget: TrainingBudget;
  /** Steps in one epoch of the running model's data and batch size (NaN before a model). */
  stepsPerEpoch: number;
  autoStop: AutoStopState;
  /** The checkpoint holding the best measurement's weights, once one is stored. */
  bestCheckpointId: number | null;
  /** Set when training stopped by itself, until it trains again. */
  stopped: BudgetStop | null;
}
