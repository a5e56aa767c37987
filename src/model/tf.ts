/**
 * TensorFlow.js as the workers use it: the core (tensors, ops, gradients, the engine), Layers
 * (the networks are Layers models) and the plain-JavaScript CPU backend, the last resort that
 * always runs. Every worker module imports tfjs through here, never the '@tensorflow/tfjs'
 * union, which would also bundle the converter, tfjs-data and the WebGL backend into each
 * worker: nothing here uses the first two, and WebGL, like WebGPU and WebAssembly, is imported
 * by src/runtime/backend.ts only once it is chosen. Tests and benchmarks in Node may import the
 * union: both are the same tfjs-core, so tensors and backends are shared.
 */
import { version_core } from '@tensorflow/tfjs-core';
import { version_layers } from '@tensorflow/tfjs-layers';
// The gradients of every op (the model's training step differentiates through them) and the
// chained forms (x.add(y) …) that tfjs-layers calls; the union registers these too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// Registers the 'cpu' backend and its kernels.
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

/** The versions of the tfjs packages in use, named as the union's `tf.version` names them. */
export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers } as const;
