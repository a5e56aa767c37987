/**
 * Benchmark knobs from the page URL (bench/throughput.mjs): `threads=N` wasm threads,
 * `matmul=xnnpack` or `matmul=tfjs` for the wasm matrix product of an earlier lever or of
 * tfjs-backend-wasm itself, `adam=tfjs` for tfjs's Adam, `identity=tfjs` for its copying
 * Identity, `gemm=N` threads for the app's matrix product (1: none besides the trainer's),
 * `conv=tfjs` tfjs's own conv kernels (so conv cannot train on wasm), and `compiled=off` the
 * MLP on tfjs's autograd instead of the compiled step. Not part of the UI.
 */
/** The worker's tuning options named by the query string `search` (unknown knobs are ignored). */
export function benchTuning(search: string): {
  wasmThreads?: number;
  wasmMatMul?: 'xnnpack' | 'tfjs';
  wasmAdam?: boolean;
  wasmIdentity?: boolean;
  wasmGemmThreads?: number;
  wasmConvPatch?: boolean;
  wasmCompiled?: boolean;
} {
  const params = new URLSearchParams(search);
  const threads = Number(params.get('threads'));
  const matmul = params.get('matmul');
  const gemm = Number(params.get('gemm'));
  return {
    ...(Number.isInteger(threads) && threads >= 0 && threads <= 8 && params.has('threads')
      ? { wasmThreads: threads }
      : {}),
    ...(matmul === 'tfjs' || matmul === 'xnnpack' ? { wasmMatMul: matmul } : {}),
    ...(params.get('adam') === 'tfjs' ? { wasmAdam: false } : {}),
    ...(params.get('identity') === 'tfjs' ? { wasmIdentity: false } : {}),
    ...(Number.isInteger(gemm) && gemm >= 1 && gemm <= 8 ? { wasmGemmThreads: gemm } : {}),
    ...(params.get('conv') === 'tfjs' ? { wasmConvPatch: false } : {}),
    ...(params.get('compiled') === 'off' ? { wasmCompiled: false } : {}),
  };
}
