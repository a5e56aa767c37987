// Backend choice in an environment without GPUs (Node): forced backends that cannot run are
// reported with a reason and the choice falls back instead of failing.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/runtime/backend';

describe('selectBackend', () => {
  it('runs a forced cpu backend and says so', async () => {
    const info = await selectBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', requested: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('falls back from an unavailable forced WebGPU, naming the reason', async () => {
    const info = await selectBackend('webgpu');
    expect(info.name).not.toBe('webgpu');
    expect(info.requested).toBe('webgpu');
    expect(tf.getBackend()).toBe(info.name);
    const webgpu = info.skipped.find((s) => s.name === 'webgpu');
    expect(webgpu?.reason).toMatch(/navigator\.gpu is missing/);
    const webgl = info.skipped.find((s) => s.name === 'webgl');
    expect(webgl?.reason).toMatch(/OffscreenCanvas/);
  });
});
