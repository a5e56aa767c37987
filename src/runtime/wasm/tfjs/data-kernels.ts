/**
 * src/model/data-ops.ts's two kernels on the wasm backend, with the app's SIMD code
 * (../codegen/data-kernels.ts):
 *
 * - unitFloats: the batch's bytes are copied into a buffer of the backend's memory kept for
 *   them, then widened and divided by 255 in one pass, straight into the output tensor. In
 *   JavaScript (a loop into a new Float32Array, then tfjs's copy into the memory) a batch of
 *   256 MNIST images took about 0.8 ms in Chromium, about 1 % of a step.
 * - sumAll: tfjs-backend-wasm's Sum adds one float at a time; this keeps sixteen partial sums
 *   in four vectors.
 */
import * as tf from '../../../model/tf';
import { SUM_ALL, UNIT_FLOATS } from '../../../model/data-ops';
import { type KernelContext, kernelContext, type WasmBackend } from './kernel-context';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The byte buffer unitFloats copies a batch into, per backend memory (grown when needed). */
const byteBuffers = new WeakMap<KernelContext, { pointer: number; bytes: number }>();

function byteBuffer(context: KernelContext, bytes: number): number {
  const known = byteBuffers.get(context);
  if (known && known.bytes >= bytes) return known.pointer;
  if (known) context.release(known.pointer);
  const size = Math.max(bytes, 2 * (known?.bytes ?? 0));
  const pointer = context.allocate(size);
  byteBuffers.set(context, { pointer, bytes: size });
  return pointer;
}

function unitFloatsKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const context = kernelContext(backend)!;
  const { bytes, shape } = args.attrs as unknown as { bytes: Uint8Array; shape: number[] };
  const out = backend.makeOutput(shape, 'float32');
  const n = bytes.length;
  if (n === 0) return out;
  const src = byteBuffer(context, n);
  new Uint8Array(context.memory.buffer, src, n).set(bytes);
  context.kernels.unit_bytes(src, context.offset(out), n);
  return out;
}

function sumAllKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const context = kernelContext(backend)!;
  const x = args.inputs.x as tf.TensorInfo;
  const { squares } = args.attrs as unknown as { squares: boolean };
  const out = backend.makeOutput([], 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  const at = context.offset(x);
  const sum =
    n === 0 ? 0 : squares ? context.kernels.sum_squares(at, n) : context.kernels.sum_all(at, n);
  context.floats()[context.offset(out) / 4] = sum;
  return out;
}

const KERNELS: [string, (args: KernelArgs) => tf.TensorInfo][] = [
  [UNIT_FLOATS, unitFloatsKernel],
  [SUM_ALL, sumAllKernel],
];

/**
 * Registers both kernels for `backend` if it is a wasm backend whose memory the app's kernels
 * can reach (call after tf.setBackend('wasm')). Returns whether they are registered.
 */
export function installWasmDataKernels(backend: tf.KernelBackend = tf.backend()): boolean {
  if (!kernelContext(backend)) return false;
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
  return true;
}

/** Takes both away again: data-ops.ts then uses tfjs's own kernels (for measurements). */
export function uninstallWasmDataKernels(): void {
  for (const [kernelName] of KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  }
}
