import { describe, expect, it } from 'vitest';
import { useAppStore } from '../../src/app/store';
import type { MetricsPoint } from '../../src/features/training/shared/protocol';

const point = (step: number): MetricsPoint => ({
  step,
  time: step * 100,
  stepsPerSec: 2,
  imagesPerSec: 128,
  values: {
    reconstruction: 300 - step,
    kl: 4,
    discriminator: 1.3,
    generator: 0.7,
    dReal: 0.5,
    dRecon: 0.5,
    dPrior: 0.5,
    featureRec: Number.NaN,
    skipD: 0,
    skipG: 0,
  },
});

describe('store: an imported run brings its curves', () => {
  it('a history event replaces the curves, and the restored step does not clear them', () => {
    const { receive } = useAppStore.getState();
    receive({ type: 'metrics', point: point(1) });
    const version = useAppStore.getState().metricsVersion;
    receive({ type: 'history', points: [point(10), point(20), point(30)] });
    const { series, metricsVersion } = useAppStore.getState();
    expect(series.steps).toEqual([10, 20, 30]);
    expect(series.columns.reconstruction).toEqual([290, 280, 270]);
    expect(metricsVersion).toBeGreaterThan(version);
    receive({ type: 'status', status: 'paused', step: 30 });
    expect(useAppStore.getState().series.length).toBe(3);
    expect(useAppStore.getState().step).toBe(30);
  });
});
