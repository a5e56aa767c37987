/**
 * Issuing the compiled step's tasks (../codegen/kernels.ts's TASKS): fill the task's descriptor,
 * cut it into chunks, and run the chunks on the pool's threads (../gemm-pool.ts) or, without
 * one, on the calling thread. The chunk count depends on the size of the work only, never on
 * the number of threads, so the results (the per-chunk partial sums included) are the same to
 * the bit on one thread or several.
 */
import { ENDING, GEMM, type Layout, OUTER, ROWS, writeDescriptor } from '../codegen/descriptors';
import { type KernelExports, type TaskName, taskNumber } from '../codegen/kernels';
import type { GemmPool } from '../gemm-pool';
import { PANEL, TILE_ROWS } from '../codegen/tiles';

/** Where the step runs: the kernels over one memory, and the threads that share it. */
export interface StepRuntime {
  kernels: KernelExports;
  memory: WebAssembly.Memory;
  /** Helper threads; undefined: the calling thread does everything. */
  pool?: GemmPool;
  /** 64 bytes of the calling thread's own (partial vectors). */
  scratch: number;
  /** When set, each task's time is added here under a label (bench/step-engine.ts). */
  timings?: Map<string, { ms: number; calls: number }>;
  /** The clock of the timings in ms (default performance.now; a CPU clock on a busy host). */
  clock?: () => number;
}

/** Multiply-adds per chunk of a product that the chunk count aims at (about 10 µs of work). */
const CHUNK_MACS = 200_000;
/** At most this many chunks per product: enough for two or four threads to balance. */
const MAX_CHUNKS = 48;
/** Floats per chunk of an element-wise task. */
const CHUNK_FLOATS = 16_384;
const MAX_ROW_CHUNKS = 16;

/** Adam's scalars for one optimiser step (tfjs's formula; c1 = 1 - beta1^t, c2 = 1 - beta2^t). */
export interface AdamStep {
  beta1: number;
  beta2: number;
  c1: number;
  c2: number;
  learningRate: number;
  epsilon: number;
}

/** A matrix product task; pointers in bytes. */
export interface GemmCall {
  /** A [m x k] row-major with row stride lda (default k); with aT, A = X^T for X [k x m]. */
  a: number;
  aT?: boolean;
  lda?: number;
  /** B [k x n] row-major; with bT, B = W^T for W [n x k] row-major. */
  b: number;
  bT?: boolean;
  m: number;
  n: number;
  k: number;
  c?: number;
  bias?: number;
  relu?: boolean;
  aux?: number;
  /** adam: the weight's moments, the outputs, the bias and its column sums. */
  aux2?: number;
  aux3?: number;
  out1?: number;
  out2?: number;
  out3?: number;
  adam?: AdamStep;
  colsum?: number;
  bias3?: { w: number; m: number; v: number; wOut: number; mOut: number; vOut: number };
  partials?: number;
}

/** The memory views, renewed when the memory has grown. */
export class Views {
  private buffer: ArrayBufferLike | undefined;
  private i32View = new Int32Array(0);
  private f32View = new Float32Array(0);
  constructor(private readonly memory: WebAssembly.Memory) {}
  private renew() {
    if (
      this.buffer !== this.memory.buffer ||
      this.f32View.length * 4 < this.memory.buffer.byteLength
    ) {
      this.buffer = this.memory.buffer;
      this.i32View = new Int32Array(this.buffer);
      this.f32View = new Float32Array(this.buffer);
    }
  }
  get i32(): Int32Array {
    this.renew();
    return this.i32View;
  }
  get f32(): Float32Array {
    this.renew();
    return this.f32View;
  }
}

/** What identifies a product's call: a product started ahead serves only the same one. */
function productKey(epilogue: string, p: GemmCall): string {
  return [
    epilogue,
    p.a,
    p.aT ? 1 : 0,
    p.lda ?? -1,
    p.b,
    p.bT ? 1 : 0,
    p.m,
    p.n,
    p.k,
    p.c ?? 0,
    p.bias ?? 0,
    p.relu ? 1 : 0,
    p.aux ?? 0,
  ].join(',');
}

/** Chunks of `cols` columns whose columns the last TAIL_CHUNKS would have are cut into panels. */
const TAIL_CHUNKS = 2;

/**
 * How a product of this size is cut: `bigChunks` chunks of `cols` columns (a multiple of the
 * panel), then the columns left in chunks of one panel, `chunks` in all. The
 * threads claim chunks in order, so the last ones claimed are small: a thread that finds none
 * left waits for the other's last chunk, and a panel is a half or a third of a chunk's work.
 */
export function gemmChunking(
  m: number,
  n: number,
  k: number,
): { cols: number; chunks: number; bigChunks: number } {
  const panels = Math.ceil(n / PANEL);
  const wanted = Math.max(1, Math.min(panels, MAX_CHUNKS, Math.round((m * n * k) / CHUNK_MACS)));
  const cols = PANEL * Math.ceil(panels / wanted);
  const uniform = Math.ceil(n / cols);
  const bigChunks = cols > PANEL && uniform > TAIL_CHUNKS ? uniform - TAIL_CHUNKS : uniform;
  const tail = Math.ceil(Math.max(0, n - bigChunks * cols) / PANEL);
  return { cols, chunks: bigChunks + tail, bigChunks };
}

/**
 * Floats of the step's partial sums (Workspace's `partials`): enough for the most chunks any
 * task has, Adam's product with its packing chunks (adamChunking: at most 2 MAX_CHUNKS + 16).
 */
export const MAX_PARTIALS = 256;

/** Bytes of packed B that one group of Adam's panels spans at most: a quarter of a core's L2. */
const GROUP_BYTES = 256 * 1024;

/**
 * How Adam's product (a weight gradient [m x n] over k rows) is cut: gemm_pack's chunks of
 * `cols` columns of B (`packChunks`) and of `acols` rows of A (`aPackChunks`), then gemm_adam's
 * chunks of `rowsPer` rows by a group of `panelsPer` panels (`groups` across N, so the group's
 * packed B stays in L2). Sizes only, never the threads.
 */
export function adamChunking(
  m: number,
  n: number,
  k: number,
): {
  rowsPer: number;
  panelsPer: number;
  groups: number;
  chunks: number;
  cols: number;
  packChunks: number;
  acols: number;
  aPackChunks: number;
} {
  const panels = Math.ceil(n / PANEL);
  const widest = Math.max(1, Math.floor(GROUP_BYTES / (k * PANEL * 4)));
  // At most MAX_CHUNKS groups (wider ones for a very wide layer), so the partials fit.
  const panelsPer = Math.ceil(
    panels / Math.min(MAX_CHUNKS, Math.ceil(panels / Math.min(panels, widest))),
  );
  // Every group holds columns, so every chunk writes its partial.
  const groups = Math.ceil(panels / panelsPer);
  const tiles = Math.ceil(m / TILE_ROWS);
  const wanted = Math.max(1, Math.min(MAX_CHUNKS, Math.round((m * n * k) / CHUNK_MACS)));
  const rowsPer = TILE_ROWS * Math.ceil(tiles / Math.min(tiles, Math.ceil(wanted / groups)));
  // gemm_pack's chunks: whole panels of a [k x width] matrix (B, then A as x), about
  // CHUNK_FLOATS each.
  const packCut = (width: number) => {
    const widthPanels = Math.ceil(width / PANEL);
    const wantedChunks = Math.max(
      1,
      Math.min(widthPanels, MAX_ROW_CHUNKS, Math.round((k * width) / CHUNK_FLOATS)),
    );
    return PANEL * Math.ceil(widthPanels / wantedChunks);
  };
  const cols = packCut(n);
  const acols = packCut(m);
  return {
    rowsPer,
    panelsPer,
    groups,
    chunks: groups * Math.ceil(m / rowsPer),
    cols,
    packChunks: Math.ceil(n / cols),
    acols,
    aPackChunks: Math.ceil(m / acols),
  };
}

/** Rows per chunk of an element-wise task over [rows x width]. */
export function rowChunking(rows: number, width: number): { rowsPer: number; chunks: number } {
  const wanted = Math.max(
    1,
    Math.min(rows, MAX_ROW_CHUNKS, Math.round((rows * width) / CHUNK_FLOATS)),
  );
  const rowsPer = Math.ceil(rows / wanted);
  return { rowsPer, chunks: Math.ceil(rows / rowsPer) };
}

/**
 * Issues tasks through three descriptors of its own (one per layout): a task runs to its end
 * before the next is written, so one of each is enough.
 */
export class TaskIssuer {
  readonly views: Views;

  constructor(
    private readonly rt: StepRuntime,
    /** 3 descriptors' worth of bytes (see descriptorBytes), 16-byte aligned. */
    private readonly descriptors: number,
    /** Packed panels of B: at least packedLength(k, n) floats for every product issued. */
    private readonly packed: number,
    /**
     * Adam's A packed: at least packedLength(k, m) floats for every Adam product issued; 0 for
     * an issuer of other products only.
     */
    private readonly packedA = 0,
  ) {
    this.views = new Views(rt.memory);
  }

  /** Bytes of the descriptors a TaskIssuer needs. */
  static get descriptorBytes(): number {
    return GEMM.bytes + ROWS.bytes + OUTER.bytes + ENDING.bytes;
  }

  /** Element-wise tasks on the calling thread only (a lever measured by bench/step-engine.ts). */
  elementwiseAlone = false;

  /** A product started ahead (prefetch) for phase `phase`, its result not taken yet. */
  private ahead: {
    phase: string;
    token: number;
    key: string;
    tag: number;
    chunks: number;
  } | null = null;

  /**
   * A phase of the step begins: a product started ahead for another phase, or for another
   * `token`, is given up (what it was for did not come next), so it can never serve a later
   * product that happens to have the same addresses. The token names the batch a product
   * started in the step before is for (0 within a step).
   */
  enter(phase: string, token = 0): void {
    if (this.ahead && (this.ahead.phase !== phase || this.ahead.token !== token)) {
      this.ahead = null;
      this.rt.pool?.settle(this.rt.scratch);
    }
  }

  private write<N extends string>(at: number, l: Layout<N>, values: Partial<Record<N, number>>) {
    // A product started ahead reads its descriptor until it is done.
    this.rt.pool?.settle(this.rt.scratch);
    const { i32, f32 } = this.views;
    writeDescriptor(i32, f32, at, l, values);
  }

  private run(name: TaskName, desc: number, chunks: number, label: () => string) {
    const { rt } = this;
    const t0 = this.now();
    const alone = this.elementwiseAlone && !name.startsWith('gemm');
    if (rt.pool && !alone) rt.pool.runTask(taskNumber(name), desc, chunks, rt.scratch);
    else for (let i = 0; i < chunks; i++) rt.kernels[name](desc, i, rt.scratch);
    this.time(t0, label);
  }

  /**
   * One product with its ending; returns the number of chunks, and with adam the number of
   * partials (the weight's chunks', then the bias's after them).
   */
  gemm(epilogue: 'store' | 'mask' | 'dsig' | 'adam', p: GemmCall): number {
    const { m, n, k } = p;
    if (m === 0 || n === 0) return 0;
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.key === productKey(epilogue, p)) {
      const t0 = this.now();
      if (this.rt.pool!.finishTask(ahead.tag, this.rt.scratch)) {
        this.time(t0, () => `${epilogue} ${m}x${k} . ${k}x${n} (ahead)`);
        return ahead.chunks;
      }
    }
    const { chunks, run } = this.describe(epilogue, p);
    run();
    return chunks;
  }

  /**
   * Starts a product on the helper threads and returns at once (GemmPool.startTask): the
   * compiled step starts the next phase's first product at the end of a phase, so that the
   * helpers compute it while tfjs's plumbing between the phases runs on this thread. The next
   * gemm() with the same arguments takes its result if it is the first of phase `phase` entered
   * with the same `token` (enter);
   * any other task waits for it first and then runs as usual. The product's inputs must not
   * change meanwhile, nor its output (in the step's own workspace) be read. Without helpers
   * nothing starts, and that gemm() runs the product.
   */
  prefetch(phase: string, epilogue: 'store' | 'mask' | 'dsig', p: GemmCall, token = 0): void {
    const { rt } = this;
    if (!rt.pool || p.m === 0 || p.n === 0) return;
    const { chunks } = this.describe(epilogue, p);
    const tag = rt.pool.startTask(
      taskNumber(`gemm_${epilogue}`),
      this.descriptors,
      chunks,
      rt.scratch,
    );
    if (tag !== 0) this.ahead = { phase, token, key: productKey(epilogue, p), tag, chunks };
  }

  /** The timings' clock now, in ms (0 when no timings are kept). */
  private now(): number {
    const { rt } = this;
    return rt.timings ? (rt.clock ?? (() => performance.now()))() : 0;
  }

  /** Adds the time since `t0` (from now()) to the timings under `label`, when they are kept. */
  private time(t0: number, label: () => string) {
    const { rt } = this;
    if (!rt.timings) return;
    const key = label();
    const entry = rt.timings.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += this.now() - t0;
    entry.calls += 1;
    rt.timings.set(key, entry);
  }

  /**
   * Writes a product's descriptor; returns its chunk count and how to run it (with adam: its
   * packing task, then the product; the chunks then include the packing's, for the partials).
   */
  private describe(
    epilogue: 'store' | 'mask' | 'dsig' | 'adam',
    p: GemmCall,
  ): { chunks: number; run: () => void } {
    const { m, n, k } = p;
    const adamCut = epilogue === 'adam' ? adamChunking(m, n, k) : undefined;
    if (adamCut && this.packedA === 0) throw new Error('TaskIssuer: Adam needs room to pack A');
    const { cols, chunks, bigChunks } = adamCut
      ? { ...adamCut, bigChunks: adamCut.chunks }
      : gemmChunking(m, n, k);
    const [sai, sak] = p.aT ? [1, p.lda ?? m] : [p.lda ?? k, 1];
    const [sbk, sbn] = p.bT ? [1, k] : [n, 1];
    const adam = p.adam;
    this.write(this.descriptors, GEMM, {
      a: p.a,
      sai,
      sak,
      b: p.b,
      sbk,
      sbn,
      packed: this.packed,
      c: p.c ?? 0,
      ldc: n,
      bias: p.bias ?? 0,
      m,
      n,
      k,
      act: p.relu ? 1 : 0,
      cols,
      bigChunks,
      aux: p.aux ?? 0,
      aux2: p.aux2 ?? 0,
      aux3: p.aux3 ?? 0,
      out1: p.out1 ?? 0,
      out2: p.out2 ?? 0,
      out3: p.out3 ?? 0,
      ...(adam
        ? {
            beta1: adam.beta1,
            omb1: 1 - adam.beta1,
            beta2: adam.beta2,
            omb2: 1 - adam.beta2,
            c1: adam.c1,
            c2: adam.c2,
            rc1: 1 / adam.c1,
            rc2: 1 / adam.c2,
            negLr: -adam.learningRate,
            eps: adam.epsilon,
          }
        : {}),
      colsum: p.colsum ?? 0,
      ...(p.bias3
        ? {
            bw: p.bias3.w,
            bm: p.bias3.m,
            bv: p.bias3.v,
            bwOut: p.bias3.wOut,
            bmOut: p.bias3.mOut,
            bvOut: p.bias3.vOut,
          }
        : {}),
      partials: p.partials ?? 0,
      ...(adamCut
        ? {
            rowsPer: adamCut.rowsPer,
            panelsPer: adamCut.panelsPer,
            groups: adamCut.groups,
            bpartials: p.partials ? p.partials + 4 * chunks : 0,
            apacked: this.packedA,
            acols: adamCut.acols,
          }
        : {}),
    });
    const a = p.aT ? `${k}x${m}^T` : `${m}x${k}`;
    const b = p.bT ? `${n}x${k}^T` : `${k}x${n}`;
    const run = () => {
      if (adamCut) {
        const packs = adamCut.packChunks + adamCut.aPackChunks;
        this.run('gemm_pack', this.descriptors, packs, () => `pack ${b}, ${a}`);
      }
      this.run(`gemm_${epilogue}`, this.descriptors, chunks, () => `${epilogue} ${a} . ${b}`);
    };
    return { chunks: adamCut ? chunks + adamCut.packChunks : chunks, run };
  }

  /** bce or sigmoid over [rows x width]; returns the number of chunks (of partials, for bce). */
  rows(
    name: 'bce' | 'sigmoid',
    p: {
      src: number;
      src2?: number;
      dst: number;
      rows: number;
      width: number;
      scale?: number;
      partials?: number;
    },
  ): number {
    if (p.rows === 0) return 0;
    const { rowsPer, chunks } = rowChunking(p.rows, p.width);
    const at = this.descriptors + GEMM.bytes;
    this.write(at, ROWS, {
      src: p.src,
      src2: p.src2 ?? 0,
      dst: p.dst,
      width: p.width,
      rowsPer,
      rows: p.rows,
      scale: p.scale ?? 1,
      partials: p.partials ?? 0,
    });
    this.run(name, at, chunks, () => `${name} ${p.rows}x${p.width}`);
    return chunks;
  }

  /**
   * A product's ending as a pass of its own over C [rows x width] (ENDING layout): 'bias'
   * C = act(C + bias), 'mask' C *= step(aux), 'dsig' C *= aux (1 - aux), 'adam' Adam on the
   * weight aux with C its gradient.
   */
  ending(p: {
    mode: 'bias' | 'mask' | 'dsig' | 'adam';
    c: number;
    rows: number;
    width: number;
    bias?: number;
    relu?: boolean;
    aux?: number;
    aux2?: number;
    aux3?: number;
    out1?: number;
    out2?: number;
    out3?: number;
    adam?: AdamStep;
  }): void {
    if (p.rows === 0) return;
    const { rowsPer, chunks } = rowChunking(p.rows, p.width);
    const at = this.descriptors + GEMM.bytes + ROWS.bytes + OUTER.bytes;
    const a = p.adam;
    this.write(at, ENDING, {
      c: p.c,
      width: p.width,
      rowsPer,
      rows: p.rows,
      mode: ['bias', 'mask', 'dsig', 'adam'].indexOf(p.mode),
      relu: p.relu ? 1 : 0,
      bias: p.bias ?? 0,
      aux: p.aux ?? 0,
      aux2: p.aux2 ?? 0,
      aux3: p.aux3 ?? 0,
      out1: p.out1 ?? 0,
      out2: p.out2 ?? 0,
      out3: p.out3 ?? 0,
      ...(a
        ? {
            beta1: a.beta1,
            omb1: 1 - a.beta1,
            beta2: a.beta2,
            omb2: 1 - a.beta2,
            rc1: 1 / a.c1,
            rc2: 1 / a.c2,
            negLr: -a.learningRate,
            eps: a.epsilon,
          }
        : {}),
    });
    this.run('ending', at, chunks, () => `ending ${p.mode} ${p.rows}x${p.width}`);
  }

  /**
   * D's logit layer backwards (outer): dst = (d w^T) * step(h) over [rows x width], and with
   * colPartials the chunks' parts of h^T d (roundup(width, 4) floats per chunk); returns the
   * number of chunks.
   */
  outer(p: {
    h: number;
    d: number;
    w: number;
    dst: number;
    rows: number;
    width: number;
    colPartials?: number;
  }): number {
    if (p.rows === 0) return 0;
    const { rowsPer, chunks } = rowChunking(p.rows, p.width);
    const at = this.descriptors + GEMM.bytes + ROWS.bytes;
    this.write(at, OUTER, {
      h: p.h,
      d: p.d,
      w: p.w,
      dst: p.dst,
      width: p.width,
      rowsPer,
      rows: p.rows,
      colPartials: p.colPartials ?? 0,
    });
    this.run('outer', at, chunks, () => `outer ${p.rows}x${p.width}`);
    return chunks;
  }
}
