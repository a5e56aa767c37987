/**
 * What the trainer says when the budget stops training, when Train is refused after it, and
 * when auto-stop stops it: one message each, from the budget and where the run stands.
 */
import type { TrainingBudget } from '../../../shared/settings';
import {
  budgetText,
  type BudgetStop,
  type ElboMeasurement,
  type RunCounters,
  spentIn,
} from '../shared/budget';

/** How far a run is in its budget's unit, e.g. "20.0 epochs", "12.5 minutes", "500 steps". */
export function formatSpent(budget: TrainingBudget, at: RunCounters): string {
  if (budget.budgetUnit === 'off') return '';
  const amount = spentIn(budget.budgetUnit, at);
  if (budget.budgetUnit === 'steps') return `${Math.round(amount).toLocaleString('en-US')} steps`;
  return `${amount.toFixed(1)} ${budget.budgetUnit}`;
}

/** The stop of a spent budget, at the run's step. */
export function spentStop(budget: TrainingBudget, at: RunCounters): BudgetStop {
  return {
    reason: 'budget',
    step: at.step,
    message:
      `Stopped: the training budget of ${budgetText(budget)} is spent (step ` +
      `${at.step.toLocaleString('en-US')}, ${formatSpent(budget, at)}). Raise it or choose no ` +
      'budget to train on.',
  };
}

/** Why Train does nothing while the budget is spent. */
export function spentRefusal(budget: TrainingBudget, at: RunCounters): string {
  return (
    `The training budget of ${budgetText(budget)} is spent (${formatSpent(budget, at)}): ` +
    'raise it or choose no budget to train on.'
  );
}

/** Auto-stop's message: how long it waited, and where the best is kept. */
export function plateauMessage(patience: number, best: ElboMeasurement): string {
  return (
    `Auto-stop: the test ELBO has not improved for ${patience} ` +
    `measurement${patience === 1 ? '' : 's'}. The best, ${best.elbo.toFixed(2)} nats at step ` +
    `${best.step.toLocaleString('en-US')}, is kept as a checkpoint (Checkpoints panel).`
  );
}
