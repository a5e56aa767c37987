// The data kernels (src/model/data-ops.ts, on wasm src/runtime/wasm/tfjs/data-kernels.ts): a
// batch's bytes become the same floats as the JavaScript path's, bit for bit, for every byte
// value and every length; the sums agree with a double-precision sum and carry a NaN or an
// infinity through (the divergence guard's probe relies on it); the batch sampler gives the
// same batches on wasm as on the CPU backend; and nothing leaks.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUM_ALL, sumAll, UNIT_FLOATS, unitFloats } from '../../src/model/data-ops';
import { BatchSampler } from '../../src/features/training/worker/batch-sampler';
import { toUnitFloats } from '../../src/shared/image-grid';
import { installAfterWasmStart, installAppWasmKernels } from '../../src/runtime/wasm/tfjs/install';
import {
  installWasmDataKernels,
  uninstallWasmDataKernels,
} from '../../src/runtime/wasm/tfjs/data-kernels';
import { mulberry32 } from '../../src/shared/random';

beforeAll(async () => {
  installAppWasmKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  installAfterWasmStart();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Every byte value, repeated to `n` bytes, in a shuffled order. */
function bytesOf(n: number, seed = 1): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i < 256 ? i : Math.floor(rand() * 256);
  return out;
}

describe('unitFloats on wasm', () => {
  it('is registered, so the app kernel is what runs', () => {
    expect(tf.getKernel(UNIT_FLOATS, 'wasm')).toBeDefined();
    expect(tf.getKernel(SUM_ALL, 'wasm')).toBeDefined();
  });

  it('gives JavaScript’s b / 255 to the bit, for every byte and every tail length', async () => {
    for (const n of [256, 257, 263, 264, 7, 1, 784 * 3 + 5]) {
      const bytes = bytesOf(n);
      const t = unitFloats<tf.Rank.R1>(bytes, [n]);
      expect(t.dtype).toBe('float32');
      const got = await t.data();
      t.dispose();
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = bytes[i]! / 255;
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('keeps the shape, takes no bytes of an earlier, longer batch, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const long = unitFloats<tf.Rank.R2>(new Uint8Array(64).fill(255), [8, 8]);
    long.dispose();
    const short = unitFloats<tf.Rank.R2>(new Uint8Array([0, 51, 102, 153, 204, 255]), [2, 3]);
    expect(short.shape).toEqual([2, 3]);
    expect(Array.from(await short.data())).toEqual(
      [0, 51, 102, 153, 204, 255].map((b) => Math.fround(b / 255)),
    );
    short.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bytes that do not fill the shape', () => {
    expect(() => unitFloats(new Uint8Array(5), [2, 3])).toThrow(/5 bytes do not fill \[2, 3\]/);
  });
});

describe('sumAll on wasm', () => {
  it('agrees with a double-precision sum, of the values and of their squares', async () => {
    const rand = mulberry32(7);
    for (const n of [0, 1, 3, 15, 16, 17, 33, 1000, 784 * 512 + 3]) {
      const values = Float32Array.from({ length: n }, () => rand() * 2 - 1);
      let sum = 0;
      let squares = 0;
      for (const v of values) {
        sum += v;
        squares += v * v;
      }
      const x = tf.tensor1d(values);
      const [s, q] = [sumAll(x), sumAll(x, true)];
      expect(s.shape).toEqual([]);
      const scale = Math.max(1, Math.sqrt(n));
      expect(Math.abs((await s.data())[0]! - sum)).toBeLessThan(1e-5 * scale);
      expect(Math.abs((await q.data())[0]! - squares)).toBeLessThan(2e-5 * Math.max(1, squares));
      tf.dispose([x, s, q]);
    }
  });

  it('is NaN or infinite when one value is, wherever it lies (the guard’s probe)', async () => {
    for (const at of [0, 5, 16, 17, 999]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const values = new Float32Array(1000).fill(0.5);
        values[at] = bad;
        const x = tf.tensor2d(values, [10, 100]);
        const s = sumAll(x);
        expect(Number.isFinite((await s.data())[0]!)).toBe(false);
        tf.dispose([x, s]);
      }
    }
  });

  it('matches tfjs’s own sum when the kernels are taken away', async () => {
    const values = Float32Array.from({ length: 4099 }, (_, i) => Math.sin(i));
    const x = tf.tensor1d(values);
    const fast = (await sumAll(x, true).data())[0]!;
    uninstallWasmDataKernels();
    try {
      expect(tf.getKernel(SUM_ALL, 'wasm')).toBeUndefined();
      const plain = (await sumAll(x, true).data())[0]!;
      expect(fast).toBeCloseTo(plain, 2);
    } finally {
      expect(installWasmDataKernels()).toBe(true);
      x.dispose();
    }
  });
});

describe('the batch sampler on wasm', () => {
  it('draws the batches the CPU backend draws, to the bit', async () => {
    const cells = 49;
    const count = 40;
    const images = bytesOf(count * cells, 3);
    const draw = async () => {
      const sampler = new BatchSampler(images, count, 11, cells);
      const out: number[][] = [];
      for (let step = 0; step < 5; step++) {
        const x = sampler.next(16);
        expect(x.shape).toEqual([16, cells]);
        out.push(Array.from(await x.data()));
        x.dispose();
      }
      return out;
    };
    const onWasm = await draw();
    await tf.setBackend('cpu');
    try {
      expect(await draw()).toEqual(onWasm);
    } finally {
      await tf.setBackend('wasm');
    }
    // And they are the images the order names, as toUnitFloats reads them.
    const sampler = new BatchSampler(images, count, 11, cells);
    const first = sampler.next(16);
    const values = await first.data();
    first.dispose();
    const rows: number[] = [];
    for (let i = 0; i < 16; i++) {
      const row = Array.from(values.subarray(i * cells, (i + 1) * cells));
      const index = [...Array(count).keys()].find(
        (j) => JSON.stringify(Array.from(toUnitFloats(images, [j], cells))) === JSON.stringify(row),
      );
      expect(index).toBeDefined();
      rows.push(index!);
    }
    expect(new Set(rows).size).toBe(16);
  });
});
