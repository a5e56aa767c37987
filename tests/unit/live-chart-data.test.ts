// What the live curves draw (src/ui/live-chart-data.ts): a run's rows as uPlot's columns, with
// gaps where a value is missing, not finite or (on a log axis) not above 0; and the readout of
// the row under the pointer.
import { describe, expect, it } from 'vitest';
import { readout, toColumns } from '../../src/ui/live-chart-data';
import { stepTick } from '../../src/ui/chart-style';

const rows = [
  { step: 10, a: 1.5, b: 0 },
  { step: 20, a: Number.NaN, b: 2 },
  { step: 30, b: -1 },
  { step: 40, a: Number.POSITIVE_INFINITY, b: 4 },
];

describe('toColumns', () => {
  it('puts the steps first and one column per line, in the lines’ order', () => {
    expect(toColumns(rows, ['b', 'a'])).toEqual([
      [10, 20, 30, 40],
      [0, 2, -1, 4],
      [1.5, null, null, null],
    ]);
  });

  it('on a log axis leaves a gap for every value not above 0', () => {
    expect(toColumns(rows, ['b'], true)).toEqual([
      [10, 20, 30, 40],
      [null, 2, null, 4],
    ]);
  });

  it('draws nothing for no rows, and a gap for a line no row has', () => {
    expect(toColumns([], ['a'])).toEqual([[], []]);
    expect(toColumns(rows.slice(0, 2), ['c'])).toEqual([
      [10, 20],
      [null, null],
    ]);
  });
});

describe('readout', () => {
  const columns = toColumns(rows, ['a', 'b']);
  const format = (v: number) => v.toFixed(2);

  it('names the step and gives each line’s value, a dash for a gap', () => {
    expect(readout(columns, 1, ['A', 'B'], format)).toEqual({
      step: 'step 20',
      values: [
        { name: 'A', value: '—' },
        { name: 'B', value: '2.00' },
      ],
    });
  });

  it('is nothing outside the rows', () => {
    expect(readout(columns, 4, ['A', 'B'], format)).toBeNull();
    expect(readout(toColumns([], ['a']), 0, ['A'], format)).toBeNull();
  });
});

describe('stepTick', () => {
  it('shortens thousands', () => {
    expect([900, 1500, 12_000, 120_000].map(stepTick)).toEqual(['900', '1.5k', '12k', '120k']);
  });
});
