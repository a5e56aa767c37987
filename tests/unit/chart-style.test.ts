// The axes' explicit ticks (src/ui/chart-style.ts): on the step axis round whole numbers inside
// the rows' range, so that no label sits a few pixels from the last step's; on the norms' log
// axis powers of ten (or 1, 2, 5 times them) inside the values' range.
import { describe, expect, it } from 'vitest';
import { logTicks, rowTicks, stepTicks } from '../../src/ui/chart-style';

describe('the step axis’s ticks', () => {
  it('are round numbers inside the range, about five of them', () => {
    expect(stepTicks(1, 1032)).toEqual([200, 400, 600, 800, 1000]);
    expect(stepTicks(1, 910)).toEqual([200, 400, 600, 800]);
    expect(stepTicks(40, 120_000)).toEqual([20_000, 40_000, 60_000, 80_000, 100_000, 120_000]);
  });

  it('stay whole numbers for a short run, and one tick for one step', () => {
    expect(stepTicks(1, 3)).toEqual([1, 2, 3]);
    expect(stepTicks(7, 7)).toEqual([7]);
    expect(rowTicks([])).toEqual([]);
    expect(rowTicks([{ step: 4 }, { step: 9 }, { step: 31 }])).toEqual([5, 10, 15, 20, 25, 30]);
  });

  it('are evenly spaced, in order and in range, over many ranges', () => {
    for (const first of [1, 3, 17, 250]) {
      for (const span of [1, 2, 9, 41, 999, 4321, 99_999]) {
        const last = first + span;
        const ticks = stepTicks(first, last);
        expect(ticks.length).toBeGreaterThanOrEqual(1);
        expect(ticks.length).toBeLessThanOrEqual(11);
        expect(ticks.every(Number.isInteger)).toBe(true);
        expect(ticks[0]!).toBeGreaterThanOrEqual(first);
        expect(ticks[ticks.length - 1]!).toBeLessThanOrEqual(last);
        const gaps = new Set(ticks.slice(1).map((t, i) => t - ticks[i]!));
        expect(gaps.size).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('the log axis’s ticks', () => {
  it('are the powers of ten inside the range, every other one over many decades', () => {
    expect(logTicks(0.003, 95)).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks(1e-7, 2e3)).toEqual([1e-7, 1e-5, 0.001, 0.1, 10, 1000]);
  });

  it('are 1 and 3 times them over a few decades, and finer still over less', () => {
    expect(logTicks(0.4, 55)).toEqual([1, 3, 10, 30]);
    expect(logTicks(1.5, 90)).toEqual([3, 10, 30]);
    expect(logTicks(0.7, 2.1)).toEqual([1, 2]);
    expect(logTicks(21, 38)).toEqual([30]);
    expect(logTicks(12, 38)).toEqual([20, 30]);
  });

  it('are none without a positive range', () => {
    expect(logTicks(Infinity, 0)).toEqual([]);
    expect(logTicks(0, 5)).toEqual([]);
    expect(logTicks(5, 2)).toEqual([]);
  });

  it('stay inside the range and in order, over many ranges', () => {
    for (const min of [1e-6, 0.02, 0.7, 3, 450]) {
      for (const factor of [1.2, 3, 30, 1e3, 1e9]) {
        const max = min * factor;
        const ticks = logTicks(min, max);
        expect(ticks.length).toBeLessThanOrEqual(9);
        expect(ticks.every((t, i) => t >= min && t <= max && (i === 0 || t > ticks[i - 1]!))).toBe(
          true,
        );
        if (factor >= 3) expect(ticks.length).toBeGreaterThanOrEqual(2);
      }
    }
  });
});
