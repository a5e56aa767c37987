/**
 * Picks the tfjs backend inside the worker: WebGPU, then WebGL, WASM, CPU. Software GPU adapters
 * (SwiftShader) are passed over by the automatic choice, because on a CPU-only machine they are
 * several times slower than wasm (../shared/ENVIRONMENT.md); a user can still force them.
 */
import * as tf from '../model/tf';
import type { Architecture } from '../shared/config';
import type {
  BackendInfo,
  BackendName,
  BackendRequest,
} from '../features/training/shared/protocol';
import { type RaceOptions, raceBackends } from './backend-race';
import type { Helper, HelperInit } from './wasm/gemm-pool';
import {
  type AppWasmKernels,
  installAfterWasmStart,
  installAppWasmKernels,
} from './wasm/tfjs/install';
import { wasmGemmPeak } from './wasm/tfjs/gemm-peak';
import { kernelContext, startGemmHelpers } from './wasm/tfjs/kernel-context';
import { type WasmMatMulMode, wasmMatMulMode } from './wasm/tfjs/matmul';

/**
 * Kernels that training the conv architecture runs: the convolution, its input gradient (also
 * the transposed convolution of the decoder) and its weight gradient. tfjs-backend-wasm 4.22 has
 * no Conv2DBackpropFilter of its own: wasm-conv.ts adds one (unless a benchmark asks for tfjs's
 * own kernels with `wasmConvPatch: false`, and then conv weights cannot learn there).
 */
export const CONV_TRAINING_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

/** The conv training kernels a registered backend lacks. */
export function missingConvKernels(name: BackendName): string[] {
  return CONV_TRAINING_KERNELS.filter((kernel) => tf.getKernel(kernel, name) === undefined);
}

/**
 * Answer of one probe: the backend runs, or why it cannot. `load` registers the backend with
 * tfjs (its kernels included); it is called only for a backend that is not passed over, so a
 * software GPU the automatic choice skips costs no download of its tfjs backend.
 */
type Probe =
  | { ok: true; detail: string; software: boolean; threads?: number; load?: () => Promise<void> }
  | { ok: false; reason: string };

/** Minimal view of navigator.gpu; the worker's lib has no WebGPU types. */
interface GpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    description?: string;
    device?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function activate(
  name: BackendName,
  tuning: BackendTuning,
  interaction?: Int32Array,
): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  // One pass per variable for Adam (wasm-adam.ts), once the backend's memory exists.
  if (name === 'wasm') {
    installAfterWasmStart(appKernels(tuning));
    const context = kernelContext(tf.backend());
    const helpers = (tuning.wasmGemmThreads ?? 1) - 1;
    if (context && helpers > 0 && tuning.wasmMatMul !== 'tfjs' && tuning.wasmMatMul !== 'xnnpack') {
      startGemmHelpers(context, helpers, spawnGemmHelper, interaction);
    }
  }
}

/** A helper thread of the matrix product (gemm-pool.ts), as a nested Web Worker. */
function spawnGemmHelper(init: HelperInit): Helper {
  const worker = new Worker(new URL('./wasm/gemm-helper.worker.ts', import.meta.url), {
    type: 'module',
    name: 'gemm-helper',
  });
  worker.postMessage(init);
  return worker;
}

/**
 * The yardstick of the status line's GFLOP/s: the app's matrix product at its peak on the
 * running backend's threads, once its helper threads have started and if `allowed` then says so;
 * undefined otherwise, and except on wasm with the app's product.
 */
export async function measureGemmPeak(
  allowed: () => boolean = () => true,
): Promise<BackendInfo['gemmPeak']> {
  if (tf.getBackend() !== 'wasm' || wasmMatMulMode() !== 'gemm') return undefined;
  const peak = await wasmGemmPeak(allowed);
  return peak ? { gflops: 2 * peak.gmacs, threads: peak.threads } : undefined;
}

/** Threads of the app's matrix product on wasm (1 where no helper thread runs). */
export function wasmGemmThreads(): number {
  const context = tf.getBackend() === 'wasm' ? kernelContext(tf.backend()) : null;
  return context?.pool?.threads ?? 1;
}

async function probeWebGpu(): Promise<Probe> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `requestAdapter() failed: ${errorText(error)}` };
  }
  if (!adapter) return { ok: false, reason: 'requestAdapter() found no GPU adapter' };
  const info = adapter.info ?? {};
  const detail =
    [info.vendor, info.architecture, info.description].filter((s) => s && s.length > 0).join(' ') ||
    'unnamed adapter';
  const software =
    adapter.isFallbackAdapter === true ||
    info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|software/i.test(detail);
  return {
    ok: true,
    detail,
    software,
    // Registers the 'webgpu' backend: imported only when it may run, so others don't pay for it.
    load: async () => void (await import('@tensorflow/tfjs-backend-webgpu')),
  };
}

async function probeWebGl(): Promise<Probe> {
  if (typeof OffscreenCanvas === 'undefined') {
    return { ok: false, reason: 'OffscreenCanvas is missing, so WebGL cannot run in a worker' };
  }
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return { ok: false, reason: 'no WebGL2 context in this worker' };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(
    ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
  );
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return {
    ok: true,
    detail: renderer,
    software: /swiftshader|llvmpipe|software/i.test(renderer),
    // Registers the 'webgl' backend (about 1 MB of script): fetched only when it may run.
    load: async () => void (await import('@tensorflow/tfjs-backend-webgl')),
  };
}

/**
 * Knobs for benchmarks (bench/throughput.mjs sets them through the page URL, ?threads= and
 * ?matmul=tfjs); the app itself never sets them.
 */
export interface BackendTuning {
  /** wasm threads instead of cores - 1 (still 1 without cross-origin isolation). */
  wasmThreads?: number;
  /**
   * The wasm matrix product (wasm-matmul.ts): the app's GEMM kernel (default), XNNPACK with
   * explicit transposes, or tfjs-backend-wasm's own (the "before" figure).
   */
  wasmMatMul?: WasmMatMulMode;
  /** false: tfjs's Adam (fourteen kernels per variable) instead of the fused update. */
  wasmAdam?: boolean;
  /** false: tfjs-backend-wasm's Identity, which copies (tf.clone). */
  wasmIdentity?: boolean;
  /**
   * Threads of the app's matrix product, the calling one included (gemm-pool.ts; needs a
   * cross-origin isolated page). 1, no helper thread, where not set: only the trainer sets it.
   */
  wasmGemmThreads?: number;
  /** false: tfjs-backend-wasm's own conv kernels only, so conv cannot train on wasm. */
  wasmConvPatch?: boolean;
  /** false: the MLP trains on tfjs's autograd instead of the compiled step. */
  wasmCompiled?: boolean;
}

/** The app's wasm kernels that `tuning` asks for (all of them by default). */
function appKernels(tuning: BackendTuning): AppWasmKernels {
  return {
    matmul: tuning.wasmMatMul ?? 'gemm',
    identity: tuning.wasmIdentity !== false,
    conv: tuning.wasmConvPatch !== false,
    adam: tuning.wasmAdam !== false,
    compiled: tuning.wasmCompiled !== false,
  };
}

async function probeWasm(tuning: BackendTuning = {}): Promise<Probe> {
  if (typeof WebAssembly === 'undefined') return { ok: false, reason: 'no WebAssembly' };
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The app's own matrix product (tfjs's is a naive loop for transposed operands), tf.clone
  // without a copy, and the conv gradients (one of them missing in tfjs-backend-wasm).
  installAppWasmKernels(appKernels(tuning));
  // The wasm binaries are bundled by Vite and served from this origin.
  const [plain, simd, threaded] = await Promise.all([
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
  ]);
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': plain.default,
    'tfjs-backend-wasm-simd.wasm': simd.default,
    'tfjs-backend-wasm-threaded-simd.wasm': threaded.default,
  });
  // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP + COEP headers).
  // tfjs starts its pthreads from the threaded factory's source text (Function.toString), which
  // only survives bundling because the worker bundle is not minified (vite.config.ts).
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  // One core stays with the page and the explorer worker: on two cores, two training threads
  // starved the latent pad (drag p95 29 ms against 16 ms with one thread, bench/latent-latency).
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const wanted = tuning.wasmThreads ?? cores - 1;
  const threads = isolated ? Math.max(1, Math.min(8, Math.round(wanted))) : 1;
  wasm.setThreadsCount(threads);
  return {
    ok: true,
    detail:
      (isolated
        ? `${threads} ${threads === 1 ? 'thread' : 'threads'}, SIMD`
        : 'SIMD, 1 thread (page not cross-origin isolated)') +
      (tuning.wasmMatMul === 'tfjs' ? ', tfjs transposed matMul' : '') +
      (tuning.wasmMatMul === 'xnnpack' ? ', XNNPACK matMul' : '') +
      (tuning.wasmAdam === false ? ', tfjs Adam' : '') +
      (tuning.wasmIdentity === false ? ', copying Identity' : '') +
      (tuning.wasmConvPatch === false ? ', tfjs conv kernels' : '') +
      (tuning.wasmCompiled === false ? ', autograd step' : ''),
    software: false,
    threads,
  };
}

const PROBES: Record<BackendName, (tuning: BackendTuning) => Promise<Probe>> = {
  webgpu: probeWebGpu,
  webgl: probeWebGl,
  wasm: probeWasm,
  cpu: async () => ({ ok: true, detail: 'plain JavaScript', software: false }),
};

const ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Activates a backend and says which one runs and why the others were passed over.
 * A forced backend that cannot run falls back to the automatic order; `skipped` then names the
 * reason, so the page can tell the user.
 */
export async function selectBackend(
  requested: BackendRequest,
  options: {
    tuning?: BackendTuning;
    /** The automatic choice measures the fast candidates when given (backend-race.ts). */
    race?: RaceOptions;
    /** Backends that lost their device in this worker: passed over, with `excludedReason`. */
    exclude?: readonly BackendName[];
    excludedReason?: string;
    /** `conv` passes over backends that cannot train it (a backend missing a conv kernel). */
    architecture?: Architecture;
    /** The page's drag state, for the helper threads of the matrix product (gemm-pool.ts). */
    interaction?: Int32Array;
  } = {},
): Promise<BackendInfo> {
  const {
    tuning = {},
    race,
    exclude = [],
    excludedReason = 'lost its device earlier in this session',
    architecture = 'mlp',
    interaction,
  } = options;
  const skipped: BackendInfo['skipped'] = [];
  const candidates =
    requested === 'auto' ? ORDER : [requested, ...ORDER.filter((name) => name !== requested)];
  /** Backends that passed their probe, in order, not yet activated (only with a race). */
  const usable: { name: BackendName; probe: Probe & { ok: true } }[] = [];
  for (const name of candidates) {
    if (exclude.includes(name)) {
      skipped.push({ name, reason: excludedReason });
      continue;
    }
    const forced = name === requested;
    let probe: Probe;
    try {
      probe = await PROBES[name](tuning);
    } catch (error) {
      probe = { ok: false, reason: errorText(error) };
    }
    if (!probe.ok) {
      skipped.push({ name, reason: probe.reason });
      continue;
    }
    // A software WebGL is the fastest way to train conv only when wasm cannot (tfjs's own kernels).
    const softwareOk =
      architecture === 'conv' && name === 'webgl' && tuning.wasmConvPatch === false;
    if (probe.software && !forced && !softwareOk) {
      skipped.push({
        name,
        reason:
          architecture === 'conv'
            ? `software adapter (${probe.detail}): WebGPU through a software adapter is the slowest; pick it to force it`
            : `software adapter (${probe.detail}): slower than wasm on this CPU; pick it to force it`,
      });
      continue;
    }
    try {
      await probe.load?.();
    } catch (error) {
      skipped.push({ name, reason: `could not load its tfjs backend: ${errorText(error)}` });
      continue;
    }
    // The backend is registered now, so its kernels can be checked before it starts.
    const missing = missingConvKernels(name);
    if (architecture === 'conv' && missing.length > 0 && !forced) {
      skipped.push({
        name,
        reason: `cannot train the conv architecture (no ${missing.join(', ')} kernel)`,
      });
      continue;
    }
    // The automatic choice with a race: gather every fast candidate first (cpu only as a last
    // resort: plain JavaScript never beats wasm).
    if (requested === 'auto' && race && name !== 'cpu') {
      usable.push({ name, probe });
      continue;
    }
    if (usable.length > 0) break;
    try {
      await activate(name, tuning, interaction);
    } catch (error) {
      skipped.push({ name, reason: `failed to start: ${errorText(error)}` });
      continue;
    }
    return info(name, requested, probe, skipped);
  }
  if (usable.length === 1) {
    const [only] = usable;
    try {
      await activate(only!.name, tuning, interaction);
      return info(only!.name, requested, only!.probe, skipped);
    } catch (error) {
      skipped.push({ name: only!.name, reason: `failed to start: ${errorText(error)}` });
    }
  } else if (usable.length > 1) {
    const result = await raceBackends(
      usable.map(({ name, probe }) => ({
        name,
        detail: probe.detail,
        activate: () => activate(name, tuning, interaction),
      })),
      race!,
    );
    const winner = usable.find((u) => u.name === result.winner)!;
    for (const f of result.failed)
      skipped.push({ name: f.name, reason: `failed in the race: ${f.reason}` });
    for (const s of result.speeds) {
      if (s.name !== winner.name) {
        skipped.push({
          name: s.name,
          reason: `slower in the start-up measurement (${Math.round(s.imagesPerSec)} against ${Math.round(
            result.speeds.find((w) => w.name === winner.name)!.imagesPerSec,
          )} images/s)`,
        });
      }
    }
    return {
      ...info(winner.name, requested, winner.probe, skipped),
      race: { speeds: result.speeds, measuredAt: result.measuredAt, fromCache: result.fromCache },
    };
  }
  if (usable.length > 0) {
    // Every raced candidate failed: the plain JavaScript backend is left.
    try {
      await activate('cpu', tuning);
      return info(
        'cpu',
        requested,
        { ok: true, detail: 'plain JavaScript', software: false },
        skipped,
      );
    } catch (error) {
      skipped.push({ name: 'cpu', reason: `failed to start: ${errorText(error)}` });
    }
  }
  throw new Error(
    `No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

function info(
  name: BackendName,
  requested: BackendRequest,
  probe: Probe & { ok: true },
  skipped: BackendInfo['skipped'],
): BackendInfo {
  // The app's matrix product may run on more threads than tfjs's own kernels (gemm-pool.ts).
  const gemmThreads = name === 'wasm' ? wasmGemmThreads() : 1;
  const detail =
    gemmThreads > 1
      ? probe.detail.replace(
          /^\d+ threads?, SIMD/,
          `SIMD, matrix products on ${gemmThreads} threads`,
        )
      : probe.detail;
  return {
    name,
    requested,
    detail,
    skipped,
    missingConvKernels: missingConvKernels(name),
    ...(probe.threads !== undefined ? { threads: probe.threads } : {}),
  };
}
