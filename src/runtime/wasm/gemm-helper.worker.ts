/**
 * A helper thread of the matrix product (gemm-pool.ts): it instantiates the app's kernels over
 * the training worker's shared wasm memory and then works on the products it is woken for,
 * blocking in Atomics.wait in between, until it is told to exit or terminated.
 */
import { helperLoop, type HelperInit } from './gemm-pool';
import { instantiateKernels } from './codegen/kernels';

self.onmessage = (event: MessageEvent<HelperInit>) => {
  const { memory, relaxed, control, scratch } = event.data;
  const kernels = instantiateKernels(memory, {
    memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
    relaxed,
  });
  helperLoop(kernels, new Int32Array(memory.buffer), control / 4, scratch);
};
