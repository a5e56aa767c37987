import { useState } from 'react';
import { useAppStore } from '../../../app/store';
import {
  BUDGET_SETTINGS,
  type BudgetUnit,
  type IntRow,
  type LrSchedule,
  settingProblem,
  type TrainingBudget,
} from '../../../shared/settings';
import {
  budgetFraction,
  budgetText,
  lrFactor,
  type BudgetState,
  type RunCounters,
} from '../shared/budget';
import { sendBudget } from './trainer-client';
import { Toggletip } from '../../../ui/Toggletip';
import './budget.css';

const ROWS = BUDGET_SETTINGS;

/** Sends a change to the worker and keeps it in the form (and so in the URL). */
function change(patch: Partial<TrainingBudget>) {
  useAppStore.getState().setBudget(patch);
  void sendBudget(patch);
}

/** A whole-number field that sends its value once it is valid and says what is wrong otherwise. */
function WholeField({
  id,
  setting,
  value,
  onValid,
}: {
  id: string;
  setting: 'budget' | 'patience';
  value: number;
  onValid: (value: number) => void;
}) {
  const row: IntRow = ROWS[setting];
  // What is typed may be invalid for a moment ("" or 0 on the way to 05): kept apart from the
  // value in force, which only changes when the text is a valid number.
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? String(value);
  const problem =
    text !== null && settingProblem(setting, Number(text))
      ? `${row.label}: a whole number from ${row.min.toLocaleString('en-US')} to ${row.max.toLocaleString('en-US')}`
      : null;
  return (
    <div className="number-field">
      <label htmlFor={id}>{row.label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={row.min}
        max={row.max}
        step={1}
        value={shown}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => {
          const raw = e.currentTarget.value;
          const n = Number(raw);
          if (raw.trim() !== '' && settingProblem(setting, n) === null) {
            setText(null);
            if (n !== value) onValid(n);
          } else {
            setText(raw);
          }
        }}
        onBlur={() => setText(null)}
      />
      <Toggletip about={row.label} text={row.help} />
      {problem && (
        <p id={`${id}-problem`} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** "3.2 of 20 epochs (16 %)". */
function progressText(budget: TrainingBudget, at: RunCounters): string {
  const fraction = budgetFraction(budget, at) ?? 0;
  const spent =
    budget.budgetUnit === 'steps'
      ? at.step.toLocaleString('en-US')
      : budget.budgetUnit === 'epochs'
        ? at.epochs.toFixed(1)
        : (at.trainingMs / 60_000).toFixed(1);
  return `${spent} of ${budgetText(budget)} (${Math.min(100, Math.round(fraction * 100))} %)`;
}

/** Auto-stop's state in words. */
function autoStopText(state: BudgetState, patience: number): string {
  const { best, sinceBest } = state.autoStop;
  if (!best) {
    return 'No test ELBO measured yet: the quality panel measures every 20 s of training.';
  }
  const kept = state.bestCheckpointId !== null ? ', kept as a checkpoint' : '';
  return (
    `Best test ELBO ${best.elbo.toFixed(2)} nats at step ${best.step.toLocaleString('en-US')} ` +
    `(k = ${best.basis.k}, ${best.basis.images} images${kept}); ` +
    `${sinceBest} of ${patience} measurement${patience === 1 ? '' : 's'} since without a better one.`
  );
}

/**
 * The training budget: stop after so many steps, epochs or minutes, stop when the test ELBO no
 * longer improves (auto-stop, keeping the best as a checkpoint), and the learning-rate schedule
 * over the budget. The worker counts; this panel sets and shows.
 */
export function BudgetPanel() {
  const budget = useAppStore((s) => s.budget);
  const state = useAppStore((s) => s.budgetState);
  const step = useAppStore((s) => s.step);
  // Re-rendered with each curve point (the training time is the newest point's).
  const trainingMs = useAppStore((s) =>
    s.metricsVersion >= 0 && s.series.length > 0 ? s.series.times[s.series.length - 1]! : 0,
  );
  const perEpoch = state?.stepsPerEpoch ?? Number.NaN;
  const at: RunCounters = { step, epochs: step / perEpoch, trainingMs };
  const on = budget.budgetUnit !== 'off';
  const fraction = on ? budgetFraction(budget, at) : null;
  const factor = lrFactor(budget.lrSchedule, fraction);

  return (
    <section className="panel budget-panel" aria-labelledby="budget-heading">
      <h2 id="budget-heading">Training budget</h2>
      <div className="select-field">
        <label htmlFor="budget-unit">{ROWS.budgetUnit.label}</label>
        <select
          id="budget-unit"
          value={budget.budgetUnit}
          onChange={(e) => change({ budgetUnit: e.currentTarget.value as BudgetUnit })}
        >
          {ROWS.budgetUnit.choices.map((unit) => (
            <option key={unit} value={unit}>
              {ROWS.budgetUnit.options[unit]}
            </option>
          ))}
        </select>
        <Toggletip about={ROWS.budgetUnit.label} text={ROWS.budgetUnit.help} />
      </div>
      {on && (
        <WholeField
          id="budget-amount"
          setting="budget"
          value={budget.budget}
          onValid={(n) => change({ budget: n })}
        />
      )}
      {on && fraction !== null && Number.isFinite(fraction) && (
        <div className="budget-progress">
          <progress aria-label="Budget spent" max={1} value={Math.min(1, fraction)} />
          <span className="small" data-testid="budget-progress">
            {progressText(budget, at)}
          </span>
        </div>
      )}
      <div className="select-field">
        <label htmlFor="lr-schedule">{ROWS.lrSchedule.label}</label>
        <select
          id="lr-schedule"
          value={budget.lrSchedule}
          onChange={(e) => change({ lrSchedule: e.currentTarget.value as LrSchedule })}
        >
          {ROWS.lrSchedule.choices.map((s) => (
            <option key={s} value={s}>
              {ROWS.lrSchedule.options[s]}
            </option>
          ))}
        </select>
        <Toggletip about={ROWS.lrSchedule.label} text={ROWS.lrSchedule.help} />
      </div>
      {budget.lrSchedule === 'cosine' && (
        <p className="muted small" data-testid="lr-factor">
          {on
            ? `Learning rates now × ${factor.toFixed(2)} of the sliders' values.`
            : 'The schedule needs a budget: without one the learning rates stay as set.'}
        </p>
      )}
      <WholeField
        id="patience"
        setting="patience"
        value={budget.patience}
        onValid={(n) => change({ patience: n })}
      />
      {budget.patience > 0 && state && (
        <p className="small" data-testid="auto-stop-state">
          {autoStopText(state, budget.patience)}
        </p>
      )}
      {state?.stopped && (
        <p className="budget-stopped" role="status" data-testid="budget-stopped">
          {state.stopped.message}
        </p>
      )}
    </section>
  );
}
