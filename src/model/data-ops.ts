/**
 * Two operations on the data around a training step that a backend may do faster than tfjs's
 * general kernels (src/runtime/wasm/tfjs/data-kernels.ts does on wasm; elsewhere they are plain
 * tfjs ops):
 *
 * - unitFloats: bytes 0..255 to a float tensor in [0, 1], for a training batch;
 * - sumAll: the sum of every value of a tensor, or of their squares, for the divergence guard's
 *   probe and the norms chart.
 */
import * as tf from './tf';
import { toUnitFloats } from '../shared/image-grid';

/** Kernel of unitFloats: no inputs; attrs `bytes` (a Uint8Array) and `shape`. */
export const UNIT_FLOATS = 'VaeganUnitFloats';
/** Kernel of sumAll: input `x` (float32); attr `squares`; a float32 scalar out. */
export const SUM_ALL = 'VaeganSumAll';

/** `bytes` / 255 as a float32 tensor of `shape` (whose size is bytes.length). */
export function unitFloats<R extends tf.Rank>(
  bytes: Uint8Array,
  shape: tf.ShapeMap[R],
): tf.Tensor<R> {
  if (tf.util.sizeFromShape(shape) !== bytes.length) {
    throw new Error(`unitFloats: ${bytes.length} bytes do not fill [${shape.join(', ')}]`);
  }
  if (tf.getKernel(UNIT_FLOATS, tf.getBackend())) {
    return tf
      .engine()
      .runKernel(UNIT_FLOATS, {}, { bytes, shape } as unknown as tf.NamedAttrMap) as tf.Tensor<R>;
  }
  // The bytes as one image of bytes.length values.
  return tf.tensor(toUnitFloats(bytes, [0], bytes.length), shape, 'float32') as tf.Tensor<R>;
}

/**
 * The sum of every value of float32 `x`, or with `squares` of every value squared, as a scalar.
 * Not for gradients: the fast kernel records none.
 */
export function sumAll(x: tf.Tensor, squares = false): tf.Scalar {
  if (x.dtype === 'float32' && tf.getKernel(SUM_ALL, tf.getBackend())) {
    return tf.engine().runKernel(SUM_ALL, { x }, { squares }) as tf.Scalar;
  }
  return tf.tidy(() => tf.sum(squares ? tf.square(x) : x));
}
