/**
 * A zero-copy Identity kernel for the tfjs wasm backend.
 *
 * tfjs-backend-wasm 4.22 copies the data in Identity, the kernel behind tf.clone. The engine
 * clones every tensor a gradient will need while the tape records (engine.ts,
 * saveTensorsForBackwardMode), so each recorded matrix product copied its weights: ten copies
 * of 1.6 MB per training step of the default model. The CPU and WebGL backends instead share
 * the buffer and count its references, as the wasm backend's own Reshape already does; so does
 * this. Nothing in tfjs's wasm kernels writes into its inputs, so a shared buffer is never
 * changed under a tensor (a variable's assign() takes a new buffer).
 */
import * as tf from '../../../model/tf';

type KernelArgs = Parameters<tf.KernelFunc>[0];

let installed = false;

/** Whether the shared-buffer Identity is registered for wasm. */
export function wasmIdentityInstalled(): boolean {
  return installed;
}

/** Replaces the wasm backend's Identity (once). Call after importing tfjs-backend-wasm. */
export function installWasmIdentity(): void {
  if (installed) return;
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (!original) return; // the wasm backend is not loaded
  const kernelFunc = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as tf.KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc });
  installed = true;
}
