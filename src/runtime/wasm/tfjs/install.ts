/**
 * Every kernel the app brings for the tfjs wasm backend, in one place for the workers, the Node
 * scripts and the benchmarks: the matrix product (matmul.ts), Identity without a copy
 * (identity.ts), the conv gradients (conv.ts), the fused Adam update (adam.ts), the compiled
 * training step of the MLP (dense-step.ts) and the data kernels (data-kernels.ts). Each can be left out for before/after measurements.
 */
import { installWasmAdam, uninstallWasmAdam } from './adam';
import { installWasmConvPatch } from './conv';
import { installWasmDataKernels, uninstallWasmDataKernels } from './data-kernels';
import { installWasmCompiledStep, uninstallWasmCompiledStep } from './dense-step';
import { installWasmIdentity } from './identity';
import { installWasmMatMulPatch, type WasmMatMulMode } from './matmul';

export interface AppWasmKernels {
  /** The matrix product: the app's GEMM (default), XNNPACK with transposes, or tfjs's own. */
  matmul?: WasmMatMulMode;
  /** false: tfjs-backend-wasm's copying Identity. */
  identity?: boolean;
  /** false: tfjs-backend-wasm's conv kernels only (conv then cannot train on wasm). */
  conv?: boolean;
  /** false: tfjs's Adam. */
  adam?: boolean;
  /** false: the MLP's phases on tfjs's autograd instead of the compiled step (dense-step.ts). */
  compiled?: boolean;
  /** false: the batch's bytes and the reports' sums on tfjs's kernels (data-kernels.ts). */
  data?: boolean;
}

/**
 * Registers the kernels that replace tfjs-backend-wasm's own. Call after importing
 * @tensorflow/tfjs-backend-wasm and before tf.setBackend('wasm'); then call
 * installAfterWasmStart once the backend runs.
 */
export function installAppWasmKernels(o: AppWasmKernels = {}): void {
  installWasmMatMulPatch(o.matmul ?? 'gemm');
  if (o.identity !== false) installWasmIdentity();
  if (o.conv !== false) installWasmConvPatch();
}

/**
 * The kernels that need the running wasm backend's memory: the fused Adam update, the compiled
 * step (which needs the app's matrix product too), and the batch's and the reports' kernels.
 */
export function installAfterWasmStart(o: AppWasmKernels = {}): void {
  if (o.data === false) uninstallWasmDataKernels();
  else installWasmDataKernels();
  if (o.adam === false) uninstallWasmAdam();
  else installWasmAdam();
  if (o.compiled === false || (o.matmul ?? 'gemm') !== 'gemm') uninstallWasmCompiledStep();
  else installWasmCompiledStep();
}
