// The step axis's ticks (src/ui/chart-style.ts): round whole numbers inside the rows' range, so
// that no label sits a few pixels from the last step's.
import { describe, expect, it } from 'vitest';
import { rowTicks, stepTicks } from '../../src/ui/chart-style';

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
