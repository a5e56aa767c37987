/**
 * The fused Adam update (src/model/adam.ts) for the tfjs wasm backend: one SIMD pass over a
 * variable, its two moments and its gradient (the `adam` function of ../codegen/kernels.ts) in place
 * of tfjs's fourteen element-wise kernels. Outputs are new buffers, never the inputs rewritten:
 * a weight may share its buffer with a clone (the divergence guard's last good copy).
 */
import * as tf from '../../../model/tf';
import { FUSED_ADAM_UPDATE, type FusedAdamAttrs } from '../../../model/adam';
import { kernelContext, type WasmBackend } from './kernel-context';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Whether the fused update is registered for the wasm backend. */
export function wasmAdamInstalled(): boolean {
  return tf.getKernel(FUSED_ADAM_UPDATE, 'wasm') !== undefined;
}

function fusedAdam(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const context = kernelContext(backend)!;
  const { value, m, v, g, c1, c2 } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as FusedAdamAttrs;
  for (const t of [value!, m!, v!, g!]) {
    if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, value!.shape)) {
      throw new Error(`${FUSED_ADAM_UPDATE}: operands of one float32 shape expected`);
    }
  }
  const outs = [0, 1, 2].map(() => backend.makeOutput(value!.shape, 'float32'));
  const n = tf.util.sizeFromShape(value!.shape);
  if (n === 0) return outs;
  const heap = context.floats();
  const { beta1, beta2, learningRate, epsilon } = attrs;
  context.kernels.adam(
    context.offset(value!),
    context.offset(m!),
    context.offset(v!),
    context.offset(g!),
    context.offset(outs[0]!),
    context.offset(outs[1]!),
    context.offset(outs[2]!),
    n,
    beta1,
    // As tfjs's optimiser computes them: in double precision, then to float32 as scalars.
    1 - beta1,
    beta2,
    1 - beta2,
    heap[context.offset(c1!) / 4]!,
    heap[context.offset(c2!) / 4]!,
    -learningRate,
    epsilon,
  );
  return outs;
}

/**
 * Registers the fused update for `backend` if it is a wasm backend whose memory the app's
 * kernels can reach (call after tf.setBackend('wasm')). Returns whether it is registered.
 */
export function installWasmAdam(backend: tf.KernelBackend = tf.backend()): boolean {
  if (wasmAdamInstalled()) return true;
  if (!kernelContext(backend)) return false;
  tf.registerKernel({
    kernelName: FUSED_ADAM_UPDATE,
    backendName: 'wasm',
    kernelFunc: fusedAdam as unknown as tf.KernelFunc,
  });
  return true;
}

/** Takes the fused update away again (benchmarks compare with and without it). */
export function uninstallWasmAdam(): void {
  if (wasmAdamInstalled()) tf.unregisterKernel(FUSED_ADAM_UPDATE, 'wasm');
}
