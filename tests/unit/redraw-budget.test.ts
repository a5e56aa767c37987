// The curves' redraw interval (src/features/training/client/redraw-budget.ts): the charts'
// measured redraw costs, held to 6 % of one core, between one and four seconds.
import { describe, expect, it } from 'vitest';
import {
  MAX_REDRAW_MS,
  MIN_REDRAW_MS,
  recordRedrawCost,
  redrawInterval,
} from '../../src/features/training/client/redraw-budget';

describe('the charts’ redraw budget', () => {
  it('redraws every second while the charts are cheap', () => {
    for (let i = 0; i < 7; i++) recordRedrawCost(`chart-${i}`, 5);
    expect(redrawInterval()).toBe(MIN_REDRAW_MS);
  });

  it('waits in proportion to their cost: 210 ms of redraws every 3.5 s', () => {
    for (let i = 0; i < 7; i++) recordRedrawCost(`chart-${i}`, 30);
    expect(redrawInterval()).toBe(3500);
  });

  it('never waits longer than four seconds, and takes a chart’s latest cost', () => {
    for (let i = 0; i < 7; i++) recordRedrawCost(`chart-${i}`, 400);
    expect(redrawInterval()).toBe(MAX_REDRAW_MS);
    for (let i = 0; i < 7; i++) recordRedrawCost(`chart-${i}`, 12);
    expect(redrawInterval()).toBe(1400);
  });
});
