// The conv weight gradient on the wasm backend (src/runtime/wasm/tfjs/conv.ts): the gradients of
// conv2d and conv2dTranspose with respect to their filters must equal the CPU backend's, for the
// strides and paddings the conv networks use, and the kernel must free what it allocates.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWasmConvPatch, wasmConvKernels } from '../../src/runtime/wasm/tfjs/conv';
import { missingConvKernels } from '../../src/runtime/backend';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { VaeGan } from '../../src/model/vaegan';
import { random } from '../helpers/random';

beforeAll(async () => {
  expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeUndefined(); // tfjs's own gap
  installWasmConvPatch();
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The filter gradient of `f(x, filter)`, summed against a fixed random upstream gradient. */
async function filterGradient(
  backend: string,
  xShape: number[],
  filterShape: number[],
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(random(size(xShape), 3), xShape as [number, number, number, number]);
  const w = tf.tensor4d(
    random(size(filterShape), 5),
    filterShape as [number, number, number, number],
  );
  const grad = tf.grad((filter: tf.Tensor) => {
    const y = f(x, filter as tf.Tensor4D);
    return tf.sum(tf.mul(y, tf.tensor(random(y.size, 7), y.shape)));
  });
  const g = grad(w);
  const values = (await g.data()) as Float32Array;
  tf.dispose([x, w, g]);
  return values;
}

/** Values of `f()` on the CPU backend and on wasm; `f` makes its inputs from fixed seeds. */
async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const out: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const t = tf.tidy(f);
    out.push((await t.data()) as Float32Array);
    t.dispose();
  }
  return out as [Float32Array, Float32Array];
}

/** Equal up to `tolerance` times the larger of 1 and the largest magnitude. */
function expectClose(a: Float32Array, b: Float32Array, tolerance = 1e-4) {
  expect(b.length).toBe(a.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  expect(worst).toBeLessThan(tolerance * Math.max(1, scale));
}

describe('Conv2DBackpropFilter on wasm', () => {
  it('is registered, so wasm no longer lacks a conv training kernel', () => {
    expect([...wasmConvKernels()].sort()).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput']);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
    expect(missingConvKernels('wasm')).toEqual([]);
  });

  for (const [stride, pad, kernel] of [
    [1, 'same', 3],
    [2, 'same', 4],
    [2, 'valid', 3],
    [1, 'valid', 5],
  ] as const) {
    it(`conv2d, stride ${stride}, ${pad}, ${kernel}x${kernel}: equals the CPU backend`, async () => {
      const xShape = [3, 9, 9, 2];
      const filterShape = [kernel, kernel, 2, 4];
      const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, stride, pad);
      const cpu = await filterGradient('cpu', xShape, filterShape, f);
      const wasm = await filterGradient('wasm', xShape, filterShape, f);
      expect(Math.max(...cpu.map(Math.abs))).toBeGreaterThan(0.1); // not a trivial zero
      expectClose(cpu, wasm);
    });
  }

  it('conv2dTranspose (the decoder), stride 2, same: equals the CPU backend', async () => {
    const xShape = [2, 7, 7, 6];
    const filterShape = [4, 4, 3, 6]; // [fh, fw, out channels, in channels]
    const f = (x: tf.Tensor4D, w: tf.Tensor4D) =>
      tf.conv2dTranspose(x, w, [2, 14, 14, 3], 2, 'same');
    const cpu = await filterGradient('cpu', xShape, filterShape, f);
    const wasm = await filterGradient('wasm', xShape, filterShape, f);
    expectClose(cpu, wasm);
  });

  for (const [stride, pad] of [
    [2, 'same'],
    [2, 'valid'],
    [1, 'same'],
  ] as const) {
    it(`conv2d input gradient, stride ${stride}, ${pad}: equals the CPU backend`, async () => {
      const [cpu, wasm] = await onBoth(() => {
        const x = tf.tensor4d(random(3 * 9 * 9 * 2, 3), [3, 9, 9, 2]);
        const w = tf.tensor4d(random(3 * 3 * 2 * 4, 5), [3, 3, 2, 4]);
        return tf.grad((v: tf.Tensor) => {
          const y = tf.conv2d(v as tf.Tensor4D, w, stride, pad);
          return tf.sum(tf.mul(y, tf.tensor(random(y.size, 7), y.shape)));
        })(x);
      });
      expectClose(cpu, wasm);
    });
  }

  it("conv2dTranspose forward (the decoder's upsampling): equals the CPU backend", async () => {
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.tensor4d(random(2 * 7 * 7 * 6, 3), [2, 7, 7, 6]);
      const w = tf.tensor4d(random(5 * 5 * 3 * 6, 5), [5, 5, 3, 6]);
      return tf.conv2dTranspose(x, w, [2, 14, 14, 3], 2, 'same');
    });
    expectClose(cpu, wasm);
  });

  it("is not tfjs-backend-wasm's 3-D filter gradient, which is wrong at stride 2", async () => {
    // The reason this kernel does its own im2col: a depth-1 conv3d would have been a view.
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.tensor5d(random(2 * 9 * 9 * 2, 3), [2, 1, 9, 9, 2]);
      const w = tf.tensor5d(random(3 * 3 * 2 * 4, 5), [1, 3, 3, 2, 4]);
      return tf.grad((f: tf.Tensor) => tf.sum(tf.conv3d(x, f as tf.Tensor5D, [1, 2, 2], 'valid')))(
        w,
      );
    });
    let worst = 0;
    for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(cpu[i]! - wasm[i]!));
    expect(worst).toBeGreaterThan(0.1);
  });

  it('conv VAEGAN: every weight gradient on wasm equals the CPU backend', async () => {
    // One loss through all four conv networks' layers: x -> encoder -> decoder (transposed convs,
    // batch norm) -> D (convs), so every kernel of both passes runs.
    const config = {
      ...DEFAULT_MODEL_CONFIG,
      architecture: 'conv' as const,
      latentDim: 8,
      convFilters: [4, 8] as [number, number],
    };
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      const model = new VaeGan(config, DEFAULT_HYPERPARAMS);
      const x = tf.tensor2d(
        random(6 * 784, 11).map((v) => (v + 1) / 2),
        [6, 784],
      );
      const vars = [...model.vars.encoder, ...model.vars.decoder, ...model.vars.discriminator];
      const { value, grads } = tf.variableGrads(() => {
        const images = tf.sigmoid(
          model.decoder.apply(model.encode(x).mu, { training: true }) as tf.Tensor,
        ) as tf.Tensor2D;
        const [features, logit] = model.discriminator.apply(images) as tf.Tensor[];
        return tf.add(tf.mean(logit!), tf.mean(tf.square(features!))) as tf.Scalar;
      }, vars);
      const out = await Promise.all(
        vars.map(async (v) => (await grads[v.name]!.data()) as Float32Array),
      );
      tf.dispose([value, x, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const cpu = await gradients('cpu');
    const wasm = await gradients('wasm');
    expect(wasm.length).toBe(cpu.length);
    expect(cpu.length).toBeGreaterThan(10);
    for (let i = 0; i < cpu.length; i++) expectClose(cpu[i]!, wasm[i]!, 1e-3);
    // Most gradients are not zero, so the comparison says something.
    expect(cpu.filter((g) => g.some((v) => Math.abs(v) > 1e-6)).length).toBeGreaterThan(
      cpu.length / 2,
    );
  });

  it('frees its views: no tensor or wasm buffer is left behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const grad = tf.grad((filter: tf.Tensor) =>
      tf.sum(tf.conv2d(x, filter as tf.Tensor4D, 2, 'same')),
    );
    grad(w).dispose(); // warm-up
    const before = tf.memory();
    for (let i = 0; i < 5; i++) grad(w).dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, w]);
  });

  it('names an unsupported padding instead of computing something else', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const grad = tf.grad((filter: tf.Tensor) => tf.sum(tf.conv2d(x, filter as tf.Tensor4D, 1, 1)));
    expect(() => grad(w)).toThrow(/padding 1 is not supported/);
    tf.dispose([x, w]);
  });
});
