// The training budget's arithmetic (src/features/training/shared/budget.ts) with hand-computed
// values: epochs from steps, the fraction of a budget spent, the cosine schedule, and auto-stop's
// bookkeeping of test-ELBO measurements that arrive while training goes on.
import { describe, expect, it } from 'vitest';
import {
  type AutoStopState,
  budgetFraction,
  budgetSpent,
  budgetText,
  epochsAt,
  FRESH_AUTO_STOP,
  lrFactor,
  recordMeasurement,
  stepsPerEpoch,
} from '../../src/features/training/shared/budget';
import type { TrainingBudget } from '../../src/shared/settings';

const budget = (budgetUnit: TrainingBudget['budgetUnit'], amount: number): TrainingBudget => ({
  budgetUnit,
  budget: amount,
  patience: 0,
  lrSchedule: 'constant',
});

describe('epochs', () => {
  it('counts whole batches per epoch, as the batch order draws them', () => {
    // 60,000 / 64 = 937.5: the half batch is dropped.
    expect(stepsPerEpoch(60_000, 64)).toBe(937);
    expect(epochsAt(1874, 60_000, 64)).toBe(2);
    expect(epochsAt(100, 1000, 10)).toBe(1);
    // A batch larger than the set spans 2.56 epochs.
    expect(stepsPerEpoch(100, 256)).toBe(0.390625);
    expect(epochsAt(1, 100, 256)).toBe(2.56);
    expect(stepsPerEpoch(0, 64)).toBeNaN();
  });
});

describe('budget', () => {
  const at = { step: 500, epochs: 1.25, trainingMs: 90_000 };
  it('measures how much is spent in its own unit', () => {
    expect(budgetFraction(budget('steps', 1000), at)).toBe(0.5);
    expect(budgetFraction(budget('epochs', 5), at)).toBe(0.25);
    expect(budgetFraction(budget('minutes', 3), at)).toBe(0.5);
    expect(budgetFraction(budget('off', 3), at)).toBeNull();
  });

  it('is spent exactly at its end, and never when off', () => {
    expect(budgetSpent(budget('steps', 501), at)).toBe(false);
    expect(budgetSpent(budget('steps', 500), at)).toBe(true);
    expect(budgetSpent(budget('minutes', 1), at)).toBe(true);
    expect(budgetSpent(budget('off', 1), { step: 1e9, epochs: 1e6, trainingMs: 1e12 })).toBe(false);
  });

  it('says what it is in words', () => {
    expect(budgetText(budget('steps', 1))).toBe('1 step');
    expect(budgetText(budget('steps', 12_000))).toBe('12,000 steps');
    expect(budgetText(budget('epochs', 20))).toBe('20 epochs');
    expect(budgetText(budget('minutes', 30))).toBe('30 minutes');
    expect(budgetText(budget('off', 30))).toBe('no budget');
  });
});

describe('learning-rate schedule', () => {
  it('leaves the rates alone when constant or without a budget', () => {
    expect(lrFactor('constant', 0.7)).toBe(1);
    expect(lrFactor('cosine', null)).toBe(1);
  });

  it('falls along half a cosine from 1 to a twentieth, and stays there past the budget', () => {
    expect(lrFactor('cosine', 0)).toBe(1);
    // 0.05 + 0.95 * (1 + cos(pi / 2)) / 2 = 0.525
    expect(lrFactor('cosine', 0.5)).toBeCloseTo(0.525, 12);
    // cos(pi / 3) = 0.5: 0.05 + 0.95 * 0.75 = 0.7625
    expect(lrFactor('cosine', 1 / 3)).toBeCloseTo(0.7625, 12);
    expect(lrFactor('cosine', 1)).toBeCloseTo(0.05, 12);
    expect(lrFactor('cosine', 3)).toBeCloseTo(0.05, 12);
  });
});

describe('auto-stop', () => {
  const basis = { images: 100, k: 10 };
  /** Feeds measurements in order; returns the verdicts and the final state. */
  function feed(measurements: [step: number, elbo: number][], patience: number, b = basis) {
    let state: AutoStopState = FRESH_AUTO_STOP;
    const verdicts: string[] = [];
    for (const [step, elbo] of measurements) {
      const out = recordMeasurement(state, { step, elbo, basis: b }, patience);
      state = out.state;
      verdicts.push(out.verdict);
    }
    return { verdicts, state };
  }

  it('keeps the best, counts the measurements since, and stops after `patience` of them', () => {
    const { verdicts, state } = feed(
      [
        [100, -120],
        [200, -110],
        [300, -111],
        [400, -110.005], // within 0.01 nats of the best: not better
        [500, -112],
      ],
      3,
    );
    expect(verdicts).toEqual(['best', 'best', 'no-better', 'no-better', 'stop']);
    expect(state.best).toEqual({ step: 200, elbo: -110, basis });
    expect(state.sinceBest).toBe(3);
    expect(state.lastStep).toBe(500);
  });

  it('starts counting afresh after a better one', () => {
    const { verdicts, state } = feed(
      [
        [100, -120],
        [200, -121],
        [300, -119],
        [400, -125],
      ],
      2,
    );
    expect(verdicts).toEqual(['best', 'no-better', 'best', 'no-better']);
    expect(state.sinceBest).toBe(1);
  });

  it('ignores a measurement of a step already counted or older (Measure now while paused)', () => {
    const { verdicts, state } = feed(
      [
        [300, -110],
        [300, -130],
        [250, -130],
        [400, -130],
      ],
      1,
    );
    expect(verdicts).toEqual(['best', 'ignored', 'ignored', 'stop']);
    expect(state.best?.step).toBe(300);
  });

  it('never stops with patience 0, and ignores a non-finite ELBO', () => {
    const { verdicts } = feed(
      [
        [1, -100],
        [2, -200],
        [3, Number.NaN],
        [4, -300],
      ],
      0,
    );
    expect(verdicts).toEqual(['best', 'no-better', 'ignored', 'no-better']);
  });

  it('does not compare figures on another basis: the first on a new one is the best', () => {
    let state = recordMeasurement(FRESH_AUTO_STOP, { step: 1, elbo: -100, basis }, 1).state;
    const other = recordMeasurement(
      state,
      { step: 2, elbo: -105, basis: { images: 500, k: 10 } },
      1,
    );
    expect(other.verdict).toBe('best');
    state = other.state;
    expect(state.best?.basis.images).toBe(500);
    expect(
      recordMeasurement(state, { step: 3, elbo: -106, basis: { images: 500, k: 10 } }, 1).verdict,
    ).toBe('stop');
  });
});
