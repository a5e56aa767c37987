/**
 * A product's ending as a pass of its own (descriptors.ts, ENDING layout), over chunks of rows:
 * what step-gemm.ts does inside the product's last pass, done the unfused way. The compiled step
 * uses it only when asked to (bench/step-engine.ts measures what fusing the endings buys).
 */
import { FunctionBuilder } from './asm';
import { ENDING, fieldLoad, fieldSplat } from './descriptors';
import type { PartialHelpers } from './step-gemm';
import { chunkRows, vectors } from './step-elementwise';
import { emitFlushSubnormals } from './simd-math';

/** ending(desc, chunk, scratch). */
export function endingFunction(h: PartialHelpers): FunctionBuilder {
  const f = new FunctionBuilder('ending', ['i32', 'i32', 'i32']);
  const [desc, index, scratch] = [0, 1, 2];
  const load = (name: keyof typeof ENDING.offset) => fieldLoad(f, desc, ENDING, name);
  const splat = (name: keyof typeof ENDING.offset) => fieldSplat(f, desc, ENDING, name);
  const [r0, r1, row, p, end, count, base, mode] = f.locals([
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [v, x, y, z] = f.locals(['v128', 'v128', 'v128', 'v128']);
  chunkRows(f, load, index, r0, r1);
  load('mode').set(mode);

  /** Pushes the vector at field `ptr` + `offset` bytes (whole, or `count` floats). */
  const loadAt = (ptr: keyof typeof ENDING.offset, offset: () => void, whole: boolean) => {
    load(ptr);
    offset();
    f.add();
    if (whole) f.v128Load(0);
    else f.get(count).get(scratch).call(h.load4);
  };
  const storeAt = (
    ptr: keyof typeof ENDING.offset,
    offset: () => void,
    value: number,
    whole: boolean,
  ) => {
    load(ptr);
    offset();
    f.add();
    if (whole) f.get(value).v128Store(0);
    else f.get(value).get(count).get(scratch).call(h.store4);
  };
  const inRow = () => f.get(base).get(p).add();
  const inBias = () => f.get(p);

  f.for(
    row,
    () => f.get(r0),
    () => f.get(r1),
    1,
    () => {
      load('width');
      f.get(row).mul().i32(2).shl().set(base);
      f.i32(0).set(p);
      load('width');
      f.i32(2).shl().set(end);
      vectors(f, p, end, count, (whole) => {
        loadAt('c', inRow, whole);
        f.set(v);
        f.get(mode).i32(0).eq();
        f.if(() => {
          loadAt('bias', inBias, whole);
          f.get(v).simd('f32x4.add').set(v);
          load('relu');
          f.if(() => f.get(v).f32x4([0, 0, 0, 0]).simd('f32x4.max').set(v));
          storeAt('c', inRow, v, whole);
        });
        f.get(mode).i32(1).eq();
        f.if(() => {
          loadAt('aux', inRow, whole);
          f.f32x4([0, 0, 0, 0]).simd('f32x4.gt').f32x4([1, 1, 1, 1]).simd('v128.and');
          f.get(v).simd('f32x4.mul').set(v);
          storeAt('c', inRow, v, whole);
        });
        f.get(mode).i32(2).eq();
        f.if(() => {
          loadAt('aux', inRow, whole);
          f.set(x);
          f.get(v).get(x).f32x4([1, 1, 1, 1]).get(x).simd('f32x4.sub').simd('f32x4.mul');
          f.simd('f32x4.mul').set(v);
          storeAt('c', inRow, v, whole);
        });
        f.get(mode).i32(3).eq();
        f.if(() => {
          // step-gemm.ts's adam ending, on g = v
          loadAt('aux2', inRow, whole);
          splat('beta1').simd('f32x4.mul');
          f.get(v);
          splat('omb1').simd('f32x4.mul').simd('f32x4.add').set(x);
          loadAt('aux3', inRow, whole);
          splat('beta2').simd('f32x4.mul');
          f.get(v).get(v).simd('f32x4.mul');
          splat('omb2').simd('f32x4.mul').simd('f32x4.add').set(y);
          emitFlushSubnormals(f, x);
          emitFlushSubnormals(f, y);
          storeAt('out2', inRow, x, whole);
          storeAt('out3', inRow, y, whole);
          f.get(x);
          splat('rc1').simd('f32x4.mul');
          f.get(y);
          splat('rc2').simd('f32x4.mul').simd('f32x4.sqrt');
          splat('eps').simd('f32x4.add').simd('f32x4.div');
          splat('negLr').simd('f32x4.mul');
          loadAt('aux', inRow, whole);
          f.simd('f32x4.add').set(z);
          storeAt('out1', inRow, z, whole);
        });
      });
    },
  );
  return f;
}
