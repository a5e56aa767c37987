/**
 * The matrix product's peak on this machine: the app's own GEMM kernel (a task of the compiled
 * step, packing included) on a product larger than any of the step's, repeated on every thread
 * of the pool for a short while. It is the yardstick of the status line and the benchmark:
 * a training step's matrix products (src/shared/flops.ts) per second against what the same
 * kernel does on the same cores when it does nothing else.
 */
import type { StepRuntime } from './tasks';
import { TaskIssuer } from './tasks';
import { packedLength } from '../codegen/tiles';

/** The product timed: A [M x K] . B [K x N], shaped like the step's largest, at batch 384. */
const M = 384;
const K = 784;
const N = 1024;

export interface GemmPeak {
  /** Multiply-adds per second, in billions (1 GMAC/s = 2 GFLOP/s). */
  gmacs: number;
  /** The threads that computed it at once (1 when the helpers took no part). */
  threads: number;
}

/**
 * Times the product on the runtime's threads for about `ms` milliseconds (at least three
 * products) and returns the best rate of one product (the first, which wakes the helpers, does
 * not count). `allocate` gives bytes of the runtime's memory, `release` frees them. Call it
 * once the pool's helpers have started (GemmPool.whenReady): before, it measures fewer threads.
 */
export function measureGemmPeak(
  rt: StepRuntime,
  allocate: (bytes: number) => number,
  release: (pointer: number) => void,
  ms = 120,
): GemmPeak {
  const bytes = {
    a: M * K * 4,
    b: K * N * 4,
    c: M * N * 4,
    packed: packedLength(K, N) * 4,
    descriptors: TaskIssuer.descriptorBytes,
  };
  const block = allocate(Object.values(bytes).reduce((s, b) => s + b + 64, 64));
  let at = Math.ceil(block / 64) * 64;
  const place = (n: number) => {
    const p = at;
    at += Math.ceil(n / 64) * 64;
    return p;
  };
  const a = place(bytes.a);
  const b = place(bytes.b);
  const c = place(bytes.c);
  const packed = place(bytes.packed);
  const descriptors = place(bytes.descriptors);
  try {
    const tasks = new TaskIssuer(rt, descriptors, packed);
    const f32 = tasks.views.f32;
    // Values that stay finite and out of the denormals whatever they are multiplied by.
    f32.fill(0.5, a / 4, (a + bytes.a) / 4);
    f32.fill(0.25, b / 4, (b + bytes.b) / 4);
    const run = () => tasks.gemm('store', { a, b, m: M, n: N, k: K, c });
    run();
    const helped = rt.pool?.helperChunks ?? 0;
    let best = Infinity;
    const start = performance.now();
    for (let i = 0; i < 3 || performance.now() - start < ms; i++) {
      const t0 = performance.now();
      run();
      best = Math.min(best, performance.now() - t0);
    }
    const threads = (rt.pool?.helperChunks ?? 0) > helped ? rt.pool!.threads : 1;
    return { gmacs: (M * N * K) / (best / 1000) / 1e9, threads };
  } finally {
    release(block);
  }
}
