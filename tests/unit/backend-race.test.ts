// The automatic backend choice by measurement (src/runtime/backend-race.ts): the fastest
// candidate wins and stays active, a failing one is dropped with its reason, and a result
// remembered for the same device is used without measuring again.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  measureTrainingSpeed,
  type RaceCache,
  type RaceEntry,
  type RaceResult,
  raceBackends,
} from '../../src/runtime/backend-race';
import type { BackendName } from '../../src/features/training/shared/protocol';
import { DEFAULT_MODEL_CONFIG } from '../../src/shared/config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function memoryCache(): RaceCache & { map: Map<string, RaceResult> } {
  const map = new Map<string, RaceResult>();
  return {
    map,
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
  };
}

/** Candidates whose "activation" records which one is active; speeds per name. */
function field(speeds: Partial<Record<BackendName, number | Error>>) {
  const state = { active: '' as string, measured: [] as string[] };
  const entries: RaceEntry[] = (Object.keys(speeds) as BackendName[]).map((name) => ({
    name,
    detail: `${name} adapter`,
    activate: async () => void (state.active = name),
  }));
  const measure = async () => {
    state.measured.push(state.active);
    const s = speeds[state.active as BackendName]!;
    if (s instanceof Error) throw s;
    return s;
  };
  return { entries, measure, state };
}

describe('raceBackends', () => {
  it('picks the fastest candidate and leaves it active', async () => {
    const { entries, measure, state } = field({ webgpu: 900, webgl: 300, wasm: 400 });
    const result = await raceBackends(entries, { measure });
    expect(result.winner).toBe('webgpu');
    expect(result.fromCache).toBe(false);
    expect(state.measured).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(state.active).toBe('webgpu');
    expect(result.speeds.map((s) => s.imagesPerSec)).toEqual([900, 300, 400]);
  });

  it('drops a candidate that fails to train, with its reason', async () => {
    const { entries, measure, state } = field({ webgl: new Error('context lost'), wasm: 250 });
    const result = await raceBackends(entries, { measure });
    expect(result.winner).toBe('wasm');
    expect(result.failed).toEqual([{ name: 'webgl', reason: 'context lost' }]);
    expect(state.active).toBe('wasm');
  });

  it('remembers the result per device and reuses it without measuring', async () => {
    const cache = memoryCache();
    const first = field({ webgl: 100, wasm: 250 });
    await raceBackends(first.entries, { measure: first.measure, cache });
    expect(cache.map.size).toBe(1);
    const second = field({ webgl: 100, wasm: 250 });
    const result = await raceBackends(second.entries, { measure: second.measure, cache });
    expect(result.fromCache).toBe(true);
    expect(result.winner).toBe('wasm');
    expect(second.state.measured).toEqual([]);
    expect(second.state.active).toBe('wasm');
  });

  it('measures again on another device (a different adapter)', async () => {
    const cache = memoryCache();
    const first = field({ webgl: 100, wasm: 250 });
    await raceBackends(first.entries, { measure: first.measure, cache });
    const other = field({ webgl: 800, wasm: 250 });
    other.entries[0] = { ...other.entries[0]!, detail: 'another GPU' };
    const result = await raceBackends(other.entries, { measure: other.measure, cache });
    expect(result.fromCache).toBe(false);
    expect(result.winner).toBe('webgl');
    expect(cache.map.size).toBe(2);
  });
});

describe('measureTrainingSpeed', () => {
  it('trains a model briefly, gives images/s and leaves no tensor', async () => {
    const before = tf.memory().numTensors;
    const small = { ...DEFAULT_MODEL_CONFIG, hiddenUnits: 16, latentDim: 2 };
    const speed = await measureTrainingSpeed(10, 8, small);
    expect(speed).toBeGreaterThan(0);
    expect(Number.isFinite(speed)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
