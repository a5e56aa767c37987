// The app's own wasm kernels (src/runtime/wasm/codegen/asm.ts, wasm-kernels.ts, wasm-matmul.ts,
// wasm-adam.ts, wasm-identity.ts, gemm-pool.ts): the assembler's output runs, the matrix
// product equals a plain double-precision loop over every shape edge the tiles have (partial
// panels, leftover rows, K = 0, batches, bias, activations, NaN), the fused Adam update is bit
// for bit tfjs's, Identity shares its buffer, and a product split over helper threads gives
// exactly the single-threaded result.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunableAdam } from '../../src/model/adam';
import { CONTROL_SLOTS, GemmPool, type HelperInit } from '../../src/runtime/wasm/gemm-pool';
import { assemble, FunctionBuilder } from '../../src/runtime/wasm/codegen/asm';
import {
  installWasmAdam,
  uninstallWasmAdam,
  wasmAdamInstalled,
} from '../../src/runtime/wasm/tfjs/adam';
import { installWasmIdentity } from '../../src/runtime/wasm/tfjs/identity';
import {
  ACTIVATION,
  instantiateKernels,
  type KernelExports,
  packedLength,
} from '../../src/runtime/wasm/codegen/kernels';
import {
  gemmInfo,
  installWasmMatMulPatch,
  wasmMatMulMode,
} from '../../src/runtime/wasm/tfjs/matmul';
import { random } from '../helpers/random';

beforeAll(async () => {
  installWasmMatMulPatch('gemm');
  installWasmIdentity();
  expect(await tf.setBackend('wasm')).toBe(true);
  expect(installWasmAdam()).toBe(true);
});
afterAll(async () => {
  uninstallWasmAdam();
  await tf.setBackend('cpu');
});

/** act(A B + bias) in double precision, A [m,k] and B [k,n] given through their layouts. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  o: {
    ta?: boolean;
    tb?: boolean;
    bias?: Float32Array;
    act?: 'linear' | 'relu' | 'leakyrelu';
    alpha?: number;
  },
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = o.bias ? o.bias[o.bias.length === 1 ? 0 : j]! : 0;
      for (let q = 0; q < k; q++) {
        s += (o.ta ? a[q * m + i]! : a[i * k + q]!) * (o.tb ? b[j * k + q]! : b[q * n + j]!);
      }
      if (o.act === 'relu') s = s < 0 ? 0 : s;
      if (o.act === 'leakyrelu') s = s < 0 ? s * (o.alpha ?? 0.2) : s;
      out[i * n + j] = s;
    }
  }
  return out;
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, k: number) {
  expect(actual.length).toBe(expected.length);
  // float32 accumulation over k terms of size <= 1: a few ulps per term at most.
  const tolerance = 1e-6 * (k + 1) * 4;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('the assembler', () => {
  it('emits a module that validates and computes', () => {
    const f = new FunctionBuilder('axpb', ['i32', 'i32'], ['i32']);
    // (x + 1,000,000) * y - 1: constants of several LEB128 lengths, and a negative one
    f.get(0).i32(1_000_000).add().get(1).mul().i32(-1).add();
    const bytes = assemble({ shared: false, minimumPages: 1 }, [f]);
    expect(WebAssembly.validate(bytes as BufferSource)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
      env: { memory },
    });
    const axpb = instance.exports.axpb as (x: number, y: number) => number;
    expect(axpb(5, 3)).toBe(3_000_014);
    expect(axpb(-1_000_001, 7)).toBe(-8);
  });
});

describe('the GEMM kernel through tf.matMul on wasm', () => {
  it('is the kernel in use, without relaxed SIMD on this Node', () => {
    expect(wasmMatMulMode()).toBe('gemm');
    expect(gemmInfo(tf.backend())).toEqual({ relaxed: false });
  });

  // Shapes across the tile edges: 4-row tiles and leftover rows, 8-column panels and partial ones.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 7, 5],
    [4, 8, 13],
    [5, 9, 2],
    [9, 17, 31],
    [16, 1, 64],
    [13, 40, 8],
  ];
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`[${m} x ${k}] . [${k} x ${n}], transposeA=${ta} transposeB=${tb}`, async () => {
        const av = random(m * k, m + 7 * k + (ta ? 1 : 0));
        const bv = random(k * n, n + 11 * k + (tb ? 1 : 0));
        const out = tf.tidy(() =>
          tf.matMul(
            tf.tensor(av, ta ? [k, m] : [m, k]),
            tf.tensor(bv, tb ? [n, k] : [k, n]),
            ta,
            tb,
          ),
        );
        expect(out.shape).toEqual([m, n]);
        expectNear(await out.data(), reference(av, bv, m, n, k, { ta, tb }), k);
        out.dispose();
      });
    }
  }

  for (const act of ['linear', 'relu', 'leakyrelu'] as const) {
    it(`fuses a bias and ${act}`, async () => {
      const [m, n, k] = [7, 19, 23];
      const av = random(m * k, 1);
      const bv = random(k * n, 2);
      const bias = random(n, 3);
      const out = tf.tidy(() =>
        tf.fused.matMul({
          a: tf.tensor(av, [m, k]),
          b: tf.tensor(bv, [n, k]),
          transposeB: true,
          bias: tf.tensor(bias),
          activation: act,
          leakyreluAlpha: 0.3,
        }),
      );
      const values = await out.data();
      const expected = reference(av, bv, m, n, k, { tb: true, bias, act, alpha: 0.3 });
      if (act === 'relu') expect(expected.some((v) => v === 0)).toBe(true);
      if (act === 'leakyrelu') expect(expected.some((v) => v < 0)).toBe(true);
      expectNear(values, expected, k);
      out.dispose();
    });
  }

  it('adds a scalar bias, and gives zeros plus the bias for K = 0', async () => {
    const scalar = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor(random(6, 4), [2, 3]),
        b: tf.tensor(random(12, 5), [3, 4]),
        bias: tf.scalar(0.5),
      }),
    );
    expectNear(
      await scalar.data(),
      reference(random(6, 4), random(12, 5), 2, 4, 3, { bias: new Float32Array([0.5]) }),
      3,
    );
    const empty = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.zeros([3, 0]),
        b: tf.zeros([0, 5]),
        bias: tf.tensor([1, 2, 3, 4, 5]),
      }),
    );
    expect(Array.from(await empty.data())).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    tf.dispose([scalar, empty]);
  });

  it('multiplies batches, one operand broadcast over the other', async () => {
    const [m, n, k] = [5, 6, 7];
    const av = random(3 * m * k, 6);
    const bv = random(k * n, 7);
    const out = tf.tidy(() => tf.matMul(tf.tensor(av, [3, m, k]), tf.tensor(bv, [1, k, n])));
    expect(out.shape).toEqual([3, m, n]);
    const values = await out.data();
    for (let t = 0; t < 3; t++) {
      expectNear(
        values.subarray(t * m * n, (t + 1) * m * n),
        reference(av.subarray(t * m * k, (t + 1) * m * k), bv, m, n, k, {}),
        k,
      );
    }
    out.dispose();
  });

  it('keeps a NaN (the divergence guard relies on it), through relu too', async () => {
    const av = random(4 * 9, 8);
    av[5] = Number.NaN; // row 0
    const out = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor(av, [4, 9]),
        b: tf.tensor(random(9 * 3, 9), [9, 3]),
        activation: 'relu',
      }),
    );
    const values = await out.data();
    expect([values[0], values[1], values[2]].every(Number.isNaN)).toBe(true);
    expect(Array.from(values.subarray(3)).every(Number.isFinite)).toBe(true);
    out.dispose();
  });

  it('gives the same products in every mode, and leaves no tensor or buffer behind', async () => {
    const a = tf.tensor(random(64 * 100, 10), [64, 100]);
    const b = tf.tensor(random(100 * 50, 11), [50, 100]);
    tf.matMul(a, b, false, true).dispose(); // the first call makes the kernels
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    const results: Float32Array[] = [];
    for (const mode of ['gemm', 'xnnpack', 'tfjs'] as const) {
      installWasmMatMulPatch(mode);
      const out = tf.matMul(a, b, false, true);
      results.push((await out.data()) as Float32Array);
      out.dispose();
    }
    installWasmMatMulPatch('gemm');
    expectNear(results[0]!, results[1]!, 100);
    expectNear(results[0]!, results[2]!, 100);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([a, b]);
  });
});

describe('the fused Adam update on wasm', () => {
  /** Three Adam steps on two variables with fixed gradients; weights and moments after them. */
  async function threeSteps(lr: number) {
    const initial = [tf.tensor(random(37, 20), [37]), tf.tensor(random(6, 21), [2, 3])];
    const w = tf.variable(initial[0]!, true, `fused-adam-w-${Math.random()}`);
    const u = tf.variable(initial[1]!, true, `fused-adam-u-${Math.random()}`);
    tf.dispose(initial);
    const opt = new TunableAdam(lr, 0.5, 0.999);
    for (let step = 0; step < 3; step++) {
      const grads = [
        { name: w.name, tensor: tf.tensor(random(37, 30 + step), [37]) },
        { name: u.name, tensor: tf.tensor(random(6, 40 + step), [2, 3]) },
      ];
      if (step === 2) opt.setLearningRate(lr / 2);
      opt.applyGradients(grads);
      tf.dispose(grads.map((g) => g.tensor));
    }
    const state = opt as unknown as {
      accumulatedFirstMoment: { variable: tf.Variable }[];
      accumulatedSecondMoment: { variable: tf.Variable }[];
    };
    const values = await Promise.all(
      [
        w,
        u,
        ...state.accumulatedFirstMoment.map((e) => e.variable),
        ...state.accumulatedSecondMoment.map((e) => e.variable),
      ].map((t) => t.data()),
    );
    const iterations = opt.iterations;
    opt.dispose();
    tf.dispose([w, u]);
    return { values, iterations };
  }

  it('moves weights and moments exactly as tfjs’s Adam does, and frees what it makes', async () => {
    uninstallWasmAdam();
    const reference = await threeSteps(0.01);
    expect(installWasmAdam()).toBe(true);
    const tensors = tf.memory().numTensors;
    const fused = await threeSteps(0.01);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fused.iterations).toBe(3);
    expect(fused.values.length).toBe(6);
    fused.values.forEach((v, i) => expect(v).toEqual(reference.values[i]));
    // and it did move them
    expect(fused.values[0]).not.toEqual(random(37, 20));
  });

  it('is used only where a backend registered it', async () => {
    expect(wasmAdamInstalled()).toBe(true);
    expect(tf.getKernel('VaeganFusedAdamUpdate', 'cpu')).toBeUndefined();
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer (no copy) and keeps it alive for the clone', async () => {
    const backend = tf.backend() as unknown as { getMemoryOffset(d: object): number };
    const x = tf.tensor([1, 2, 3, 4]);
    const y = tf.clone(x);
    expect(backend.getMemoryOffset(y.dataId)).toBe(backend.getMemoryOffset(x.dataId));
    const buffers = tf.engine().backend.numDataIds();
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(buffers - 1);
  });
});

describe('the matrix product on helper threads (gemm-pool.ts)', () => {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const heap = new Float32Array(memory.buffer);
  let kernels: KernelExports;
  let pool: GemmPool;
  const MB = 2 ** 20;
  const control = 15 * MB;
  const scratch = [control + 4 * CONTROL_SLOTS, control + 4 * CONTROL_SLOTS + 128];

  beforeAll(async () => {
    kernels = instantiateKernels(memory, {
      memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
      relaxed: false,
    });
    const helper = new Worker(new URL('../helpers/gemm-helper-thread.mjs', import.meta.url), {
      workerData: { memory, relaxed: false, control, scratch: scratch[1]! } satisfies HelperInit,
    });
    pool = new GemmPool(kernels, memory, control, [helper]);
    // Until the helper has loaded its kernels it claims nothing; the products are right anyway.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  afterAll(() => pool.dispose());

  /** C of one product computed alone and on both threads, with the plan used. */
  function both(m: number, n: number, k: number, ta: boolean, tb: boolean) {
    const a = 0;
    const b = 3 * MB;
    const packed = 6 * MB;
    const c = 9 * MB;
    heap.set(random(m * k, m + k), a / 4);
    heap.set(random(k * n, n + k), b / 4);
    const [sai, sak] = ta ? [1, m] : [k, 1];
    const [sbk, sbn] = tb ? [1, k] : [n, 1];
    const act = ACTIVATION.relu;
    kernels.pack(b, sbk, sbn, packed, k, n, 0, n);
    kernels.gemm(a, sai, sak, packed, c, n, 0, m, n, k, act, 0, scratch[0]!, 0, n, 0, m);
    const alone = heap.slice(c / 4, c / 4 + m * n);
    heap.fill(Number.NaN, c / 4, c / 4 + m * n);
    heap.fill(Number.NaN, packed / 4, packed / 4 + packedLength(k, n));
    const job = { a, sai, sak, b, sbk, sbn, packed, c, ldc: n, bias: 0, m, n, k, act, alpha: 0 };
    const plan = pool.plan(job)!;
    if (plan.mode === 'rows') kernels.pack(b, sbk, sbn, packed, k, n, 0, n);
    expect(pool.run(job, plan, scratch[0]!)).toBe(true);
    return { alone, split: heap.slice(c / 4, c / 4 + m * n), plan };
  }

  it('splits by columns and by rows, and gives exactly the single-threaded C', () => {
    const wide = both(64, 512, 100, false, true);
    expect(wide.plan.mode).toBe('columns');
    expect(wide.split).toEqual(wide.alone);
    const tall = both(3000, 12, 70, true, false);
    expect(tall.plan.mode).toBe('rows');
    expect(tall.split).toEqual(tall.alone);
    expect(pool.broken).toBe(false);
  });

  it('leaves small products to the calling thread', () => {
    expect(pool.plan({ m: 64, n: 32, k: 64 })).toBeUndefined();
    expect(pool.plan({ m: 64, n: 512, k: 784 })).toBeDefined();
  });

  it('leaves every product to the calling thread while the page holds it (a drag)', () => {
    const hold = new Int32Array(new SharedArrayBuffer(4));
    const held = new GemmPool(kernels, memory, control, [{ terminate: () => undefined }], hold);
    expect(held.plan({ m: 64, n: 512, k: 784 })).toBeDefined();
    Atomics.store(hold, 0, 1);
    expect(held.plan({ m: 64, n: 512, k: 784 })).toBeUndefined();
    Atomics.store(hold, 0, 0);
    expect(held.plan({ m: 64, n: 512, k: 784 })).toBeDefined();
  });

  it('stays right over many products in a row, with the helper working on them', () => {
    const before = pool.splitCount;
    const helped = pool.helperChunks;
    let worst = 0;
    for (let i = 0; i < 300; i++) {
      const { alone, split } = both(
        64 + (i % 5) * 4,
        256 + (i % 3) * 8,
        200,
        i % 2 === 0,
        i % 3 === 0,
      );
      for (let j = 0; j < alone.length; j++)
        worst = Math.max(worst, Math.abs(alone[j]! - split[j]!));
    }
    expect(worst).toBe(0);
    expect(pool.splitCount - before).toBe(300);
    expect(pool.helperChunks).toBeGreaterThan(helped);
  });
});
