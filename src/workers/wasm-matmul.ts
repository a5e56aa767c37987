/**
 * A faster matrix product for the tfjs wasm backend when an operand is transposed.
 *
 * tfjs-backend-wasm 4.x sends a product to XNNPACK only when neither operand is transposed;
 * a transposed one goes to a plain blocked triple loop that is 6 to 15 times slower here. Every
 * backward pass of a dense layer needs two transposed products (dx = dy W^T, dW = x^T dy), so
 * training spent most of its time in that loop. This wrapper transposes the operand explicitly
 * (a cheap copy next to the product) and hands XNNPACK the plain product instead.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Attrs = { transposeA: boolean; transposeB: boolean };

const PATCHED = new Set<string>();

/** The permutation that swaps the last two axes of a tensor of rank `rank`. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Names of the kernels replaced so far (for tests and the benchmark's notes). */
export function patchedKernels(): ReadonlySet<string> {
  return PATCHED;
}

/**
 * Replaces the wasm backend's BatchMatMul and _FusedMatMul by versions that transpose operands
 * before the product. Call after importing @tensorflow/tfjs-backend-wasm and before (or after)
 * tf.setBackend('wasm'); calling it again does nothing.
 */
export function installWasmMatMulPatch(): void {
  for (const kernelName of [tf.BatchMatMul, tf._FusedMatMul]) {
    if (PATCHED.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    const transpose = tf.getKernel(tf.Transpose, 'wasm');
    if (!original || !transpose) continue; // the wasm backend is not loaded
    const kernelFunc = (args: KernelArgs) => {
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
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc });
    PATCHED.add(kernelName);
  }
}
