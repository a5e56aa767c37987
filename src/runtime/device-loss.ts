/**
 * Noticing that the GPU went away under the trainer: a WebGL context that was lost (driver
 * reset, too many contexts, the tab in the background on some systems) or a WebGPU device
 * that was lost or destroyed. Also the test hook that forces either.
 *
 * tfjs's webgl backend keeps its context in `backend.gpgpu.gl`, the webgpu backend its device
 * in `backend.device`; both are public fields of the backend classes.
 */
import * as tf from '../model/tf';
import type { BackendName } from '../features/training/shared/protocol';

interface WebGlBackendLike {
  gpgpu?: { gl?: WebGLRenderingContext | WebGL2RenderingContext };
}
interface GpuDeviceLike {
  lost?: Promise<{ reason?: string; message?: string }>;
  destroy?: () => void;
}
interface WebGpuBackendLike {
  device?: GpuDeviceLike;
}

/** Watches the running backend's device; `lost` turns true once it is gone. */
export interface DeviceWatch {
  readonly backend: BackendName;
  /** True once the context or device is gone; checked after every report. */
  isLost(): boolean;
  /** Why, in words, once lost. */
  reason(): string;
  /**
   * Resolves once the device is lost. Reads from a lost WebGL context never complete (tfjs
   * polls a fence that never signals), so every readback is raced against this.
   */
  whenLost(): Promise<void>;
  /** Forces the loss (test hook); throws on a backend without a device. */
  lose(): void;
  dispose(): void;
}

function webglContext(): WebGLRenderingContext | WebGL2RenderingContext | undefined {
  return (tf.backend() as unknown as WebGlBackendLike).gpgpu?.gl;
}

function webgpuDevice(): GpuDeviceLike | undefined {
  return (tf.backend() as unknown as WebGpuBackendLike).device;
}

/** Starts watching the device of the active tfjs backend `name`. */
export function watchDevice(name: BackendName): DeviceWatch {
  let lost = false;
  let why = '';
  let signal = () => {};
  const lostPromise = new Promise<void>((resolve) => (signal = resolve));
  const markLost = (text: string) => {
    if (!lost) why = text;
    lost = true;
    signal();
  };
  const whenLost = () => lostPromise;
  if (name === 'webgl') {
    const gl = webglContext();
    // In a worker the context's canvas is an OffscreenCanvas (an EventTarget).
    const canvas = (gl as { canvas?: EventTarget } | undefined)?.canvas;
    const onLost = () => markLost('the WebGL context was lost');
    canvas?.addEventListener?.('webglcontextlost', onLost);
    return {
      backend: name,
      isLost: () => {
        if (gl?.isContextLost()) markLost('the WebGL context was lost');
        return lost;
      },
      reason: () => why,
      whenLost,
      lose: () => {
        const ext = gl?.getExtension('WEBGL_lose_context');
        if (!ext) throw new Error('this WebGL context cannot be lost on purpose');
        ext.loseContext();
        markLost('the WebGL context was lost (forced by the test hook)');
      },
      dispose: () => canvas?.removeEventListener?.('webglcontextlost', onLost),
    };
  }
  if (name === 'webgpu') {
    const device = webgpuDevice();
    let disposed = false;
    void device?.lost?.then((info) => {
      if (!disposed) {
        const detail = [info?.reason, info?.message].filter((s) => s).join(': ');
        markLost(`the WebGPU device was lost${detail ? ` (${detail})` : ''}`);
      }
    });
    return {
      backend: name,
      isLost: () => lost,
      reason: () => why,
      whenLost,
      lose: () => {
        if (!device?.destroy) throw new Error('this WebGPU device cannot be destroyed');
        markLost('the WebGPU device was destroyed (forced by the test hook)');
        device.destroy();
      },
      dispose: () => {
        disposed = true;
      },
    };
  }
  return {
    backend: name,
    isLost: () => false,
    reason: () => '',
    whenLost: () => new Promise<void>(() => {}),
    lose: () => {
      throw new Error(`the ${name} backend runs on the CPU: it has no GPU device to lose`);
    },
    dispose: () => {},
  };
}

/** Thrown in place of a readback that can no longer complete. */
export class DeviceLostError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DeviceLostError';
  }
}

/** `work`, or a DeviceLostError as soon as the watched device is lost. */
export function unlessLost<T>(watch: DeviceWatch | undefined, work: Promise<T>): Promise<T> {
  if (!watch) return work;
  return Promise.race([
    work,
    watch.whenLost().then(() => {
      throw new DeviceLostError(watch.reason());
    }),
  ]);
}
