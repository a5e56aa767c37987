import { describe, expect, it } from 'vitest';
import { readUrlState } from '../../src/app/url-state';

describe('readUrlState', () => {
  it('reads a known backend and data set', () => {
    expect(readUrlState('?backend=webgpu&dataset=fashion-mnist')).toEqual({
      backend: 'webgpu',
      dataset: 'fashion-mnist',
      problems: [],
    });
  });

  it('ignores unknown values with a message instead of failing', () => {
    const state = readUrlState('?backend=quantum&dataset=cifar');
    expect(state.backend).toBeUndefined();
    expect(state.dataset).toBeUndefined();
    expect(state.problems).toHaveLength(2);
    expect(state.problems[0]).toMatch(/Ignored backend=quantum/);
  });
});
