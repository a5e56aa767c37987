// A helper thread of the app's matrix product (src/runtime/wasm/gemm-pool.ts) as a Node worker
// thread, for the tests and bench/wasm-step: it loads the TypeScript through Vite's module
// runner, as scripts/run-ts.mjs does, and runs the same helper loop as the browser's worker.
import { workerData } from 'node:worker_threads';
import { runnerImport } from 'vite';

const opts = { configFile: false, logLevel: 'error' };
const { module: pool } = await runnerImport('./src/runtime/wasm/gemm-pool.ts', opts);
const { module: kernels } = await runnerImport('./src/runtime/wasm/codegen/kernels.ts', opts);
const { memory, relaxed, control, scratch } = workerData;
const instance = kernels.instantiateKernels(memory, {
  memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
  relaxed,
});
pool.helperLoop(instance, new Int32Array(memory.buffer), control / 4, scratch);
