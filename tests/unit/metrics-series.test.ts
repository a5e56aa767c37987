import { describe, expect, it } from 'vitest';
import { MetricsSeries } from '../../src/features/training/client/metrics-series';
import type { MetricsPoint } from '../../src/features/training/shared/protocol';

function point(step: number, reconstruction: number): MetricsPoint {
  return {
    step,
    time: step * 10,
    values: {
      reconstruction,
      kl: 1,
      discriminator: 2,
      generator: 3,
      dReal: 0.5,
      dRecon: 0.4,
      dPrior: 0.3,
      featureRec: Number.NaN,
      skipD: 0,
      skipG: 0,
    },
    stepsPerSec: 4,
    imagesPerSec: 256,
  };
}

describe('MetricsSeries', () => {
  it('keeps every point and decimates into bucket means', () => {
    const series = new MetricsSeries();
    for (let i = 1; i <= 1000; i++) series.push(point(i, i));
    expect(series.length).toBe(1000);
    const rows = series.decimate(100);
    expect(rows).toHaveLength(100);
    // First bucket: steps 1..10, mean reconstruction 5.5, placed at its last step.
    expect(rows[0]).toMatchObject({ step: 10, reconstruction: 5.5, stepsPerSec: 4 });
    expect(rows[99]!.step).toBe(1000);
  });

  it('returns every point when there are fewer than asked for', () => {
    const series = new MetricsSeries();
    series.push(point(1, 10));
    series.push(point(2, 20));
    expect(series.decimate(300).map((r) => r.reconstruction)).toEqual([10, 20]);
  });

  it('leaves NaN out of bucket means, and clear empties it', () => {
    const series = new MetricsSeries();
    series.push(point(1, Number.NaN));
    series.push(point(2, 4));
    expect(series.decimate(1)[0]!.reconstruction).toBe(4);
    series.clear();
    expect(series.length).toBe(0);
    expect(series.decimate(10)).toEqual([]);
  });
});
