/**
 * The parameter blocks ("descriptors") of the training step's kernels. A task of the step is
 * one call per chunk, kernel(desc, chunk, scratch), on whichever thread claims the chunk
 * (../gemm-pool.ts): its parameters sit in memory at `desc`, written once by the thread that
 * publishes the task, read by every thread that works on it. One layout per kind of task, read
 * by the generated code (fieldLoad) and written by the TypeScript that drives the step
 * (writeDescriptor), so the two cannot disagree.
 */
import type { FunctionBuilder } from './asm';

type FieldKind = 'i32' | 'f32';

export interface Layout<N extends string> {
  /** Byte offset of each field. */
  offset: Record<N, number>;
  kind: Record<N, FieldKind>;
  bytes: number;
}

function layout<const F extends Record<string, FieldKind>>(fields: F): Layout<keyof F & string> {
  const offset = {} as Record<keyof F & string, number>;
  Object.keys(fields).forEach((name, i) => (offset[name as keyof F & string] = 4 * i));
  return { offset, kind: fields, bytes: 4 * Object.keys(fields).length };
}

/**
 * A matrix product C = A B, cut into chunks of `cols` columns (each packs its own panels of B),
 * with one of the epilogues of step-gemm.ts. Pointers in bytes, strides in floats:
 * A[i][k] = a[i sai + k sak], B[k][n] = b[k sbk + n sbn], C[i][n] = c[i ldc + n]; `aux`..
 * `aux3` are matrices laid out as C (ReLU mask, sigmoid output, or a weight and its moments),
 * `out1`..`out3` likewise (Adam's new weight and moments). `colsum` receives the column sums of
 * B (a bias gradient) and `bw`.. the bias Adam moves with it; `partials` one float per chunk
 * (the squared norm of the gradient it made).
 *
 * Adam's product is cut differently: gemm_pack packs B in chunks of `cols` columns first (and
 * moves the bias), then each gemm_adam chunk takes `rowsPer` rows of the weight by one group of
 * `panelsPer` panels (`groups` groups across N), so it reads and writes the weight and its
 * moments in runs of whole cache lines.
 */
export const GEMM = layout({
  a: 'i32',
  sai: 'i32',
  sak: 'i32',
  b: 'i32',
  sbk: 'i32',
  sbn: 'i32',
  packed: 'i32',
  c: 'i32',
  ldc: 'i32',
  bias: 'i32',
  m: 'i32',
  n: 'i32',
  k: 'i32',
  act: 'i32',
  alpha: 'f32',
  cols: 'i32',
  aux: 'i32',
  aux2: 'i32',
  aux3: 'i32',
  out1: 'i32',
  out2: 'i32',
  out3: 'i32',
  beta1: 'f32',
  omb1: 'f32',
  beta2: 'f32',
  omb2: 'f32',
  c1: 'f32',
  c2: 'f32',
  /** 1 / c1 and 1 / c2: the weights' update multiplies where the bias's divides. */
  rc1: 'f32',
  rc2: 'f32',
  negLr: 'f32',
  eps: 'f32',
  colsum: 'i32',
  bw: 'i32',
  bm: 'i32',
  bv: 'i32',
  bwOut: 'i32',
  bmOut: 'i32',
  bvOut: 'i32',
  partials: 'i32',
  /** adam: rows of the weight per chunk, panels per group of columns, groups across N. */
  rowsPer: 'i32',
  panelsPer: 'i32',
  groups: 'i32',
  /** adam: one float per gemm_pack chunk (the squared norm of the bias gradient it took). */
  bpartials: 'i32',
  /**
   * adam: gemm_pack's chunks after B's ceil(n / cols) pack A into `apacked`, `acols` of its rows
   * each, in panels of 8 rows (apacked[i/8][k][q] = A[i + q][k]); gemm_adam reads A there.
   */
  apacked: 'i32',
  acols: 'i32',
  /**
   * The other products: the first `bigChunks` chunks are `cols` columns wide, the rest one
   * panel, so that the threads finish a product together (tasks.ts's gemmChunking).
   */
  bigChunks: 'i32',
});

/**
 * Rows of a [rows x width] matrix, `rowsPer` a chunk: `src` (and `src2`, the targets) in, `dst`
 * out, `scale` a factor, `partials` one float per chunk (a loss summed over its rows).
 */
export const ROWS = layout({
  src: 'i32',
  src2: 'i32',
  dst: 'i32',
  width: 'i32',
  rowsPer: 'i32',
  rows: 'i32',
  scale: 'f32',
  partials: 'i32',
});

/**
 * D's logit layer backwards over rows of its hidden layer h [rows x width]: dst = (h > 0) d w^T
 * (the hidden layer's gradient), and `colPartials` (width floats per chunk, or 0) the chunk's
 * part of h^T d (the logit layer's weight gradient).
 */
export const OUTER = layout({
  h: 'i32',
  d: 'i32',
  w: 'i32',
  dst: 'i32',
  width: 'i32',
  rowsPer: 'i32',
  rows: 'i32',
  colPartials: 'i32',
});

/**
 * An ending of a product done as a pass of its own over C [rows x width] (the unfused way,
 * for measuring what fusing buys): mode 0 C = act(C + bias), 1 C *= step(aux), 2 C *= aux
 * (1 - aux), 3 Adam with C the gradient of the weight aux (moments aux2, aux3; new values to
 * out1..out3).
 */
export const ENDING = layout({
  c: 'i32',
  width: 'i32',
  rowsPer: 'i32',
  rows: 'i32',
  mode: 'i32',
  relu: 'i32',
  bias: 'i32',
  aux: 'i32',
  aux2: 'i32',
  aux3: 'i32',
  out1: 'i32',
  out2: 'i32',
  out3: 'i32',
  beta1: 'f32',
  omb1: 'f32',
  beta2: 'f32',
  omb2: 'f32',
  rc1: 'f32',
  rc2: 'f32',
  negLr: 'f32',
  eps: 'f32',
});

/** Pushes the field `name` of the descriptor whose address is in local `desc`. */
export function fieldLoad<N extends string>(
  f: FunctionBuilder,
  desc: number,
  l: Layout<N>,
  name: N,
) {
  f.get(desc);
  return l.kind[name] === 'f32' ? f.f32Load(l.offset[name]) : f.i32Load(l.offset[name]);
}

/** Pushes the f32 field `name` splatted over four lanes. */
export function fieldSplat<N extends string>(
  f: FunctionBuilder,
  desc: number,
  l: Layout<N>,
  name: N,
) {
  return f.get(desc).loadSplat(l.offset[name]);
}

/**
 * Writes a descriptor at byte `at` of the memory (views of it as i32 and f32); fields not given
 * are written as 0.
 */
export function writeDescriptor<N extends string>(
  i32: Int32Array,
  f32: Float32Array,
  at: number,
  l: Layout<N>,
  values: Partial<Record<N, number>>,
): void {
  for (const name of Object.keys(l.offset) as N[]) {
    const slot = (at + l.offset[name]) >> 2;
    const v = values[name] ?? 0;
    if (l.kind[name] === 'f32') f32[slot] = v;
    else i32[slot] = v;
  }
}
