/**
 * Two small kernels for the data around a training step, where tfjs's own would run a
 * scalar loop on one thread while the step's helper waits:
 *
 * - unit_bytes(src, dst, n): dst[i] = src[i] / 255 for n bytes, as floats in [0, 1]: a
 *   training batch's pixels as the model takes them (the batch sampler's, done in JavaScript
 *   it cost about 1 % of a step).
 * - sum_all(x, n) and sum_squares(x, n): the sum, or the sum of squares, of n floats: the
 *   divergence guard's probe of every weight and the norms chart's squared norms, a few times a
 *   second. Sixteen partial sums (four vectors) are kept and added at the end, so the order
 *   differs from a plain loop's and the last bits may too.
 *
 * Code generation only (asm.ts); ../tfjs/data-kernels.ts registers them with tfjs.
 */
import { FunctionBuilder } from './asm';

/** unit_bytes(src, dst, n): floats dst[0..n) = bytes src[0..n) / 255 (pointers in bytes). */
export function unitBytesFunction(): FunctionBuilder {
  const f = new FunctionBuilder('unit_bytes', ['i32', 'i32', 'i32']);
  const [src, dst, n] = [0, 1, 2];
  const i = f.local('i32');
  const wide = f.local('v128');
  const scale = f.local('v128');
  f.f32(255).simd('f32x4.splat').set(scale);
  // Eight bytes at a time: widened to i16, then to two i32x4, converted and divided.
  f.for(
    i,
    () => f.i32(0),
    () => f.get(n).i32(7).sub(),
    8,
    () => {
      f.get(src).get(i).add().load8x8U().set(wide);
      f.get(dst).get(i).i32(2).shl().add();
      f.get(wide).simd('i32x4.extend_low_i16x8_u').simd('f32x4.convert_i32x4_s');
      f.get(scale).simd('f32x4.div').v128Store(0);
      f.get(dst).get(i).i32(2).shl().add();
      f.get(wide).simd('i32x4.extend_high_i16x8_u').simd('f32x4.convert_i32x4_s');
      f.get(scale).simd('f32x4.div').v128Store(16);
    },
  );
  f.for(
    i,
    () => f.get(i),
    () => f.get(n),
    1,
    () => {
      f.get(dst).get(i).i32(2).shl().add();
      f.get(src).get(i).add().i32Load8U().f32FromI32().f32(255).f32Div();
      f.f32Store(0);
    },
  );
  return f;
}

/** sum_all(x, n) or, with `squares`, sum_squares(x, n): one float (x a pointer in bytes). */
export function sumFunction(squares: boolean): FunctionBuilder {
  const f = new FunctionBuilder(squares ? 'sum_squares' : 'sum_all', ['i32', 'i32'], ['f32']);
  const [x, n] = [0, 1];
  const i = f.local('i32');
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')] as const;
  const v = f.local('v128');
  const total = f.local('f32');
  const s = f.local('f32');
  const term = () => {
    if (squares) f.tee(v).get(v).simd('f32x4.mul');
  };
  // Four accumulators, so that the adds of one iteration do not wait on each other.
  f.for(
    i,
    () => f.i32(0),
    () => f.get(n).i32(15).sub(),
    16,
    () => {
      acc.forEach((a, q) => {
        f.get(a)
          .get(x)
          .get(i)
          .i32(2)
          .shl()
          .add()
          .v128Load(16 * q);
        term();
        f.simd('f32x4.add').set(a);
      });
    },
  );
  f.get(acc[0]).get(acc[1]).simd('f32x4.add').get(acc[2]).get(acc[3]).simd('f32x4.add');
  f.simd('f32x4.add').set(v);
  f.get(v).extractLane(0).get(v).extractLane(1).f32Add();
  f.get(v).extractLane(2).get(v).extractLane(3).f32Add().f32Add().set(total);
  f.for(
    i,
    () => f.get(i),
    () => f.get(n),
    1,
    () => {
      f.get(x).get(i).i32(2).shl().add().f32Load(0).set(s);
      f.get(total).get(s);
      if (squares) f.get(s).f32Mul();
      f.f32Add().set(total);
    },
  );
  f.get(total);
  return f;
}
