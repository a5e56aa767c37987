// Body of bench/wasm-step.mjs (bundled by it for Node): times VaeGan.trainStep on the tfjs wasm
// backend (one thread, SIMD) in Node, without a browser, and profiles which kernels take the time.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type Architecture,
  type Variant,
} from '../src/shared/config';
import { trainStepMacs, gflops } from '../src/shared/flops';
import { VaeGan } from '../src/model/vaegan';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import type { WasmMatMulMode } from '../src/runtime/wasm/tfjs/matmul';

export interface StepBenchOptions {
  backend: 'wasm' | 'cpu';
  batch: number;
  variant: Variant;
  architecture: Architecture;
  /** The matrix product: the app's GEMM, XNNPACK with explicit transposes, or tfjs's own. */
  matmul: WasmMatMulMode;
  /** The fused Adam update, or tfjs's fourteen kernels per variable. */
  adam: 'fused' | 'tfjs';
  /** The compiled step of the MLP (src/runtime/wasm/tfjs/dense-step.ts), or tfjs's autograd. */
  compiled: boolean;
  seconds: number;
  warmup: number;
  profile: boolean;
  /** Width and depth of the MLP's hidden layers and the code's size (the defaults when absent). */
  hiddenUnits?: number;
  hiddenLayers?: number;
  latentDim?: number;
  /** A plain VAE trained phase 1 alone (γ = 0, D not watching), as the likelihood preset. */
  phaseOne?: boolean;
}

export async function run(o: StepBenchOptions) {
  // Identity always without a copy here; conv cannot train on wasm without the conv kernels.
  installAppWasmKernels({ matmul: o.matmul });

  await tf.setBackend(o.backend);
  await tf.ready();
  installAfterWasmStart({ adam: o.adam === 'fused', compiled: o.compiled, matmul: o.matmul });
  const config = {
    ...DEFAULT_MODEL_CONFIG,
    variant: o.variant,
    architecture: o.architecture,
    hiddenUnits: o.hiddenUnits ?? DEFAULT_MODEL_CONFIG.hiddenUnits,
    hiddenLayers: o.hiddenLayers ?? DEFAULT_MODEL_CONFIG.hiddenLayers,
    latentDim: o.latentDim ?? DEFAULT_MODEL_CONFIG.latentDim,
  };
  const hp = o.phaseOne
    ? { ...DEFAULT_HYPERPARAMS, gamma: 0, dWatches: false }
    : DEFAULT_HYPERPARAMS;
  const model = new VaeGan(config, hp);
  const batches = Array.from(
    { length: 8 },
    (_, i) => tf.randomUniform([o.batch, 784], 0, 1, 'float32', i) as tf.Tensor2D,
  );
  const step = (i: number) => model.trainStep(batches[i % batches.length]!, hp);
  for (let i = 0; i < o.warmup; i++) step(i).dispose();
  await tf.nextFrame?.();
  let steps = 0;
  // CPU time of this process too: on a loaded machine it moves far less than the wall clock.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < o.seconds * 1000 || steps < 3) {
    const m = step(steps);
    if (steps % 10 === 9) await m.data(); // the app reads back every few steps, so do we
    m.dispose();
    steps += 1;
    elapsed = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / steps;
  const stepsPerSec = steps / (elapsed / 1000);
  const counted = trainStepMacs(config);
  const macs = o.phaseOne ? counted?.vae : counted?.total;
  const result: Record<string, unknown> = {
    backend: o.backend,
    architecture: o.architecture,
    matmul: o.matmul,
    adam: o.adam,
    compiled: o.compiled,
    variant: o.variant,
    batch: o.batch,
    hiddenUnits: config.hiddenUnits,
    hiddenLayers: config.hiddenLayers ?? 1,
    latentDim: config.latentDim,
    phaseOne: o.phaseOne === true,
    steps,
    stepsPerSec,
    imagesPerSec: stepsPerSec * o.batch,
    /** Images per second of this process's CPU time (one thread here). */
    imagesPerCpuSec: (1000 / cpuMsPerStep) * o.batch,
    // Counted for the MLP only (src/shared/flops.ts).
    gflops: macs === undefined ? null : gflops(macs, stepsPerSec * o.batch),
  };
  if (o.profile) {
    const info = await tf.profile(() => step(0));
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) {
      const name = k.name === 'BatchMatMul' || k.name === '_FusedMatMul' ? matMulLabel(k) : k.name;
      byKernel.set(name, (byKernel.get(name) ?? 0) + (k.kernelTimeMs as number));
    }
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    result.profile = [...byKernel.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, ms]) => ({
        name,
        ms: Number(ms.toFixed(2)),
        share: Number((ms / total).toFixed(3)),
      }));
    result.kernelCount = info.kernels.length;
  }
  tf.dispose(batches);
  model.dispose();
  return result;
}

function matMulLabel(k: { name: string; inputShapes: number[][] }): string {
  return `${k.name} ${k.inputShapes[0]!.join('x')} . ${k.inputShapes[1]!.join('x')}`;
}
