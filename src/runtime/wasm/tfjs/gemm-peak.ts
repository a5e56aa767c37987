/**
 * The matrix product's peak (../step/peak.ts) on a running tfjs wasm backend: the app's kernel
 * on the backend's memory and every thread of its pool, for the status line's GFLOP/s figure.
 */
import * as tf from '../../../model/tf';
import { type GemmPeak, measureGemmPeak } from '../step/peak';
import { kernelContext } from './kernel-context';

/**
 * The peak on the running backend's threads, or undefined where the app's kernels cannot run
 * there. Waits for the pool's helper threads to start first; then `allowed` says whether to
 * measure (false: the thread is needed).
 */
export async function wasmGemmPeak(
  allowed: () => boolean = () => true,
): Promise<GemmPeak | undefined> {
  const context = kernelContext(tf.backend());
  if (!context) return undefined;
  await context.pool?.whenReady();
  if (!allowed()) return undefined;
  const scratch = context.allocate(64);
  try {
    return measureGemmPeak(
      { kernels: context.kernels, memory: context.memory, pool: context.pool, scratch },
      (bytes) => context.allocate(bytes),
      (pointer) => context.release(pointer),
    );
  } finally {
    context.release(scratch);
  }
}
