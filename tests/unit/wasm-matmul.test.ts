// The wasm backend's matrix product with transposed operands (src/runtime/wasm/tfjs/matmul.ts): the
// patched kernels must give the CPU backend's numbers for every transpose combination, batched
// or not, fused with bias and ReLU or not, and free their temporaries.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWasmMatMulPatch, patchedKernels } from '../../src/runtime/wasm/tfjs/matmul';
import { random } from '../helpers/random';

beforeAll(async () => {
  installWasmMatMulPatch();
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Values of `f` on the CPU backend and on wasm, from the same inputs. */
async function onBoth(
  inputs: Float32Array[],
  shapes: number[][],
  f: (...t: tf.Tensor[]) => tf.Tensor,
) {
  const results: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const out = tf.tidy(() => f(...inputs.map((v, i) => tf.tensor(v, shapes[i]))));
    results.push((await out.data()) as Float32Array);
    out.dispose();
  }
  return results as [Float32Array, Float32Array];
}

function expectClose(a: Float32Array, b: Float32Array) {
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(1e-4);
}

describe('wasm matMul with transposed operands', () => {
  const [m, k, n] = [5, 37, 11];
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matMul transposeA=${ta} transposeB=${tb} equals the CPU backend`, async () => {
      const aShape = ta ? [k, m] : [m, k];
      const bShape = tb ? [n, k] : [k, n];
      const [cpu, wasm] = await onBoth(
        [random(m * k, 1), random(k * n, 2)],
        [aShape, bShape],
        (a, b) => tf.matMul(a!, b!, ta, tb),
      );
      expect(cpu.length).toBe(m * n);
      expectClose(cpu, wasm);
    });

    it(`fused matMul + bias + relu, transposeA=${ta} transposeB=${tb}, equals the CPU backend`, async () => {
      const aShape = ta ? [k, m] : [m, k];
      const bShape = tb ? [n, k] : [k, n];
      const [cpu, wasm] = await onBoth(
        [random(m * k, 3), random(k * n, 4), random(n, 5)],
        [aShape, bShape, [n]],
        (a, b, bias) =>
          tf.fused.matMul({
            a: a!,
            b: b!,
            transposeA: ta,
            transposeB: tb,
            bias: bias!,
            activation: 'relu',
          }),
      );
      expect(cpu.some((v) => v === 0) && cpu.some((v) => v > 0)).toBe(true);
      expectClose(cpu, wasm);
    });
  }

  it('handles batched (rank 3) operands', async () => {
    const [cpu, wasm] = await onBoth(
      [random(3 * k * m, 6), random(3 * n * k, 7)],
      [
        [3, k, m],
        [3, n, k],
      ],
      (a, b) => tf.matMul(a!, b!, true, true),
    );
    expect(cpu.length).toBe(3 * m * n);
    expectClose(cpu, wasm);
  });

  it('gives the gradients of a dense layer, as the CPU backend does', async () => {
    const [cpu, wasm] = await onBoth(
      [random(m * k, 8), random(k * n, 9)],
      [
        [m, k],
        [k, n],
      ],
      (x, w) => {
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.relu(tf.matMul(a, w!))))(x!);
        const dw = tf.grad((b: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x!, b))))(w!);
        return tf.concat([dx.flatten(), dw.flatten()]);
      },
    );
    expect(cpu.some((v) => v !== 0)).toBe(true);
    expectClose(cpu, wasm);
  });

  it('replaces both kernels and leaves no tensor or wasm buffer behind', async () => {
    expect([...patchedKernels()].sort()).toEqual(['BatchMatMul', '_FusedMatMul']);
    await tf.setBackend('wasm');
    const a = tf.tensor(random(k * m, 10), [k, m]);
    const b = tf.tensor(random(n * k, 11), [n, k]);
    tf.matMul(a, b, true, true).dispose(); // first call sets things up
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    tf.matMul(a, b, true, true).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([a, b]);
  });
});
