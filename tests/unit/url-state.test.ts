import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../../src/shared/config';
import { DEFAULT_BUDGET } from '../../src/shared/settings';
import { readUrlState, writeUrlState } from '../../src/app/url-state';
import type { RunSettings } from '../../src/features/training/shared/protocol';

const run: RunSettings = {
  dataset: 'fashion-mnist',
  architecture: 'conv',
  variant: 'separate',
  latentDim: 8,
  hiddenUnits: 256,
  hiddenLayers: 2,
  batchSize: 32,
  seed: 42,
};

describe('readUrlState', () => {
  it('reads a known backend and data set', () => {
    expect(readUrlState('?backend=webgpu&dataset=fashion-mnist')).toEqual({
      backend: 'webgpu',
      settings: { dataset: 'fashion-mnist' },
      hyperparams: {},
      budget: {},
      problems: [],
    });
  });

  it('ignores unknown values with a message instead of failing', () => {
    const state = readUrlState('?backend=quantum&dataset=cifar');
    expect(state.backend).toBeUndefined();
    expect(state.settings.dataset).toBeUndefined();
    expect(state.problems).toHaveLength(2);
    expect(state.problems[0]).toMatch(/Ignored backend=quantum/);
  });

  it('reads every setting of a run, and writing then reading gives it back', () => {
    const hp = {
      ...DEFAULT_HYPERPARAMS,
      beta: 0.25,
      gamma: 0,
      lrD: 3e-5,
      adversarialForm: 'minimax' as const,
      reconstructionLoss: 'feature' as const,
      reconstructionsInD: false,
      equilibriumGate: true,
      ganOnly: false,
      dWatches: false,
      binarize: true,
      klWarmup: 500,
      freeBits: 0.5,
    };
    const budget = {
      budgetUnit: 'epochs' as const,
      budget: 25,
      patience: 4,
      lrSchedule: 'cosine' as const,
    };
    const search = writeUrlState({ settings: run, hyperparams: hp, budget, backend: 'wasm' });
    expect(search).toBe(
      '?dataset=fashion-mnist&arch=conv&variant=separate&latent=8&hidden=256&layers=2&batch=32&seed=42' +
        '&beta=0.25&gamma=0&lrVae=0.001&lrD=0.00003&lrG=0.0002&adv=minimax' +
        '&rec=feature&dBatches=2&gate=1&gan=0&watch=0&bin=1&klWarmup=500&freeBits=0.5' +
        '&budgetUnit=epochs&budget=25&patience=4&lrSchedule=cosine&backend=wasm',
    );
    expect(readUrlState(search)).toEqual({
      backend: 'wasm',
      settings: run,
      hyperparams: hp,
      budget,
      problems: [],
    });
  });

  it('clamps out-of-range numbers and says so', () => {
    const state = readUrlState(
      '?latent=1000&hidden=4&batch=9999&beta=-1&gamma=50&lrG=100&seed=-3&budget=0&patience=5000',
    );
    expect(state.settings).toEqual({ latentDim: 128, hiddenUnits: 16, batchSize: 512, seed: 0 });
    expect(state.hyperparams).toEqual({ beta: 0, gamma: 10, lrG: 10 });
    expect(state.budget).toEqual({ budget: 1, patience: 1000 });
    expect(state.problems).toHaveLength(9);
    expect(state.problems).toContain('latent=1000 is outside 2 to 128; using 128 instead.');
  });

  it('ignores malformed values, one message each, and never throws', () => {
    const state = readUrlState(
      '?latent=abc&hidden=12.5&batch=&seed=1e400&beta=NaN&lrVae=0x&adv=sideways&variant=both&arch=capsule' +
        '&rec=l2&gate=yes&budgetUnit=fortnights&budget=2.5',
    );
    expect(state.settings).toEqual({});
    expect(state.budget).toEqual({});
    expect(state.hyperparams).toEqual({});
    expect(state.problems).toEqual([
      'Ignored arch=capsule: use one of mlp, conv.',
      'Ignored variant=both: use one of shared, separate.',
      'Ignored latent=abc: not a whole number.',
      'Ignored hidden=12.5: not a whole number.',
      'Ignored batch=: not a whole number.',
      'Ignored seed=1e400: not a whole number.',
      'Ignored beta=NaN: not a number.',
      'Ignored lrVae=0x: not a number.',
      'Ignored adv=sideways: use one of non-saturating, minimax.',
      'Ignored rec=l2: use one of pixel, feature, mixed.',
      'Ignored gate=yes: use one of 0, 1.',
      'Ignored budgetUnit=fortnights: use one of off, steps, epochs, minutes.',
      'Ignored budget=2.5: not a whole number.',
    ]);
    expect(() => readUrlState('?%E0%A4%A=1&latent=%ZZ')).not.toThrow();
  });

  it('keeps parameters it does not own when writing', () => {
    const search = writeUrlState(
      { settings: run, hyperparams: DEFAULT_HYPERPARAMS, budget: DEFAULT_BUDGET, backend: 'auto' },
      '?latent=3&pad=pca&beta=9',
    );
    const params = new URLSearchParams(search);
    expect(params.get('pad')).toBe('pca');
    expect(params.get('latent')).toBe('8');
    expect(params.getAll('beta')).toEqual(['1']);
  });
});
