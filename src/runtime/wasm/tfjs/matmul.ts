/**
 * The matrix product of the tfjs wasm backend, replaced: nearly all of a training step's work.
 *
 * tfjs-backend-wasm 4.22 hands a product to XNNPACK only when no operand is transposed; a
 * transposed one (two in every dense layer's backward pass: dx = dy W^T, dW = x^T dy) goes to a
 * plain loop 6 to 15 times slower. Two levers, each measured in bench/levers.md:
 *
 * - 'xnnpack': transpose such an operand explicitly (a copy) and give XNNPACK the plain product;
 * - 'gemm' (the default): the app's own SIMD kernel (src/runtime/wasm/codegen/kernels.ts), which reads A
 *   through strides and packs B (or B^T) into panels, so no transpose is ever made, with the bias
 *   and ReLU / leaky ReLU fused into its last pass. It runs in the backend's own memory
 *   (its WebAssembly.Memory is imported), so operands are neither copied in nor out.
 *
 * What the kernel does not cover (other activations, PReLU, a bias that is not a row vector,
 * unequal batch shapes) goes the 'xnnpack' way. 'tfjs' keeps tfjs's own kernels, for "before"
 * figures. The mode can change between calls (benchmarks compare them in one process).
 */
import * as tf from '../../../model/tf';
import type { GemmJob } from '../gemm-pool';
import { ACTIVATION, PANEL, packedLength } from '../codegen/kernels';
import { type KernelContext, kernelContext, type WasmBackend } from './kernel-context';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

export type WasmMatMulMode = 'gemm' | 'xnnpack' | 'tfjs';

const PATCHED = new Set<string>();
let mode: WasmMatMulMode = 'gemm';

/** Names of the kernels replaced so far (for tests and the benchmark's notes). */
export function patchedKernels(): ReadonlySet<string> {
  return PATCHED;
}

/** The product in use: 'gemm', 'xnnpack' or 'tfjs'. */
export function wasmMatMulMode(): WasmMatMulMode {
  return mode;
}

/**
 * Whether the app's GEMM kernel runs on `backend`, and with relaxed SIMD (fused multiply-add):
 * for the status line and the benchmarks. null where it cannot (not the wasm backend).
 */
export function gemmInfo(backend: tf.KernelBackend): { relaxed: boolean } | null {
  const context = kernelContext(backend);
  return context ? { relaxed: context.relaxed } : null;
}

/** The permutation that swaps the last two axes of a tensor of rank `rank`. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const sameShape = (x: number[], y: number[]) =>
  x.length === y.length && x.every((v, i) => v === y[i]);

/** One product, split across the helper threads when there are some and it is big enough. */
function product(context: KernelContext, job: GemmJob, tile: number, pack: boolean) {
  const { kernels } = context;
  const { a, sai, sak, b, sbk, sbn, packed, c, ldc, bias, m, n, k, act, alpha } = job;
  const plan = context.pool?.plan(job);
  if (plan) {
    // Column chunks pack their own panels; row chunks share a B packed here first.
    if (plan.mode === 'rows' && pack) kernels.pack(b, sbk, sbn, packed, k, n, 0, n);
    if (context.pool!.run(job, plan, tile)) return;
  }
  // Alone: after a failed split too, when the helpers may have left C half done.
  if (pack || plan) kernels.pack(b, sbk, sbn, packed, k, n, 0, n);
  kernels.gemm(a, sai, sak, packed, c, ldc, bias, m, n, k, act, alpha, tile, 0, n, 0, m);
}

/**
 * C = act(A B + bias) with the GEMM kernel, or undefined when the case is not covered (the
 * caller then takes another way).
 */
function gemmProduct(args: KernelArgs): tf.TensorInfo | undefined {
  const backend = args.backend as WasmBackend;
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { a, b, bias, preluActivationWeights } = inputs;
  const attrs = args.attrs as unknown as Attrs;
  if (!a || !b || preluActivationWeights) return undefined;
  const activation = attrs.activation ?? 'linear';
  if (!Object.hasOwn(ACTIVATION, activation)) return undefined;
  const alpha = activation === 'leakyrelu' ? (attrs.leakyreluAlpha ?? 0.2) : 0;
  if (!(alpha >= 0 && alpha <= 1)) return undefined; // max(x, alpha x) needs 0 <= alpha <= 1
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const { transposeA, transposeB } = attrs;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return undefined; // tfjs's own kernel raises its message
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  // One operand repeated for every batch, or both with the same batch shape.
  if (!(batchA === 1 || batchB === 1 || sameShape(outerA, outerB))) return undefined;
  // A bias must be one value per column (or one value): the case of tfjs's Dense layers.
  const biasSize = bias ? tf.util.sizeFromShape(bias.shape) : 0;
  if (
    bias &&
    !(bias.dtype === 'float32' && (biasSize === 1 || (biasSize === n && bias.shape.at(-1) === n)))
  ) {
    return undefined;
  }
  const context = kernelContext(backend);
  if (!context) return undefined;

  const outerShape = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const out = backend.makeOutput([...outerShape, m, n], 'float32');
  const batch = Math.max(batchA, batchB);
  if (m * n * batch === 0) return out;
  const packedFloats = packedLength(k, n);
  const biasFloats = Math.ceil(n / PANEL) * PANEL;
  const scratch = context.reserve((packedFloats + biasFloats + 4 * PANEL) * 4);
  const packed = scratch;
  const biasCopy = packed + packedFloats * 4;
  const tile = biasCopy + biasFloats * 4;
  const offset = (t: tf.TensorInfo) => context.offset(t);
  if (bias) {
    // Padded to whole panels, so the kernel loads the bias of a partial panel without a check.
    const heap = context.floats();
    const src = offset(bias) / 4;
    const dst = biasCopy / 4;
    heap.fill(0, dst, dst + biasFloats);
    if (biasSize === 1) heap.fill(heap[src]!, dst, dst + n);
    else heap.copyWithin(dst, src, src + n);
  }
  const [sai, sak] = transposeA ? [1, m] : [k, 1];
  const [sbk, sbn] = transposeB ? [1, k] : [n, 1];
  const aPtr = offset(a);
  const bPtr = offset(b);
  const cPtr = offset(out);
  const actCode = ACTIVATION[activation as keyof typeof ACTIVATION];
  for (let t = 0; t < batch; t++) {
    const job: GemmJob = {
      a: aPtr + (batchA > 1 ? t * m * k * 4 : 0),
      sai,
      sak,
      b: bPtr + (batchB > 1 ? t * k * n * 4 : 0),
      sbk,
      sbn,
      packed,
      c: cPtr + t * m * n * 4,
      ldc: n,
      bias: bias ? biasCopy : 0,
      m,
      n,
      k,
      act: actCode,
      alpha,
    };
    // B is packed once for all the batch when it is shared by all of it.
    product(context, job, tile, t === 0 || batchB > 1);
  }
  return out;
}

/**
 * Replaces the wasm backend's BatchMatMul and _FusedMatMul (once; later calls only change the
 * mode). Call after importing @tensorflow/tfjs-backend-wasm, before or after tf.setBackend('wasm').
 */
export function installWasmMatMulPatch(wanted: WasmMatMulMode = 'gemm'): void {
  mode = wanted;
  for (const kernelName of [tf.BatchMatMul, tf._FusedMatMul]) {
    if (PATCHED.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    const transpose = tf.getKernel(tf.Transpose, 'wasm');
    if (!original || !transpose) continue; // the wasm backend is not loaded
    const viaXnnpack = (args: KernelArgs) => {
      const attrs = args.attrs as unknown as Attrs;
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
      const temporaries: tf.TensorInfo[] = [];
      for (const [name, flag] of [
        ['a', attrs.transposeA],
        ['b', attrs.transposeB],
      ] as const) {
        if (!flag) continue;
        const x = inputs[name]!;
        const transposed = transpose.kernelFunc({
          inputs: { x },
          backend: args.backend,
          attrs: { perm: swapLastTwo(x.shape.length) },
        }) as tf.TensorInfo;
        temporaries.push(transposed);
        inputs[name] = transposed;
      }
      const out = original.kernelFunc({
        inputs,
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      const backend = args.backend as tf.KernelBackend;
      for (const t of temporaries) backend.disposeData(t.dataId);
      return out;
    };
    const kernelFunc = (args: KernelArgs) => {
      if (mode === 'tfjs') return original.kernelFunc(args);
      if (mode === 'gemm') {
        const out = gemmProduct(args);
        if (out) return out;
      }
      return viaXnnpack(args);
    };
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc });
    PATCHED.add(kernelName);
  }
}
