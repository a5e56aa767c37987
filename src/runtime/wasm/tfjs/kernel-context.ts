/**
 * The app's kernels (../codegen/kernels.ts) bound to one tfjs wasm backend: instantiated over
 * the backend's own WebAssembly.Memory, with scratch space from its heap, and the helper threads
 * of the matrix product (../gemm-pool.ts) once started. The code generation knows nothing of
 * tfjs; this is where the two meet.
 */
import type * as tf from '../../../model/tf';
import { instantiateKernels, type KernelExports, relaxedSimdSupported } from '../codegen/kernels';
import { CONTROL_SLOTS, GemmPool, type Helper, type HelperInit } from '../gemm-pool';

/** The parts of tfjs-backend-wasm's Emscripten module that the kernels use. */
interface WasmModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  /** The memory of the threaded build (imported by its wasm). */
  wasmMemory?: WebAssembly.Memory;
  /** The instance's exports; the single-threaded builds export their memory. */
  asm?: { memory?: WebAssembly.Memory };
}

/** The parts of tfjs-backend-wasm's backend that the kernels use. */
export interface WasmBackend extends tf.KernelBackend {
  wasm?: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** How many tensors share a buffer (clones share it: ./identity.ts). */
  refCount(dataId: object): number;
  incRef(dataId: object): void;
}

/** The kernels and their scratch space in one backend's memory. */
export class KernelContext {
  private scratch = 0;
  private scratchBytes = 0;
  /** Helper threads for the matrix product (gemm-pool.ts), where they were started. */
  pool: GemmPool | undefined;

  constructor(
    readonly kernels: KernelExports,
    readonly memory: WebAssembly.Memory,
    private readonly backend: WasmBackend,
    /** Whether the multiply-adds are fused (relaxed SIMD). */
    readonly relaxed: boolean,
  ) {}

  /** Whether the memory is shared, so other threads can work in it. */
  get shared(): boolean {
    return (
      typeof SharedArrayBuffer !== 'undefined' && this.memory.buffer instanceof SharedArrayBuffer
    );
  }

  /** `bytes` of the backend's heap for good (a helper's control block or scratch), zeroed. */
  allocate(bytes: number): number {
    const pointer = this.backend.wasm!._malloc(bytes) >>> 0;
    if (pointer === 0) throw new Error('wasm kernels: out of memory');
    new Uint8Array(this.memory.buffer, pointer, bytes).fill(0);
    return pointer;
  }

  /** Frees what allocate() gave. */
  release(pointer: number): void {
    this.backend.wasm!._free(pointer);
  }

  /** A pointer to at least `bytes` of scratch memory, kept between calls. */
  reserve(bytes: number): number {
    if (bytes > this.scratchBytes) {
      const module = this.backend.wasm!;
      if (this.scratch) module._free(this.scratch);
      this.scratchBytes = Math.max(bytes, 2 * this.scratchBytes);
      this.scratch = module._malloc(this.scratchBytes) >>> 0;
      if (this.scratch === 0) throw new Error('wasm kernels: out of memory');
    }
    return this.scratch;
  }

  /** A view of the memory as it is now (it may have grown since the last call). */
  floats(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  /** Where a tensor's data starts in the memory, in bytes. */
  offset(t: tf.TensorInfo): number {
    return this.backend.dataIdMap.get(t.dataId)!.memoryOffset;
  }
}

const contexts = new WeakMap<object, KernelContext | null>();

/** The backend's WebAssembly.Memory, or undefined where this build of tfjs hides it. */
function backendMemory(module: WasmModule): WebAssembly.Memory | undefined {
  const memory = module.wasmMemory ?? module.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * The kernels bound to `backend`'s memory, made on first use; null where they cannot be (not a
 * wasm backend, or one whose memory is out of reach).
 */
export function kernelContext(backend: tf.KernelBackend): KernelContext | null {
  const known = contexts.get(backend);
  if (known !== undefined) return known;
  let context: KernelContext | null = null;
  const wasm = backend as WasmBackend;
  const memory = wasm.wasm ? backendMemory(wasm.wasm) : undefined;
  if (memory && typeof wasm.makeOutput === 'function') {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const relaxed = relaxedSimdSupported();
    const kernels = instantiateKernels(memory, {
      // A shared memory must be imported as shared, with a maximum at least its own (wasm32's).
      memory: shared
        ? { shared: true, minimumPages: 1, maximumPages: 65536 }
        : { shared: false, minimumPages: 1 },
      relaxed,
    });
    context = new KernelContext(kernels, memory, wasm, relaxed);
  }
  contexts.set(backend, context);
  return context;
}

/**
 * Starts `count` helper threads for `context`'s products with `spawn` (which makes the thread
 * and posts it the init message), once. Needs a shared memory; returns the pool, or undefined
 * where there is none to be had.
 */
export function startGemmHelpers(
  context: KernelContext,
  count: number,
  spawn: (init: HelperInit) => Helper,
  hold?: Int32Array,
): GemmPool | undefined {
  if (context.pool) return context.pool;
  if (count < 1 || !context.shared) return undefined;
  const control = context.allocate(CONTROL_SLOTS * 4);
  const helpers = Array.from({ length: count }, () =>
    spawn({
      memory: context.memory,
      relaxed: context.relaxed,
      control,
      scratch: context.allocate(128),
    }),
  );
  context.pool = new GemmPool(context.kernels, context.memory, control, helpers, hold);
  return context.pool;
}

/** Ends `context`'s helper threads, if it has any; products then run on the calling thread. */
export function stopGemmHelpers(context: KernelContext): void {
  context.pool?.dispose();
  context.pool = undefined;
}
