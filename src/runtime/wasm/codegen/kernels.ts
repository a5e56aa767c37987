/**
 * The app's own compute kernels for the tfjs wasm backend, a WebAssembly SIMD module emitted at
 * run time (src/runtime/wasm/codegen/asm.ts) that works in the backend's own memory:
 *
 * - pack + gemm, the single-precision matrix product (registered by ../tfjs/matmul.ts):
 * C[M x N] = act(A[M x K] . B[K x N] + bias), A read through strides (so A or its transpose),
 * B first packed into panels of 8 columns laid out k-major (so B or its transpose, one copy),
 * then 4 x 8 tiles of C accumulated in eight 128-bit registers. With relaxed SIMD the
 * multiply-add is one fused instruction (FMA on x86); without it, a multiply and an add.
 * - adam, one Adam update of a variable and its two moments in one pass (../tfjs/adam.ts), where
 * tfjs's optimiser runs fourteen element-wise kernels, each a pass over memory.
 * - the compiled training step's tasks (step-gemm.ts, step-elementwise.ts), assembled into the
 * same module so every thread of the pool has them.
 * - the batch's bytes to floats, and whole-tensor sums for the reports (data-kernels.ts).
 *
 * Code generation only: no tfjs here. ../tfjs/kernel-context.ts binds the module to a tfjs wasm
 * backend's memory. Over 400 lines because the instruction sequences of one module belong
 * together.
 */
import { assemble, FunctionBuilder, type MemoryImport } from './asm';
import { sumFunction, unitBytesFunction } from './data-kernels';
import { elementwiseFunctions } from './step-elementwise';
import { endingFunction } from './step-ending';
import {
  EPILOGUES,
  gemmPackTaskFunction,
  gemmTaskFunction,
  packRangeFunction,
  partialHelpers,
} from './step-gemm';
import { emitFlushSubnormal, emitFlushSubnormals } from './simd-math';
import { ACTIVATION, PANEL, TILE_ROWS } from './tiles';

export { ACTIVATION, PANEL, TILE_ROWS, packedLength } from './tiles';

export interface KernelOptions {
  memory: MemoryImport;
  /** Use f32x4.relaxed_madd (check support with relaxedSimdSupported first). */
  relaxed: boolean;
}

/**
 * pack(b, sbk, sbn, packed, K, N, j0, j1): packed[panel][k][0..8] = B[k][8 panel + q], zero
 * past N, for the panels of columns j0 <= 8 panel < j1 (j0 a multiple of 8), where
 * B[k][n] = b[k * sbk + n * sbn] (floats; pointers in bytes).
 */
function packFunction(): FunctionBuilder {
  const f = new FunctionBuilder('pack', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [b, sbk, sbn, packed, K, N, j0, j1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const j = f.local('i32');
  const k = f.local('i32');
  const q = f.local('i32');
  const bp = f.local('i32');
  const ncols = f.local('i32');
  const src = f.local('i32');
  const dst = f.local('i32');
  f.for(
    j,
    () => f.get(j0),
    () => f.get(j1),
    PANEL,
    () => {
      // bp = packed + j * K * 4 (a panel of 8 columns holds K * 8 floats)
      f.get(packed).get(j).get(K).mul().i32(2).shl().add().set(bp);
      // ncols = min(8, N - j)
      f.get(N).get(j).sub().set(ncols);
      f.i32(PANEL).get(ncols).get(ncols).i32(PANEL).gtS().select().set(ncols);
      f.get(sbn).i32(1).eq().get(ncols).i32(PANEL).eq().mul();
      f.if(
        () => {
          // Rows of B are contiguous: two vector copies per k.
          f.for(
            k,
            () => f.i32(0),
            () => f.get(K),
            1,
            () => {
              f.get(b).get(k).get(sbk).mul().get(j).add().i32(2).shl().add().set(src);
              f.get(bp).get(k).i32(5).shl().add().set(dst);
              f.get(dst).get(src).v128Load(0).v128Store(0);
              f.get(dst).get(src).v128Load(16).v128Store(16);
            },
          );
        },
        () => {
          // General strides (a transposed B, or the last, partial panel): one float at a time,
          // reading along k, which is contiguous when B is transposed.
          f.for(
            q,
            () => f.i32(0),
            () => f.i32(PANEL),
            1,
            () => {
              f.get(q).get(ncols).ltS();
              f.if(
                () => {
                  // src = b + (j + q) * sbn * 4
                  f.get(b).get(j).get(q).add().get(sbn).mul().i32(2).shl().add().set(src);
                  f.get(bp).get(q).i32(2).shl().add().set(dst);
                  f.for(
                    k,
                    () => f.i32(0),
                    () => f.get(K),
                    1,
                    () => {
                      f.get(dst).get(src).f32Load(0).f32Store(0);
                      f.get(src).get(sbk).i32(2).shl().add().set(src);
                      f.get(dst)
                        .i32(PANEL * 4)
                        .add()
                        .set(dst);
                    },
                  );
                },
                () => {
                  f.get(bp).get(q).i32(2).shl().add().set(dst);
                  f.for(
                    k,
                    () => f.i32(0),
                    () => f.get(K),
                    1,
                    () => {
                      f.get(dst).f32(0).f32Store(0);
                      f.get(dst)
                        .i32(PANEL * 4)
                        .add()
                        .set(dst);
                    },
                  );
                },
              );
            },
          );
        },
      );
    },
  );
  return f;
}

/**
 * gemm(a, sai, sak, packed, c, ldc, bias, M, N, K, act, alpha, scratch, j0, j1, i0, i1):
 * C[i][n] = c[i * ldc + n] = act(sum_k A[i][k] B[k][n] + bias[n]) with A[i][k] = a[i*sai + k*sak],
 * for the rows i0 <= i < i1 and the columns j0 <= n < j1 (j0 a multiple of 8); B packed by
 * pack(), bias a padded copy of ceil(N/8)*8 floats or 0 for none, scratch 128 bytes of this
 * thread's own.
 */
function gemmFunction(relaxed: boolean): FunctionBuilder {
  const f = new FunctionBuilder('gemm', [
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'f32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [a, sai, sak, packed, c, ldc, bias, , N, K, act, alpha, scratch, j0, j1, i0, i1] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  ];
  const j = f.local('i32');
  const i = f.local('i32');
  const bp = f.local('i32');
  const pb = f.local('i32');
  const kEnd = f.local('i32');
  const ncols = f.local('i32');
  const sak4 = f.local('i32');
  const cp = f.local('i32');
  const q = f.local('i32');
  const pa = Array.from({ length: TILE_ROWS }, () => f.local('i32'));
  const acc = Array.from({ length: TILE_ROWS }, () => [f.local('v128'), f.local('v128')] as const);
  const vb0 = f.local('v128');
  const vb1 = f.local('v128');
  const va = f.local('v128');
  const bias0 = f.local('v128');
  const bias1 = f.local('v128');
  const zero = f.local('v128');
  const alphaV = f.local('v128');

  const madd = (x: number, y: number, into: number) => {
    // into = x * y + into
    if (relaxed) f.get(x).get(y).get(into).simd('f32x4.relaxed_madd').set(into);
    else f.get(x).get(y).simd('f32x4.mul').get(into).simd('f32x4.add').set(into);
  };

  const tile = (rows: number) => {
    for (let r = 0; r < rows; r++) {
      // pa[r] = a + (i + r) * sai * 4
      f.get(a).get(i).i32(r).add().get(sai).mul().i32(2).shl().add().set(pa[r]!);
      f.get(bias0).set(acc[r]![0]);
      f.get(bias1).set(acc[r]![1]);
    }
    f.get(bp).set(pb);
    f.block(() =>
      f.loop(() => {
        f.get(pb).get(kEnd).geS().brIf(1);
        f.get(pb).v128Load(0).set(vb0);
        f.get(pb).v128Load(16).set(vb1);
        for (let r = 0; r < rows; r++) {
          f.get(pa[r]!).loadSplat(0).set(va);
          madd(va, vb0, acc[r]![0]);
          madd(va, vb1, acc[r]![1]);
          f.get(pa[r]!).get(sak4).add().set(pa[r]!);
        }
        f.get(pb)
          .i32(PANEL * 4)
          .add()
          .set(pb);
        f.br(0);
      }),
    );
    // Activation: relu is max(x, 0), leaky relu max(x, alpha x) for 0 <= alpha <= 1; both keep NaN.
    f.get(act).i32(ACTIVATION.relu).eq();
    f.if(() => {
      for (let r = 0; r < rows; r++)
        for (const v of acc[r]!) f.get(v).get(zero).simd('f32x4.max').set(v);
    });
    f.get(act).i32(ACTIVATION.leakyrelu).eq();
    f.if(() => {
      for (let r = 0; r < rows; r++)
        for (const v of acc[r]!)
          f.get(v).get(v).get(alphaV).simd('f32x4.mul').simd('f32x4.max').set(v);
    });
    f.get(ncols).i32(PANEL).eq();
    f.if(
      () => {
        for (let r = 0; r < rows; r++) {
          // cp = c + ((i + r) * ldc + j) * 4
          f.get(c).get(i).i32(r).add().get(ldc).mul().get(j).add().i32(2).shl().add().set(cp);
          f.get(cp).get(acc[r]![0]).v128Store(0);
          f.get(cp).get(acc[r]![1]).v128Store(16);
        }
      },
      () => {
        // A partial panel: through the scratch tile, then only the columns that exist.
        for (let r = 0; r < rows; r++) {
          f.get(scratch)
            .get(acc[r]![0])
            .v128Store(r * 32);
          f.get(scratch)
            .get(acc[r]![1])
            .v128Store(r * 32 + 16);
          f.get(c).get(i).i32(r).add().get(ldc).mul().get(j).add().i32(2).shl().add().set(cp);
          f.for(
            q,
            () => f.i32(0),
            () => f.get(ncols),
            1,
            () => {
              f.get(cp).get(q).i32(2).shl().add();
              f.get(scratch)
                .get(q)
                .i32(2)
                .shl()
                .add()
                .f32Load(r * 32);
              f.f32Store(0);
            },
          );
        }
      },
    );
  };

  f.get(sak).i32(2).shl().set(sak4);
  f.f32(0).simd('f32x4.splat').set(zero);
  f.get(alpha).simd('f32x4.splat').set(alphaV);
  f.for(
    j,
    () => f.get(j0),
    () => f.get(j1),
    PANEL,
    () => {
      f.get(N).get(j).sub().set(ncols);
      f.i32(PANEL).get(ncols).get(ncols).i32(PANEL).gtS().select().set(ncols);
      f.get(packed).get(j).get(K).mul().i32(2).shl().add().set(bp);
      f.get(bp).get(K).i32(5).shl().add().set(kEnd);
      f.get(bias).eqz();
      f.if(
        () => {
          f.get(zero).set(bias0);
          f.get(zero).set(bias1);
        },
        () => {
          f.get(bias).get(j).i32(2).shl().add().v128Load(0).set(bias0);
          f.get(bias).get(j).i32(2).shl().add().v128Load(16).set(bias1);
        },
      );
      // Whole tiles of TILE_ROWS rows, then the rows left over one at a time.
      f.for(
        i,
        () => f.get(i0),
        () =>
          f
            .get(i1)
            .i32(TILE_ROWS - 1)
            .sub(),
        TILE_ROWS,
        () => tile(TILE_ROWS),
      );
      f.for(
        i,
        () => f.get(i),
        () => f.get(i1),
        1,
        () => tile(1),
      );
    },
  );
  return f;
}

/**
 * adam(w, m, v, g, wOut, mOut, vOut, n, beta1, 1 - beta1, beta2, 1 - beta2, c1, c2, -lr, eps):
 * for each of the n floats, in the order and the float32 roundings of tfjs's AdamOptimizer
 * (so the wasm backend's results do not change):
 *   m' = m beta1 + g (1 - beta1);  v' = v beta2 + g^2 (1 - beta2);
 *   w' = (m'/c1) / (sqrt(v'/c2) + eps) (-lr) + w,  with c1 = 1 - beta1^t, c2 = 1 - beta2^t.
 */
function adamFunction(): FunctionBuilder {
  const f = new FunctionBuilder('adam', [
    ...(Array(8).fill('i32') as 'i32'[]),
    ...(Array(8).fill('f32') as 'f32'[]),
  ]);
  const [w, m, v, g, wOut, mOut, vOut, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  // The scalars are parameters 8 to 15; each also splatted into a vector local.
  const names = ['beta1', 'omb1', 'beta2', 'omb2', 'c1', 'c2', 'negLr', 'eps'] as const;
  type Name = (typeof names)[number];
  const param = Object.fromEntries(names.map((name, k) => [name, 8 + k])) as Record<Name, number>;
  const vec = Object.fromEntries(names.map((name) => [name, f.local('v128')])) as Record<
    Name,
    number
  >;
  const { beta1: b1, omb1, beta2: b2, omb2, c1, c2, negLr, eps } = vec;
  const { beta1: sb1, omb1: somb1, beta2: sb2, omb2: somb2, c1: sc1, c2: sc2 } = param;
  const { negLr: snegLr, eps: seps } = param;
  const i = f.local('i32');
  const at = f.local('i32');
  const gv = f.local('v128');
  const mv = f.local('v128');
  const vv = f.local('v128');
  const gs = f.local('f32');
  const ms = f.local('f32');
  const vs = f.local('f32');
  for (const name of names) f.get(param[name]).simd('f32x4.splat').set(vec[name]);
  const vector = () => {
    f.get(g).get(at).add().v128Load(0).set(gv);
    // m' = m b1 + g (1 - b1)
    f.get(m).get(at).add().v128Load(0).get(b1).simd('f32x4.mul');
    f.get(gv).get(omb1).simd('f32x4.mul').simd('f32x4.add').set(mv);
    // v' = v b2 + (g g) (1 - b2)
    f.get(v).get(at).add().v128Load(0).get(b2).simd('f32x4.mul');
    f.get(gv).get(gv).simd('f32x4.mul').get(omb2).simd('f32x4.mul').simd('f32x4.add').set(vv);
    emitFlushSubnormals(f, mv);
    emitFlushSubnormals(f, vv);
    f.get(mOut).get(at).add().get(mv).v128Store(0);
    f.get(vOut).get(at).add().get(vv).v128Store(0);
    // w' = ((m'/c1) / (sqrt(v'/c2) + eps)) (-lr) + w
    f.get(wOut).get(at).add();
    f.get(mv).get(c1).simd('f32x4.div');
    f.get(vv).get(c2).simd('f32x4.div').simd('f32x4.sqrt').get(eps).simd('f32x4.add');
    f.simd('f32x4.div').get(negLr).simd('f32x4.mul');
    f.get(w).get(at).add().v128Load(0).simd('f32x4.add');
    f.v128Store(0);
  };
  const scalar = () => {
    f.get(g).get(at).add().f32Load(0).set(gs);
    f.get(m)
      .get(at)
      .add()
      .f32Load(0)
      .get(sb1)
      .f32Mul()
      .get(gs)
      .get(somb1)
      .f32Mul()
      .f32Add()
      .set(ms);
    f.get(v).get(at).add().f32Load(0).get(sb2).f32Mul();
    f.get(gs).get(gs).f32Mul().get(somb2).f32Mul().f32Add().set(vs);
    emitFlushSubnormal(f, ms);
    emitFlushSubnormal(f, vs);
    f.get(mOut).get(at).add().get(ms).f32Store(0);
    f.get(vOut).get(at).add().get(vs).f32Store(0);
    f.get(wOut).get(at).add();
    f.get(ms).get(sc1).f32Div();
    f.get(vs).get(sc2).f32Div().f32Sqrt().get(seps).f32Add();
    f.f32Div().get(snegLr).f32Mul();
    f.get(w).get(at).add().f32Load(0).f32Add();
    f.f32Store(0);
  };
  f.for(
    i,
    () => f.i32(0),
    () => f.get(n).i32(3).sub(),
    4,
    () => {
      f.get(i).i32(2).shl().set(at);
      vector();
    },
  );
  f.for(
    i,
    () => f.get(i),
    () => f.get(n),
    1,
    () => {
      f.get(i).i32(2).shl().set(at);
      scalar();
    },
  );
  return f;
}

/** The kernel module's bytes: the product and Adam of the tfjs kernels, and the step's tasks. */
export function kernelModuleBytes(o: KernelOptions): Uint8Array {
  const adam = adamFunction();
  const helpers = partialHelpers();
  const packRange = packRangeFunction();
  const deps = { ...helpers, packRange, adam, relaxed: o.relaxed };
  return assemble(o.memory, [
    packFunction(),
    gemmFunction(o.relaxed),
    adam,
    helpers.load4,
    helpers.store4,
    packRange,
    ...EPILOGUES.map((epi) => gemmTaskFunction(epi, deps)),
    gemmPackTaskFunction(deps),
    ...elementwiseFunctions(helpers),
    endingFunction(helpers),
    unitBytesFunction(),
    sumFunction(false),
    sumFunction(true),
  ]);
}

/**
 * The step's tasks (a chunk of work each call; descriptors.ts), by task number: what a pool
 * thread runs for a job of that kind (gemm-pool.ts). Number 0 is the pool's own matrix product.
 */
export const TASKS = [
  'gemm_store',
  'gemm_mask',
  'gemm_dsig',
  'gemm_adam',
  'gemm_pack',
  'bce',
  'sigmoid',
  'outer',
  'ending',
] as const;
export type TaskName = (typeof TASKS)[number];

/** The task number of `name` (1-based: 0 is the plain product). */
export function taskNumber(name: TaskName): number {
  return TASKS.indexOf(name) + 1;
}

/** A task function: one chunk of the task described at desc, with 64 bytes of scratch. */
export type TaskFunction = (desc: number, chunk: number, scratch: number) => void;

/** Whether this engine validates relaxed SIMD (f32x4.relaxed_madd). */
export function relaxedSimdSupported(): boolean {
  try {
    const bytes = kernelModuleBytes({ memory: { shared: false, minimumPages: 1 }, relaxed: true });
    return WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

export interface KernelExports {
  pack(
    b: number,
    sbk: number,
    sbn: number,
    packed: number,
    k: number,
    n: number,
    j0: number,
    j1: number,
  ): void;
  gemm(
    a: number,
    sai: number,
    sak: number,
    packed: number,
    c: number,
    ldc: number,
    bias: number,
    m: number,
    n: number,
    k: number,
    act: number,
    alpha: number,
    scratch: number,
    j0: number,
    j1: number,
    i0: number,
    i1: number,
  ): void;
  adam(
    w: number,
    m: number,
    v: number,
    g: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    negLr: number,
    epsilon: number,
  ): void;
  gemm_store: TaskFunction;
  gemm_mask: TaskFunction;
  gemm_dsig: TaskFunction;
  gemm_adam: TaskFunction;
  gemm_pack: TaskFunction;
  bce: TaskFunction;
  sigmoid: TaskFunction;
  outer: TaskFunction;
  ending: TaskFunction;
  /** Floats dst[0..n) = bytes src[0..n) / 255 (data-kernels.ts). */
  unit_bytes(src: number, dst: number, n: number): void;
  /** The sum of n floats at x, and the sum of their squares (data-kernels.ts). */
  sum_all(x: number, n: number): number;
  sum_squares(x: number, n: number): number;
  rowdot(
    h: number,
    width: number,
    w: number,
    bias: number,
    out: number,
    rows: number,
    scratch: number,
  ): void;
}

/** Compiles and instantiates the kernels over `memory`. */
export function instantiateKernels(memory: WebAssembly.Memory, o: KernelOptions): KernelExports {
  const module = new WebAssembly.Module(kernelModuleBytes(o) as BufferSource);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
