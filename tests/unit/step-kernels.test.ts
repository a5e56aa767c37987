// The compiled training step's kernels (src/runtime/wasm/codegen/step-gemm.ts,
// step-elementwise.ts, simd-math.ts) one at a time, on a memory of their own: each equals a plain
// double-precision loop over every shape edge the tiles have (partial panels, leftover rows,
// K mod 4), the packing of B in its three ways sums the columns right, Adam in a product's last
// pass moves weight, moments and bias as kernels.ts's one-pass Adam does, and exp, log1p and the
// logistic function stay within a few float32 ulps.
import { describe, expect, it } from 'vitest';
import {
  ENDING,
  GEMM,
  OUTER,
  ROWS,
  writeDescriptor,
} from '../../src/runtime/wasm/codegen/descriptors';
import { FLT_MIN } from '../../src/runtime/wasm/codegen/simd-math';
import {
  instantiateKernels,
  type KernelExports,
  packedLength,
} from '../../src/runtime/wasm/codegen/kernels';
import { adamChunking, gemmChunking, MAX_PARTIALS } from '../../src/runtime/wasm/step/tasks';
import { random } from '../helpers/random';

const memory = new WebAssembly.Memory({ initial: 512 });
const kernels: KernelExports = instantiateKernels(memory, {
  memory: { shared: false, minimumPages: 1 },
  relaxed: false,
});
const f32 = () => new Float32Array(memory.buffer);
const i32 = () => new Int32Array(memory.buffer);

/** A bump allocator over the test memory (16-byte aligned); reset per test. */
let top = 0;
function alloc(floats: number): number {
  const at = top;
  top += Math.ceil((floats * 4 + 64) / 16) * 16; // a gap, so overruns would show
  return at;
}
function put(values: ArrayLike<number>): number {
  const at = alloc(values.length);
  f32().set(values, at / 4);
  return at;
}
function get(at: number, n: number): Float32Array {
  return f32().slice(at / 4, at / 4 + n);
}
const SCRATCH = () => alloc(32);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

/** A B in double precision, with B given as a K x N matrix or its transpose. */
function product(a: Float32Array, b: Float32Array, m: number, n: number, k: number, tb: boolean) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a[i * k + q]! * (tb ? b[j * k + q]! : b[q * n + j]!);
      out[i * n + j] = s;
    }
  return out;
}

/**
 * Runs every chunk of a GEMM task on this thread, as the pool would with no helper. Adam's
 * product is two tasks: gemm_pack's chunks of `cols` columns, then gemm_adam's chunks of
 * `rowsPer` rows by `panelsPer` panels (as the step cuts it unless the fields say otherwise).
 */
function runGemm(
  name: 'gemm_store' | 'gemm_mask' | 'gemm_dsig' | 'gemm_adam',
  given: Partial<Record<keyof typeof GEMM.offset, number>>,
) {
  const desc = alloc(GEMM.bytes / 4);
  const scratch = SCRATCH();
  if (name !== 'gemm_adam') {
    // Chunks of `cols` columns, unless `bigChunks` says after how many they are one panel.
    const fields = { bigChunks: Math.ceil(given.n! / given.cols!), ...given };
    writeDescriptor(i32(), f32(), desc, GEMM, fields);
    const left = Math.max(0, fields.n! - fields.bigChunks * fields.cols!);
    const chunks = fields.bigChunks + Math.ceil(left / 8);
    for (let c = 0; c < chunks; c++) kernels[name](desc, c, scratch);
    return;
  }
  const cut = adamChunking(given.m!, given.n!, given.k!);
  const fields = {
    rowsPer: cut.rowsPer,
    panelsPer: cut.panelsPer,
    acols: cut.acols,
    apacked: alloc(packedLength(given.k!, given.m!)),
    ...given,
  };
  const panels = Math.ceil(fields.n! / 8);
  fields.groups = Math.ceil(panels / fields.panelsPer);
  // gemm_pack: B's chunks, then A's.
  const packs = Math.ceil(fields.n! / fields.cols!) + Math.ceil(fields.m! / fields.acols);
  writeDescriptor(i32(), f32(), desc, GEMM, fields);
  for (let c = 0; c < packs; c++) kernels.gemm_pack(desc, c, scratch);
  const chunks = fields.groups * Math.ceil(fields.m! / fields.rowsPer);
  for (let c = 0; c < chunks; c++) kernels.gemm_adam(desc, c, scratch);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [5, 9, 3],
  [8, 16, 4],
  [7, 13, 9],
  [12, 24, 33],
  [64, 40, 70],
];

describe('gemm_store: a dense layer forwards', () => {
  for (const [m, n, k] of SHAPES) {
    for (const tb of [false, true]) {
      it(`[${m} x ${k}] . [${k} x ${n}]${tb ? ' (B transposed)' : ''}, bias and ReLU`, () => {
        top = 0;
        const av = random(m * k, m + k);
        const bv = random(k * n, n + 3 * k + (tb ? 1 : 0));
        const bias = random(n, n);
        const a = put(av);
        const b = put(bv);
        const c = alloc(m * n);
        const packed = alloc(packedLength(k, n));
        const biasAt = put(bias);
        // Uniform chunks of two panels, and one such chunk followed by chunks of one panel.
        for (const [act, cut] of [
          [0, {}],
          [1, {}],
          [1, { bigChunks: 1 }],
        ] as const) {
          f32().fill(NaN, c / 4, c / 4 + m * n); // a column no chunk computes stays NaN
          runGemm('gemm_store', {
            ...cut,
            a,
            sai: k,
            sak: 1,
            b,
            sbk: tb ? 1 : n,
            sbn: tb ? k : 1,
            packed,
            c,
            ldc: n,
            bias: biasAt,
            m,
            n,
            k,
            act,
            cols: 16,
          });
          const want = product(av, bv, m, n, k, tb).map((v, i) => {
            const x = v + bias[i % n]!;
            return act === 1 ? Math.max(0, x) : x;
          });
          expectClose(get(c, m * n), want, 1e-5);
        }
      });
    }
  }
});

describe('$packRange with column sums (through gemm_pack, for gemm_adam: the bias gradient)', () => {
  it('sums the columns of B in all three packing ways', () => {
    for (const [k, n, tb] of [
      [13, 16, false],
      [13, 16, true],
      [6, 11, false],
    ] as const) {
      top = 0;
      const m = 3;
      const av = random(m * k, 1);
      const bv = random(k * n, 2);
      const w = put(new Float32Array(m * n));
      const zeros = put(new Float32Array(m * n + n));
      const colsum = alloc(Math.ceil(n / 8) * 8);
      const outs = [alloc(m * n), alloc(m * n), alloc(m * n), alloc(n), alloc(n), alloc(n)];
      runGemm('gemm_adam', {
        a: put(av),
        sai: k,
        sak: 1,
        b: put(bv),
        sbk: tb ? 1 : n,
        sbn: tb ? k : 1,
        packed: alloc(packedLength(k, n)),
        m,
        n,
        k,
        ldc: n,
        cols: 8,
        aux: w,
        aux2: zeros,
        aux3: zeros,
        out1: outs[0],
        out2: outs[1],
        out3: outs[2],
        beta1: 0.9,
        omb1: 0.1,
        beta2: 0.999,
        omb2: 0.001,
        c1: 1,
        c2: 1,
        rc1: 1,
        rc2: 1,
        negLr: -0.01,
        eps: 1e-7,
        colsum,
        bw: zeros,
        bm: zeros,
        bv: zeros,
        bwOut: outs[3],
        bmOut: outs[4],
        bvOut: outs[5],
      });
      const want = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let q = 0; q < k; q++) s += tb ? bv[j * k + q]! : bv[q * n + j]!;
        return s;
      });
      expectClose(get(colsum, n), want, 1e-6);
      // m' = 0.1 g for the bias, from these sums
      expectClose(
        get(outs[4]!, n),
        want.map((g) => Math.fround(0.1) * g),
        1e-6,
      );
    }
  });
});

describe('gemm_mask and gemm_dsig: gradients through ReLU and sigmoid', () => {
  for (const [m, n, k] of SHAPES) {
    it(`[${m} x ${k}] . [${n} x ${k}]^T`, () => {
      top = 0;
      const av = random(m * k, 5 + m);
      const bv = random(n * k, 6 + n);
      const h = random(m * n, 7).map((v) => v - 0.5);
      h[0] = 0; // step(0) is 0
      const s = random(m * n, 8);
      const base = {
        a: put(av),
        sai: k,
        sak: 1,
        b: put(bv),
        sbk: 1,
        sbn: k,
        packed: alloc(packedLength(k, n)),
        ldc: n,
        m,
        n,
        k,
        cols: 8,
      };
      const ab = product(av, bv, m, n, k, true);
      const c = alloc(m * n);
      runGemm('gemm_mask', { ...base, c, aux: put(h) });
      expectClose(
        get(c, m * n),
        ab.map((v, i) => (h[i]! > 0 ? v : 0)),
        1e-5,
      );
      runGemm('gemm_dsig', { ...base, c, aux: put(s) });
      expectClose(
        get(c, m * n),
        ab.map((v, i) => v * s[i]! * (1 - s[i]!)),
        1e-5,
      );
    });
  }

  it('keeps a NaN gradient NaN where the ReLU is off, as tfjs multiplies', () => {
    top = 0;
    const av = new Float32Array([Number.NaN, 1]);
    const c = alloc(8);
    runGemm('gemm_mask', {
      a: put(av),
      sai: 2,
      sak: 1,
      b: put(random(16, 1)),
      sbk: 8,
      sbn: 1,
      packed: alloc(16),
      c,
      ldc: 8,
      m: 1,
      n: 8,
      k: 2,
      cols: 8,
      aux: put(new Float32Array(8)),
    });
    expect(Array.from(get(c, 8)).every(Number.isNaN)).toBe(true);
  });
});

describe('gemm_adam: a weight gradient moves the weight at once', () => {
  // acols: rows of A that each of gemm_pack's A chunks packs (A, x^T, in panels of 8 rows).
  for (const [rows, cols, batch, rowsPer, panelsPer, acols] of [
    [9, 13, 5, 4, 1, 16],
    [16, 24, 8, 8, 2, 8],
    [33, 7, 64, 12, 1, 8],
    [33, 40, 6, 36, 5, 40],
  ] as const) {
    it(`dW = x^T dy, [${rows} x ${batch}] . [${batch} x ${cols}], ${rowsPer} rows by ${panelsPer} panels a chunk, A packed ${acols} rows a chunk`, () => {
      top = 0;
      const x = random(batch * rows, 11);
      const dy = random(batch * cols, 12).map((v) => v - 0.5);
      const w = random(rows * cols, 13);
      const mm = random(rows * cols, 14).map((v) => v * 0.01);
      const vv = random(rows * cols, 15).map((v) => (v + 1) * 1e-4); // >= 0, as a second moment
      const bw = random(cols, 16);
      const bm = random(cols, 17).map((v) => v * 0.01);
      const bvv = random(cols, 18).map((v) => (v + 1) * 1e-4);
      const hp = { beta1: 0.5, beta2: 0.999, c1: 0.75, c2: 0.002, lr: 0.01, eps: 1e-7 };
      const outs = [rows * cols, rows * cols, rows * cols, cols, cols, cols].map(alloc);
      const partials = alloc(128);
      const colsum = alloc(Math.ceil(cols / 8) * 8);
      const chunkCols = 8;
      runGemm('gemm_adam', {
        a: put(x),
        sai: 1,
        sak: rows,
        b: put(dy),
        sbk: cols,
        sbn: 1,
        packed: alloc(packedLength(batch, cols)),
        m: rows,
        n: cols,
        k: batch,
        ldc: cols,
        cols: chunkCols,
        aux: put(w),
        aux2: put(mm),
        aux3: put(vv),
        out1: outs[0],
        out2: outs[1],
        out3: outs[2],
        beta1: hp.beta1,
        omb1: 1 - hp.beta1,
        beta2: hp.beta2,
        omb2: 1 - hp.beta2,
        c1: hp.c1,
        c2: hp.c2,
        rc1: 1 / hp.c1,
        rc2: 1 / hp.c2,
        negLr: -hp.lr,
        eps: hp.eps,
        colsum,
        bw: put(bw),
        bm: put(bm),
        bv: put(bvv),
        bwOut: outs[3],
        bmOut: outs[4],
        bvOut: outs[5],
        partials,
        bpartials: partials + 4 * 64,
        rowsPer,
        panelsPer,
        acols,
      });
      // The gradient in double precision, then Adam.
      const g = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let q = 0; q < batch; q++) s += x[q * rows + i]! * dy[q * cols + j]!;
          g[i * cols + j] = s;
        }
      const gb = Array.from({ length: cols }, (_, j) => {
        let s = 0;
        for (let q = 0; q < batch; q++) s += dy[q * cols + j]!;
        return s;
      });
      const adam = (w0: number, m0: number, v0: number, gi: number) => {
        const m1 = hp.beta1 * m0 + (1 - hp.beta1) * gi;
        const v1 = hp.beta2 * v0 + (1 - hp.beta2) * gi * gi;
        return [w0 - (hp.lr * (m1 / hp.c1)) / (Math.sqrt(v1 / hp.c2) + hp.eps), m1, v1];
      };
      const want = Array.from(g, (gi, i) => adam(w[i]!, mm[i]!, vv[i]!, gi));
      const wantB = gb.map((gi, j) => adam(bw[j]!, bm[j]!, bvv[j]!, gi));
      for (let o = 0; o < 3; o++) {
        expectClose(
          get(outs[o]!, rows * cols),
          want.map((t) => t[o]!),
          2e-5,
        );
        expectClose(
          get(outs[3 + o]!, cols),
          wantB.map((t) => t[o]!),
          2e-5,
        );
      }
      // Squared norms: the weight's per chunk of rows by a group of panels (band-major), the
      // bias's per packing chunk of columns.
      const width = 8 * panelsPer;
      const groups = Math.ceil(cols / width);
      const chunks = groups * Math.ceil(rows / rowsPer);
      const norms = Array.from({ length: chunks }, (_, c) => {
        const [band, group] = [Math.floor(c / groups), c % groups];
        let s = 0;
        for (let i = band * rowsPer; i < Math.min(rows, (band + 1) * rowsPer); i++)
          for (let j = group * width; j < Math.min(cols, (group + 1) * width); j++)
            s += g[i * cols + j]! ** 2;
        return s;
      });
      expectClose(get(partials, chunks), norms, 1e-5);
      const packChunks = Math.ceil(cols / chunkCols);
      const biasNorms = Array.from({ length: packChunks }, (_, c) => {
        let s = 0;
        for (let j = c * chunkCols; j < Math.min(cols, (c + 1) * chunkCols); j++) s += gb[j]! ** 2;
        return s;
      });
      expectClose(get(partials + 4 * 64, packChunks), biasNorms, 1e-5);
    });
  }
});

describe('Adam flushes subnormal moments to zero (x86 computes on them a hundred times slower)', () => {
  // Moments with a zero gradient, as a dead unit's or an unlit pixel's weights have: beta1 0.9
  // and beta2 0.999 take the first of each pair below FLT_MIN, the second stays normal; the
  // next one started subnormal. Eleven values: four-lane vectors and a scalar tail.
  const m0 = [1.2e-38, 2e-38, -1.2e-38, -2e-38, 5e-39, 1e-30, 1.2e-38, 2e-38, -1.2e-38, 0, 3e-3];
  const v0 = [
    1.17e-38, 1.2e-38, 1.17e-38, 1.2e-38, 6e-39, 1e-30, 1.17e-38, 1.2e-38, 1e-40, 0, 1e-6,
  ];
  const n = m0.length;
  const hp = { beta1: 0.9, beta2: 0.999, c1: 0.5, c2: 0.01, lr: 0.01, eps: 1e-7 };
  const w0 = Array.from({ length: n }, (_, i) => 1 + i / 16);

  /** What the kernels must leave: the float32 moments with subnormals flushed; w unmoved. */
  function expectFlushed(w: Float32Array, m: Float32Array, v: Float32Array) {
    for (let i = 0; i < n; i++) {
      for (const [got, want] of [
        [m[i]!, Math.fround(Math.fround(m0[i]!) * Math.fround(hp.beta1))],
        [v[i]!, Math.fround(Math.fround(v0[i]!) * Math.fround(hp.beta2))],
      ] as const) {
        if (Math.abs(want) < FLT_MIN) expect(got).toBe(0);
        else expect(got).toBeCloseTo(want, 45);
        expect(got === 0 || Math.abs(got) >= FLT_MIN).toBe(true);
      }
    }
    // A flushed moment moves nothing (g = 0); the last one, normal, moves its weight.
    for (let i = 0; i < n; i++) {
      if (m[i] === 0) expect(w[i]).toBe(Math.fround(w0[i]!));
    }
    expect(w[n - 1]).toBeLessThan(Math.fround(w0[n - 1]!));
    // and moments did survive where they were normal, so the test is not vacuous
    expect(Array.from(m).filter((x) => x !== 0).length).toBe(5);
  }

  it('in the fused Adam update (kernels.ts adam)', () => {
    top = 0;
    const [w, m, v, g] = [put(w0), put(m0), put(v0), put(new Float32Array(n))];
    const outs = [alloc(n), alloc(n), alloc(n)] as const;
    kernels.adam(
      w,
      m,
      v,
      g,
      ...outs,
      n,
      hp.beta1,
      1 - hp.beta1,
      hp.beta2,
      1 - hp.beta2,
      hp.c1,
      hp.c2,
      -hp.lr,
      hp.eps,
    );
    expectFlushed(get(outs[0], n), get(outs[1], n), get(outs[2], n));
  });

  /** The weight, its moments, where the three go, and Adam's scalars (GEMM and ENDING alike). */
  const adamFields = () => ({
    aux: put(w0),
    aux2: put(m0),
    aux3: put(v0),
    beta1: hp.beta1,
    omb1: 1 - hp.beta1,
    beta2: hp.beta2,
    omb2: 1 - hp.beta2,
    rc1: 1 / hp.c1,
    rc2: 1 / hp.c2,
    negLr: -hp.lr,
    eps: hp.eps,
  });

  it('in the product’s Adam ending (gemm_adam), weights and bias alike', () => {
    top = 0;
    // dW = x^T dy over a batch of 2 with dy = 0: an [n x 1] weight and a bias of one.
    const outs = [n, n, n, 1, 1, 1].map(alloc);
    runGemm('gemm_adam', {
      a: put(random(2 * n, 3)),
      sai: 1,
      sak: n,
      b: put(new Float32Array(2)),
      sbk: 1,
      sbn: 1,
      packed: alloc(packedLength(2, 1)),
      m: n,
      n: 1,
      k: 2,
      ldc: 1,
      cols: 8,
      ...adamFields(),
      out1: outs[0],
      out2: outs[1],
      out3: outs[2],
      c1: hp.c1,
      c2: hp.c2,
      colsum: alloc(8),
      bw: put([1]),
      bm: put([1.2e-38]),
      bv: put([1.17e-38]),
      bwOut: outs[3],
      bmOut: outs[4],
      bvOut: outs[5],
    });
    expectFlushed(get(outs[0]!, n), get(outs[1]!, n), get(outs[2]!, n));
    // The bias's moments: both subnormal after the step, both flushed.
    expect([...get(outs[4]!, 1), ...get(outs[5]!, 1)]).toEqual([0, 0]);
  });

  it('in the separate Adam ending (ending, mode adam)', () => {
    top = 0;
    const outs = [n, n, n].map(alloc);
    const desc = alloc(ENDING.bytes / 4);
    writeDescriptor(i32(), f32(), desc, ENDING, {
      c: put(new Float32Array(n)),
      width: n,
      rowsPer: 1,
      rows: 1,
      mode: 3,
      ...adamFields(),
      out1: outs[0],
      out2: outs[1],
      out3: outs[2],
    });
    kernels.ending(desc, 0, SCRATCH());
    expectFlushed(get(outs[0]!, n), get(outs[1]!, n), get(outs[2]!, n));
  });
});

describe('gemmChunking: how the other products are cut', () => {
  it('covers every column once, and its last chunks are single panels', () => {
    for (const m of [1, 64, 256, 768])
      for (const n of [1, 13, 32, 512, 784, 2048])
        for (const k of [1, 16, 512, 784]) {
          const cut = gemmChunking(m, n, k);
          expect(cut.cols % 8).toBe(0);
          // The spans the kernel computes, chunk by chunk (step-gemm.ts), tile the columns.
          let next = 0;
          for (let c = 0; c < cut.chunks; c++) {
            const start =
              c < cut.bigChunks ? c * cut.cols : cut.bigChunks * cut.cols + (c - cut.bigChunks) * 8;
            const span = c < cut.bigChunks ? cut.cols : 8;
            expect(start).toBe(next);
            expect(start).toBeLessThan(n);
            next = Math.min(n, start + span);
          }
          expect(next).toBe(n);
          // Wide chunks end in single panels: what the last two would have taken.
          if (cut.cols > 8 && Math.ceil(n / cut.cols) > 2) {
            expect(cut.chunks - cut.bigChunks).toBe(Math.ceil((n - cut.bigChunks * cut.cols) / 8));
            expect(n - cut.bigChunks * cut.cols).toBeGreaterThan(cut.cols);
          } else expect(cut.bigChunks).toBe(cut.chunks);
        }
  });

  it("cuts the step's largest products into two- or three-panel chunks and a tail of panels", () => {
    // D over the stack at batch 256: 64 panels in 30 chunks of 2 and 4 of 1.
    expect(gemmChunking(768, 512, 784)).toEqual({
      cols: 16,
      chunks: 34,
      bigChunks: 30,
    });
    // The decoder's output layer: 98 panels in 31 chunks of 3 and 5 of 1.
    expect(gemmChunking(512, 784, 512)).toEqual({
      cols: 24,
      chunks: 36,
      bigChunks: 31,
    });
  });
});

describe("adamChunking: how Adam's product is cut", () => {
  it('covers every row and column once, in whole tiles, and its partials fit the workspace', () => {
    // Layers from the smallest model to the widest the settings allow, over 1 to 3 x 512 rows,
    // and a wide colour image of the user's own (64 x 64 x 3 pixels).
    for (const m of [1, 7, 16, 512, 784, 2048, 12288])
      for (const n of [1, 13, 32, 512, 784, 2048, 12288])
        for (const k of [1, 64, 192, 1536]) {
          const cut = adamChunking(m, n, k);
          const width = 8 * cut.panelsPer;
          expect(cut.rowsPer % 4).toBe(0);
          // The groups reach past the last column, and no group starts past it.
          expect(cut.groups * width).toBeGreaterThanOrEqual(n);
          expect((cut.groups - 1) * width).toBeLessThan(n);
          expect(cut.chunks).toBe(cut.groups * Math.ceil(m / cut.rowsPer));
          expect(cut.packChunks * cut.cols).toBeGreaterThanOrEqual(n);
          expect(cut.cols % 8).toBe(0);
          expect(cut.chunks + cut.packChunks).toBeLessThanOrEqual(MAX_PARTIALS);
        }
  });

  it('keeps a group of packed B under 256 KB where the layer allows it', () => {
    const cut = adamChunking(784, 512, 768);
    expect(cut.panelsPer * 8 * 768 * 4).toBeLessThanOrEqual(256 * 1024);
    expect(cut.groups).toBeGreaterThan(1);
    // A short batch keeps all the columns in one group: whole rows of the weight per chunk.
    expect(adamChunking(784, 512, 64).groups).toBe(1);
  });
});

describe('the element-wise tasks', () => {
  /** Runs every chunk of a ROWS or OUTER task on this thread. */
  function runRows(
    name: 'bce' | 'sigmoid' | 'outer',
    layout: typeof ROWS | typeof OUTER,
    fields: Record<string, number>,
  ) {
    const desc = alloc(layout.bytes / 4);
    writeDescriptor(i32(), f32(), desc, layout as typeof ROWS, fields);
    const scratch = SCRATCH();
    for (let c = 0; c < Math.ceil(fields.rows! / fields.rowsPer!); c++) {
      kernels[name](desc, c, scratch);
    }
  }

  it('bce: the gradient (sigmoid(l) - x) / B and each chunk’s summed loss', () => {
    top = 0;
    const [rows, width] = [7, 13]; // 91 floats: a partial last vector in some chunks
    const l = random(rows * width, 21).map((v) => (v - 0.5) * 30);
    l[3] = 0;
    l[4] = -90;
    l[5] = 90;
    const x = random(rows * width, 22);
    const dst = alloc(rows * width);
    const partials = alloc(8);
    runRows('bce', ROWS, {
      src: put(l),
      src2: put(x),
      dst,
      width,
      rowsPer: 3,
      rows,
      scale: 1 / rows,
      partials,
    });
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectClose(
      get(dst, rows * width),
      Array.from(l, (v, i) => (sig(v) - x[i]!) / rows),
      2e-6,
    );
    const loss = (i: number) =>
      Math.max(l[i]!, 0) - l[i]! * x[i]! + Math.log1p(Math.exp(-Math.abs(l[i]!)));
    const want = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = c * 3 * width; i < Math.min(rows, (c + 1) * 3) * width; i++) s += loss(i);
      return s;
    });
    expectClose(get(partials, 3), want, 2e-6);
  });

  it('sigmoid, exp and log1p: within a few ulps over the whole range', () => {
    top = 0;
    const n = 2003;
    const l = Float32Array.from({ length: n }, (_, i) => -100 + (200 * i) / (n - 1));
    const dst = alloc(n);
    runRows('sigmoid', ROWS, { src: put(l), dst, width: n, rowsPer: 1, rows: 1 });
    const out = get(dst, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = 1 / (1 + Math.exp(-l[i]!));
      if (l[i]! >= -87) worst = Math.max(worst, Math.abs(out[i]! - want) / want);
      // below, exp is clamped at about 1e-38: float32's smallest normal number
      else expect(out[i]).toBeLessThan(2e-38);
    }
    // relative error: a few float32 ulps (1.2e-7 each), down to sigmoid(-87) ~ 1.6e-38
    expect(worst).toBeLessThan(6e-7);
    expect(out[n - 1]).toBe(1);
    expect(out[0]).toBeGreaterThan(0);
  });

  it('outer: (d w^T) * step(h) and each chunk’s part of h^T d', () => {
    top = 0;
    const [rows, width] = [9, 11];
    const h = random(rows * width, 31).map((v) => v - 0.5);
    const d = random(rows, 32).map((v) => v - 0.5);
    const w = random(width, 33);
    const dst = alloc(rows * width);
    const colPartials = alloc(4 * 12);
    runRows('outer', OUTER, {
      h: put(h),
      d: put(d),
      w: put(w),
      dst,
      width,
      rowsPer: 4,
      rows,
      colPartials,
    });
    expectClose(
      get(dst, rows * width),
      Array.from(h, (hv, i) => (hv > 0 ? d[Math.floor(i / width)]! * w[i % width]! : 0)),
      1e-6,
    );
    for (let c = 0; c < 3; c++) {
      const want = Array.from({ length: width }, (_, j) => {
        let s = 0;
        for (let r = c * 4; r < Math.min(rows, c * 4 + 4); r++) s += h[r * width + j]! * d[r]!;
        return s;
      });
      expectClose(get(colPartials + c * 12 * 4, width), want, 1e-6);
    }
  });

  it('rowdot: a row of logits from the hidden layer', () => {
    top = 0;
    const [rows, width] = [5, 13];
    const h = random(rows * width, 41);
    const w = random(width, 42).map((v) => v - 0.5);
    const out = alloc(rows);
    kernels.rowdot(put(h), width, put(w), 0.25, out, rows, SCRATCH());
    expectClose(
      get(out, rows),
      Array.from({ length: rows }, (_, r) => {
        let s = 0.25;
        for (let j = 0; j < width; j++) s += h[r * width + j]! * w[j]!;
        return s;
      }),
      1e-6,
    );
  });
});
