/**
 * Picks the tfjs backend inside the worker: WebGPU, then WebGL, WASM, CPU. Software GPU adapters
 * (SwiftShader) are passed over by the automatic choice, because on a CPU-only machine they are
 * several times slower than wasm (../shared/ENVIRONMENT.md); a user can still force them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../model/config';
import type { BackendInfo, BackendName, BackendRequest } from './protocol';

/**
 * Kernels that training the conv architecture runs: the convolution, its input gradient (also
 * the transposed convolution of the decoder) and its weight gradient. tfjs-backend-wasm 4.22 has
 * no Conv2DBackpropFilter, so conv weights cannot learn there.
 */
export const CONV_TRAINING_KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

/** The conv training kernels a registered backend lacks. */
export function missingConvKernels(name: BackendName): string[] {
  return CONV_TRAINING_KERNELS.filter((kernel) => tf.getKernel(kernel, name) === undefined);
}

/** Answer of one probe: the backend runs, or why it cannot. */
type Probe =
  { ok: true; detail: string; software: boolean; threads?: number } | { ok: false; reason: string };

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

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
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
  // Registers the 'webgpu' backend; imported lazily so other backends don't pay for it.
  await import('@tensorflow/tfjs-backend-webgpu');
  return { ok: true, detail, software };
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
  return { ok: true, detail: renderer, software: /swiftshader|llvmpipe|software/i.test(renderer) };
}

async function probeWasm(): Promise<Probe> {
  if (typeof WebAssembly === 'undefined') return { ok: false, reason: 'no WebAssembly' };
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
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
  const threads = isolated ? Math.max(1, Math.min(8, cores - 1)) : 1;
  wasm.setThreadsCount(threads);
  return {
    ok: true,
    detail: isolated
      ? `${threads} ${threads === 1 ? 'thread' : 'threads'}, SIMD`
      : 'SIMD, 1 thread (page not cross-origin isolated)',
    software: false,
    threads,
  };
}

const PROBES: Record<BackendName, () => Promise<Probe>> = {
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
  architecture: Architecture = 'mlp',
): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const candidates =
    requested === 'auto' ? ORDER : [requested, ...ORDER.filter((name) => name !== requested)];
  for (const name of candidates) {
    const forced = name === requested;
    let probe: Probe;
    try {
      probe = await PROBES[name]();
    } catch (error) {
      probe = { ok: false, reason: errorText(error) };
    }
    if (!probe.ok) {
      skipped.push({ name, reason: probe.reason });
      continue;
    }
    // The probe has registered the backend's kernels, so they can be checked before it starts.
    const missing = missingConvKernels(name);
    if (architecture === 'conv' && missing.length > 0 && !forced) {
      skipped.push({
        name,
        reason: `cannot train the conv architecture (no ${missing.join(', ')} kernel)`,
      });
      continue;
    }
    // A software WebGL is still the fastest way to train conv when wasm cannot.
    const softwareOk = architecture === 'conv' && name === 'webgl';
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
      await activate(name);
    } catch (error) {
      skipped.push({ name, reason: `failed to start: ${errorText(error)}` });
      continue;
    }
    return {
      name,
      requested,
      detail: probe.detail,
      skipped,
      missingConvKernels: missing,
      ...(probe.threads !== undefined ? { threads: probe.threads } : {}),
    };
  }
  throw new Error(
    `No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}
