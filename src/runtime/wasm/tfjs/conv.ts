/**
 * The 2-D convolution gradients for the tfjs wasm backend, so the conv architecture trains there,
 * and at a speed worth having.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, the kernel behind the weight gradient of
 * both conv2d and conv2dTranspose. (Its 3-D filter gradient, Conv3DBackpropFilterV2, is wrong for
 * strides above 1, as tests/unit/wasm-conv.test.ts shows, so a depth-1 3-D view is no way
 * round.) Its Conv2DBackpropInput, the input gradient and the decoder's transposed convolution,
 * is a plain loop about ten times slower than the forward convolution. Both become one matrix
 * product over image patches (im2col), which XNNPACK does (wasm-matmul.ts):
 *   P [b*oh*ow, fh*fw*ci]   every receptive field of x, zero where it reaches into the padding;
 *   filter gradient   dW = (dy^T P)^T          [fh*fw*ci, co] -> [fh, fw, ci, co];
 *   input gradient    dx = col2im(dy W^T)      the patches' values added back where they came from.
 * The patch copy and the adding back are JavaScript loops over the wasm heap, with an offset table
 * that depends only on the layer's shape, so it is made once per layer and kept.
 */
import * as tf from '../../../model/tf';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Pad = 'valid' | 'same' | number | number[][];
interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type FilterAttrs = ConvAttrs & { filterShape: Shape4 };
type InputAttrs = ConvAttrs & { inputShape: Shape4 };

/** The parts of the wasm backend these kernels use. */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

const installed = new Set<string>();
/** Patch offset tables by layer shape. */
const offsetTables = new Map<string, Int32Array>();

/** Names of the kernels registered so far (for tests and the benchmark's notes). */
export function wasmConvKernels(): ReadonlySet<string> {
  return installed;
}

type Shape4 = [number, number, number, number];

/**
 * The geometry of a convolution of an x of `xShape` with a filter of `filterShape`, after
 * refusing what these kernels do not support and a dy that does not fit.
 */
function convInfo(
  name: string,
  attrs: ConvAttrs,
  xShape: Shape4,
  filterShape: Shape4,
  dy: tf.TensorInfo,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${name} on wasm: only NHWC data is supported`);
  if (attrs.pad !== 'same' && attrs.pad !== 'valid') {
    throw new Error(`${name} on wasm: padding ${JSON.stringify(attrs.pad)} is not supported`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  if (dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== co) {
    throw new Error(`${name} on wasm: dy ${dy.shape} does not fit x ${xShape}`);
  }
  return info;
}

/**
 * For each output position (oy, ox) and filter tap (ky, kx, c), the offset of the input value in
 * one image of x flattened to h*w*ci, or -1 where the tap falls in the padding.
 */
function patchOffsets(info: tf.backend_util.Conv2DInfo): Int32Array {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const key = [h, w, ci, oh, ow, fh, fw, sh, sw, info.padInfo.top, info.padInfo.left].join();
  const cached = offsetTables.get(key);
  if (cached) return cached;
  const out = new Int32Array(oh * ow * fh * fw * ci);
  let i = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ky = 0; ky < fh; ky++) {
        const iy = oy * sh + ky - info.padInfo.top;
        for (let kx = 0; kx < fw; kx++) {
          const ix = ox * sw + kx - info.padInfo.left;
          const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
          const base = (iy * w + ix) * ci;
          for (let c = 0; c < ci; c++) out[i++] = inside ? base + c : -1;
        }
      }
    }
  }
  offsetTables.set(key, out);
  return out;
}

/**
 * Registers Conv2DBackpropFilter (missing) and Conv2DBackpropInput (slow) for the wasm backend.
 * Call after importing @tensorflow/tfjs-backend-wasm; calling it again does nothing. Supports
 * what the app's layers use: NHWC data, 'same' or 'valid' padding, no dilation; anything else
 * throws a message that names what is not supported.
 */
export function installWasmConvPatch(): void {
  if (installed.size > 0) return;
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  const reshape = tf.getKernel(tf.Reshape, 'wasm');
  if (!transpose || !reshape || !tf.getKernel(tf.BatchMatMul, 'wasm')) return; // not loaded
  const view = (backend: tf.KernelBackend, x: tf.TensorInfo, shape: number[]) =>
    reshape.kernelFunc({ inputs: { x }, backend, attrs: { shape } } as KernelArgs) as tf.TensorInfo;
  // Looked up on each call: wasm-matmul.ts may replace it after this is installed.
  const matMul = (
    backend: tf.KernelBackend,
    a: tf.TensorInfo,
    b: tf.TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
  ) =>
    tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc({
      inputs: { a, b },
      backend,
      attrs: { transposeA, transposeB },
    } as unknown as KernelArgs) as tf.TensorInfo;

  /** P [1, b*oh*ow, fh*fw*ci]: the receptive fields of x. */
  const im2col = (backend: WasmBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo) => {
    const offsets = patchOffsets(info);
    const image = info.inHeight * info.inWidth * info.inChannels;
    const patches = backend.makeOutput(
      [
        1,
        info.batchSize * info.outHeight * info.outWidth,
        info.filterHeight * info.filterWidth * info.inChannels,
      ],
      'float32',
    );
    // Views after makeOutput: a heap that grew has a new buffer.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(patches);
    const n = offsets.length;
    for (let b = 0, o = 0; b < info.batchSize; b++, o += n) {
      const base = b * image;
      for (let j = 0; j < n; j++) {
        const k = offsets[j]!;
        dst[o + j] = k < 0 ? 0 : src[base + k]!;
      }
    }
    return patches;
  };

  const filterKernel = (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as FilterAttrs;
    const info = convInfo('Conv2DBackpropFilter', attrs, x.shape as Shape4, attrs.filterShape, dy);
    const { outHeight: oh, outWidth: ow, outChannels: co } = info;
    const k = info.filterHeight * info.filterWidth * info.inChannels;
    const patches = im2col(backend, x, info);
    const rows = view(backend, dy, [1, info.batchSize * oh * ow, co]);
    // dy^T P [co, k]: the operand transposed is dy, the smaller one.
    const product = matMul(backend, rows, patches, true, false);
    const columns = view(backend, product, [co, k]);
    const transposed = transpose.kernelFunc({
      inputs: { x: columns },
      backend,
      attrs: { perm: [1, 0] },
    } as KernelArgs) as tf.TensorInfo;
    const dw = view(backend, transposed, attrs.filterShape);
    for (const t of [patches, rows, product, columns, transposed]) backend.disposeData(t.dataId);
    return dw;
  };

  const inputKernel = (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as InputAttrs;
    const info = convInfo(
      'Conv2DBackpropInput',
      attrs,
      attrs.inputShape,
      filter.shape as Shape4,
      dy,
    );
    const { outHeight: oh, outWidth: ow, outChannels: co } = info;
    const k = info.filterHeight * info.filterWidth * info.inChannels;
    const rows = view(backend, dy, [1, info.batchSize * oh * ow, co]);
    const weights = view(backend, filter, [1, k, co]);
    // dy W^T [b*oh*ow, k]: each output position's share of every input value it saw.
    const columns = matMul(backend, rows, weights, false, true);
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    const offsets = patchOffsets(info);
    const src = backend.typedArrayFromHeap(columns);
    const dst = backend.typedArrayFromHeap(dx);
    dst.fill(0);
    const image = info.inHeight * info.inWidth * info.inChannels;
    const n = offsets.length;
    for (let b = 0, o = 0; b < info.batchSize; b++, o += n) {
      const base = b * image;
      for (let j = 0; j < n; j++) {
        const t = offsets[j]!;
        if (t >= 0) dst[base + t] = dst[base + t]! + src[o + j]!;
      }
    }
    for (const t of [rows, weights, columns]) backend.disposeData(t.dataId);
    return dx;
  };

  for (const [kernelName, kernelFunc] of [
    [tf.Conv2DBackpropFilter, filterKernel],
    [tf.Conv2DBackpropInput, inputKernel],
  ] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
    installed.add(kernelName);
  }
}
