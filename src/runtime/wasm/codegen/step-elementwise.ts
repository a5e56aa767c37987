/**
 * The training step's element-wise work, as tasks over chunks of rows (descriptors.ts) so both
 * cores share it, each chunk writing only its own rows and its own partial sum:
 *
 * - bce: the Bernoulli NLL of logits against targets in one pass: its gradient
 *   (sigmoid(l) - x) * scale into dst, and the chunk's loss, the sum over its pixels of
 *   max(l, 0) - l x + log(1 + exp(-|l|)), into partials[chunk] (losses.ts's bernoulliNll);
 * - sigmoid: dst = sigmoid(src), the images the fakes are;
 * - outer: D's logit layer backwards: dst = (d w^T) * step(h), and the chunk's part of h^T d;
 * - rowdot (called directly, not a task): out[i] = h[i] . w + bias, D's logit layer forwards.
 */
import { FunctionBuilder } from './asm';
import { fieldLoad, OUTER, ROWS } from './descriptors';
import { emitLog1pUnit, emitSigmoid, MathLocals } from './simd-math';
import type { PartialHelpers } from './step-gemm';

/** Pushes the sum of the four lanes of v128 local v, in lane order. */
function laneSum(f: FunctionBuilder, v: number) {
  f.get(v).extractLane(0).get(v).extractLane(1).f32Add();
  f.get(v).extractLane(2).f32Add().get(v).extractLane(3).f32Add();
}

/**
 * The row range of a chunk: r0 = chunk * rowsPer, r1 = min(rows, r0 + rowsPer); returns early
 * when the chunk is past the end. Pushes nothing.
 */
export function chunkRows(
  f: FunctionBuilder,
  load: (name: 'rowsPer' | 'rows') => void,
  index: number,
  r0: number,
  r1: number,
) {
  f.get(index);
  load('rowsPer');
  f.mul().set(r0);
  f.get(r0);
  load('rows');
  f.geS();
  f.if(() => f.ret());
  f.get(r0);
  load('rowsPer');
  f.add().set(r1);
  load('rows');
  f.get(r1).get(r1);
  load('rows');
  f.gtS().select().set(r1);
}

/**
 * Runs `body(whole)` over the floats [p, end) (byte offsets, local p advanced) four at a time,
 * and once more for a last partial vector of `count` floats with whole = false.
 */
export function vectors(
  f: FunctionBuilder,
  p: number,
  end: number,
  count: number,
  body: (whole: boolean) => void,
) {
  f.block(() =>
    f.loop(() => {
      f.get(p).i32(16).add().get(end).gtS().brIf(1);
      body(true);
      f.get(p).i32(16).add().set(p);
      f.br(0);
    }),
  );
  f.get(p).get(end).ltS();
  f.if(() => {
    f.get(end).get(p).sub().i32(2).shrU().set(count);
    body(false);
  });
}

/** bce(desc, chunk, scratch): see the file comment (ROWS layout; src logits, src2 targets). */
function bceFunction(h: PartialHelpers): FunctionBuilder {
  const f = new FunctionBuilder('bce', ['i32', 'i32', 'i32']);
  const [desc, index, scratch] = [0, 1, 2];
  const load = (name: keyof typeof ROWS.offset) => fieldLoad(f, desc, ROWS, name);
  const [r0, r1, p, end, count] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32']);
  const [l, x, e, s, v, acc] = f.locals(['v128', 'v128', 'v128', 'v128', 'v128', 'v128']);
  const m = new MathLocals(f);
  chunkRows(f, load, index, r0, r1);
  f.get(r0);
  load('width');
  f.mul().i32(2).shl().set(p);
  f.get(r1);
  load('width');
  f.mul().i32(2).shl().set(end);
  f.f32x4([0, 0, 0, 0]).set(acc);
  vectors(f, p, end, count, (whole) => {
    const at = (name: 'src' | 'src2' | 'dst') => {
      load(name);
      f.get(p).add();
    };
    if (whole) {
      at('src');
      f.v128Load(0).set(l);
      at('src2');
      f.v128Load(0).set(x);
    } else {
      at('src');
      f.get(count).get(scratch).call(h.load4).set(l);
      at('src2');
      f.get(count).get(scratch).call(h.load4).set(x);
    }
    emitSigmoid(f, m, l, e, s);
    // gradient (s - x) * scale
    f.get(s).get(x).simd('f32x4.sub');
    f.get(desc).loadSplat(ROWS.offset.scale).simd('f32x4.mul').set(s);
    at('dst');
    if (whole) f.get(s).v128Store(0);
    else f.get(s).get(count).get(scratch).call(h.store4);
    // loss: (max(l, 0) - l x) + log(1 + e), in losses.ts's order
    emitLog1pUnit(f, m, e, e);
    f.get(l).f32x4([0, 0, 0, 0]).simd('f32x4.max');
    f.get(l).get(x).simd('f32x4.mul').simd('f32x4.sub');
    f.get(e).simd('f32x4.add').set(v);
    if (!whole) {
      // only the lanes that exist
      f.get(v).f32x4([0, 1, 2, 3]).get(count).f32FromI32().simd('f32x4.splat');
      f.simd('f32x4.lt').simd('v128.and').set(v);
    }
    f.get(acc).get(v).simd('f32x4.add').set(acc);
  });
  load('partials');
  f.get(index).i32(2).shl().add();
  laneSum(f, acc);
  f.f32Store(0);
  return f;
}

/** sigmoid(desc, chunk, scratch): dst = sigmoid(src) over the chunk's rows (ROWS layout). */
function sigmoidFunction(h: PartialHelpers): FunctionBuilder {
  const f = new FunctionBuilder('sigmoid', ['i32', 'i32', 'i32']);
  const [desc, index, scratch] = [0, 1, 2];
  const load = (name: keyof typeof ROWS.offset) => fieldLoad(f, desc, ROWS, name);
  const [r0, r1, p, end, count] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32']);
  const [l, e, s] = f.locals(['v128', 'v128', 'v128']);
  const m = new MathLocals(f);
  chunkRows(f, load, index, r0, r1);
  f.get(r0);
  load('width');
  f.mul().i32(2).shl().set(p);
  f.get(r1);
  load('width');
  f.mul().i32(2).shl().set(end);
  vectors(f, p, end, count, (whole) => {
    load('src');
    f.get(p).add();
    if (whole) f.v128Load(0).set(l);
    else f.get(count).get(scratch).call(h.load4).set(l);
    emitSigmoid(f, m, l, e, s);
    load('dst');
    f.get(p).add();
    if (whole) f.get(s).v128Store(0);
    else f.get(s).get(count).get(scratch).call(h.store4);
  });
  return f;
}

/** outer(desc, chunk, scratch): see the file comment (OUTER layout). */
function outerFunction(h: PartialHelpers): FunctionBuilder {
  const f = new FunctionBuilder('outer', ['i32', 'i32', 'i32']);
  const [desc, index, scratch] = [0, 1, 2];
  const load = (name: keyof typeof OUTER.offset) => fieldLoad(f, desc, OUTER, name);
  const [r0, r1, row, p, end, count, cp, width4] = f.locals([
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [d, hv, wv, v] = f.locals(['v128', 'v128', 'v128', 'v128']);
  chunkRows(f, load, index, r0, r1);
  load('width');
  f.i32(2).shl().set(width4);
  // The chunk's row of column partials, zeroed: width floats, padded to whole vectors.
  load('colPartials');
  f.if(() => {
    load('colPartials');
    f.get(index).get(width4).i32(15).add().i32(-16).and().mul().add().set(cp);
    f.i32(0).set(p);
    f.block(() =>
      f.loop(() => {
        f.get(p).get(width4).geS().brIf(1);
        f.get(cp).get(p).add().f32x4([0, 0, 0, 0]).v128Store(0);
        f.get(p).i32(16).add().set(p);
        f.br(0);
      }),
    );
  });
  f.for(
    row,
    () => f.get(r0),
    () => f.get(r1),
    1,
    () => {
      load('d');
      f.get(row).i32(2).shl().add().loadSplat(0).set(d);
      f.i32(0).set(p);
      f.get(width4).set(end);
      vectors(f, p, end, count, (whole) => {
        const rowAt = (name: 'h' | 'dst') => {
          load(name);
          f.get(row).get(width4).mul().add().get(p).add();
        };
        rowAt('h');
        if (whole) f.v128Load(0).set(hv);
        else f.get(count).get(scratch).call(h.load4).set(hv);
        load('w');
        f.get(p).add();
        if (whole) f.v128Load(0).set(wv);
        else f.get(count).get(scratch).call(h.load4).set(wv);
        // (d w) * step(h): tfjs's dy W^T, then the ReLU gradient
        f.get(d).get(wv).simd('f32x4.mul');
        f.get(hv).f32x4([0, 0, 0, 0]).simd('f32x4.gt').f32x4([1, 1, 1, 1]).simd('v128.and');
        f.simd('f32x4.mul').set(v);
        rowAt('dst');
        if (whole) f.get(v).v128Store(0);
        else f.get(v).get(count).get(scratch).call(h.store4);
        load('colPartials');
        f.if(() => {
          // cp[j] += h[row][j] d[row] (zero lanes past the width, from load4)
          f.get(cp).get(p).add();
          f.get(cp).get(p).add().v128Load(0);
          f.get(hv).get(d).simd('f32x4.mul').simd('f32x4.add').v128Store(0);
        });
      });
    },
  );
  return f;
}

/** rowdot(h, width, w, bias, out, rows): out[i] = sum_j h[i][j] w[j] + bias. */
function rowdotFunction(h: PartialHelpers): FunctionBuilder {
  const f = new FunctionBuilder('rowdot', ['i32', 'i32', 'i32', 'f32', 'i32', 'i32', 'i32']);
  const [hp, width, w, bias, out, rows, scratch] = [0, 1, 2, 3, 4, 5, 6];
  const [row, p, end, count, base] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32']);
  const acc = f.local('v128');
  f.for(
    row,
    () => f.i32(0),
    () => f.get(rows),
    1,
    () => {
      f.get(hp).get(row).get(width).mul().i32(2).shl().add().set(base);
      f.f32x4([0, 0, 0, 0]).set(acc);
      f.i32(0).set(p);
      f.get(width).i32(2).shl().set(end);
      vectors(f, p, end, count, (whole) => {
        f.get(acc);
        if (whole) {
          f.get(base).get(p).add().v128Load(0);
          f.get(w).get(p).add().v128Load(0);
        } else {
          f.get(base).get(p).add().get(count).get(scratch).call(h.load4);
          f.get(w).get(p).add().get(count).get(scratch).call(h.load4);
        }
        f.simd('f32x4.mul').simd('f32x4.add').set(acc);
      });
      f.get(out).get(row).i32(2).shl().add();
      laneSum(f, acc);
      f.get(bias).f32Add().f32Store(0);
    },
  );
  return f;
}

/** The element-wise functions of the step, in module order. */
export function elementwiseFunctions(h: PartialHelpers): FunctionBuilder[] {
  return [bceFunction(h), sigmoidFunction(h), outerFunction(h), rowdotFunction(h)];
}
