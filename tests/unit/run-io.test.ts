import { describe, expect, it } from 'vitest';
import { MetricsSeries } from '../../src/features/training/client/metrics-series';
import { curvesCsv } from '../../src/features/run-archive/client/run-io';
import { sanitizePolicy, DEFAULT_POLICY } from '../../src/features/checkpoints/client/autosave';

describe('curvesCsv', () => {
  it('writes a header and one row per point, with NaN as an empty cell', () => {
    const series = new MetricsSeries();
    for (const step of [10, 20]) {
      series.push({
        step,
        time: step * 100,
        stepsPerSec: 4,
        imagesPerSec: 256,
        values: {
          reconstruction: 200 - step,
          kl: 5,
          discriminator: step === 20 ? Number.NaN : 1.2,
          generator: 0.8,
          dReal: 0.6,
          dRecon: 0.4,
          dPrior: 0.3,
          featureRec: Number.NaN,
          skipD: 0,
          skipG: 0,
        },
      });
    }
    expect(curvesCsv(series).split('\n')).toEqual([
      'step,time_s,reconstruction,kl,discriminator,generator,dReal,dRecon,dPrior,featureRec,skipD,skipG,stepsPerSec',
      '10,1.000,190,5,1.2,0.8,0.6,0.4,0.3,,0,0,4',
      '20,2.000,180,5,,0.8,0.6,0.4,0.3,,0,0,4',
      '',
    ]);
  });
});

describe('checkpoint policy', () => {
  it('keeps valid values and replaces bad ones by the default or the limit', () => {
    expect(sanitizePolicy({})).toEqual(DEFAULT_POLICY);
    expect(sanitizePolicy({ everySeconds: 0.5, everySteps: -4, keep: 99, enabled: false })).toEqual(
      {
        enabled: false,
        everySeconds: 2,
        everySteps: 0,
        keep: 20,
      },
    );
    expect(sanitizePolicy({ everySeconds: Number.NaN }).everySeconds).toBe(30);
    // The default loses at most a minute of work.
    expect(DEFAULT_POLICY.everySeconds).toBeLessThanOrEqual(60);
  });
});
