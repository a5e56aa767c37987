/**
 * The training step's matrix products as tasks (descriptors.ts, GEMM layout): one call per
 * chunk, on whichever thread claims it. A chunk of columns packs its own panels of B, then
 * computes its 4 x 8 tiles of C as kernels.ts's gemm does and ends each tile with one of:
 *
 * - store: C = act(A B + bias), the forward pass of a dense layer;
 * - mask:  C = (A B) * step(aux), a ReLU layer's input gradient (aux its output);
 * - dsig:  C = (A B) * aux (1 - aux), through a sigmoid (aux its output);
 * - adam:  A B is a weight gradient, never stored: Adam moves the weight aux with its moments
 *   aux2, aux3 into out1..out3 in the same pass, and the chunk's squared gradient norm goes to
 *   partials[chunk]. Its chunks are bands of rows by groups of panels instead, over a B and an
 *   A (the layer's input, read transposed) that gemm_pack packed first; gemm_pack also moves
 *   the bias with the column sums of B (the bias gradient, taken while packing) and puts their
 *   squares in bpartials[chunk].
 *
 * So a layer's bias, activation and their gradients cost no pass of their own, and neither does
 * Adam. Every chunk writes only its own part of C (and its own partial), so the result does not
 * depend on which thread computed which chunk: bit-identical on one thread or several.
 *
 * Partial panels (N not a multiple of 8) load and store through the thread's scratch, so no
 * access strays past a buffer. Over 400 lines: the pack, the tile and its four endings are one
 * piece of code generation.
 */
import { FunctionBuilder } from './asm';
import { fieldLoad, fieldSplat, GEMM } from './descriptors';
import { PANEL, TILE_ROWS } from './tiles';
import { emitFlushSubnormals } from './simd-math';

export type Epilogue = 'store' | 'mask' | 'dsig' | 'adam';
export const EPILOGUES: readonly Epilogue[] = ['store', 'mask', 'dsig', 'adam'];

/** The helpers every step kernel calls: partial-vector loads and stores through a scratch slot. */
export interface PartialHelpers {
  /** $load4(ptr, count, slot) -> v128: `count` floats at ptr, zeros after them. */
  load4: FunctionBuilder;
  /** $store4(ptr, v, count, slot): the first `count` lanes of v to ptr. */
  store4: FunctionBuilder;
}

export function partialHelpers(): PartialHelpers {
  const load4 = new FunctionBuilder('$load4', ['i32', 'i32', 'i32'], ['v128']);
  {
    const f = load4;
    const q = f.local('i32');
    f.get(2).f32x4([0, 0, 0, 0]).v128Store(0);
    f.for(
      q,
      () => f.i32(0),
      () => f.get(1),
      1,
      () => {
        f.get(2).get(q).i32(2).shl().add();
        f.get(0).get(q).i32(2).shl().add().f32Load(0);
        f.f32Store(0);
      },
    );
    f.get(2).v128Load(0);
  }
  const store4 = new FunctionBuilder('$store4', ['i32', 'v128', 'i32', 'i32']);
  {
    const f = store4;
    const q = f.local('i32');
    f.get(3).get(1).v128Store(0);
    f.for(
      q,
      () => f.i32(0),
      () => f.get(2),
      1,
      () => {
        f.get(0).get(q).i32(2).shl().add();
        f.get(3).get(q).i32(2).shl().add().f32Load(0);
        f.f32Store(0);
      },
    );
  }
  return { load4, store4 };
}

/**
 * $packRange(b, sbk, sbn, packed, K, N, j0, j1, colsum): packs the panels of B whose first
 * column j lies in [j0, j1) (j0 a multiple of 8): packed[j/8][k][q] = B[k][j + q], zero past
 * N, with B[k][n] = b[k sbk + n sbn]. Three ways: rows of B contiguous (vector copies), columns
 * contiguous (B a transposed matrix: 4 x 4 blocks transposed in registers), or one float at a
 * time. With colsum != 0, colsum[j + q] = sum over k of B[k][j + q] (colsum padded to panels).
 */
export function packRangeFunction(): FunctionBuilder {
  const f = new FunctionBuilder('$packRange', Array<'i32'>(9).fill('i32'));
  const [b, sbk, sbn, packed, K, N, j0, j1, colsum] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const j = f.local('i32');
  const k = f.local('i32');
  const q = f.local('i32');
  const bp = f.local('i32');
  const ncols = f.local('i32');
  const src = f.local('i32');
  const dst = f.local('i32');
  const rowp = Array.from({ length: PANEL }, () => f.local('i32'));
  const r = Array.from({ length: PANEL }, () => f.local('v128'));
  const t = f.locals(['v128', 'v128', 'v128', 'v128']);
  const s0 = f.local('v128');
  const s1 = f.local('v128');

  /** Columns of the four rows x0..x3 (vector locals) into the locals out0..out3. */
  const transpose4 = (x: number[], out: number[]) => {
    f.get(x[0]!).get(x[1]!).shuffle32([0, 4, 1, 5]).set(t[0]!);
    f.get(x[0]!).get(x[1]!).shuffle32([2, 6, 3, 7]).set(t[1]!);
    f.get(x[2]!).get(x[3]!).shuffle32([0, 4, 1, 5]).set(t[2]!);
    f.get(x[2]!).get(x[3]!).shuffle32([2, 6, 3, 7]).set(t[3]!);
    f.get(t[0]!).get(t[2]!).shuffle32([0, 1, 4, 5]).set(out[0]!);
    f.get(t[0]!).get(t[2]!).shuffle32([2, 3, 6, 7]).set(out[1]!);
    f.get(t[1]!).get(t[3]!).shuffle32([0, 1, 4, 5]).set(out[2]!);
    f.get(t[1]!).get(t[3]!).shuffle32([2, 3, 6, 7]).set(out[3]!);
  };

  const contiguousRows = () =>
    f.for(
      k,
      () => f.i32(0),
      () => f.get(K),
      1,
      () => {
        f.get(b).get(k).get(sbk).mul().get(j).add().i32(2).shl().add().set(src);
        f.get(bp).get(k).i32(5).shl().add().set(dst);
        f.get(dst).get(src).v128Load(0).v128Store(0);
        f.get(dst).get(src).v128Load(16).v128Store(16);
      },
    );

  const contiguousColumns = () => {
    // rowp[q]: column j + q of B, contiguous along k.
    for (let c = 0; c < PANEL; c++) {
      f.get(b).get(j).i32(c).add().get(sbn).mul().i32(2).shl().add().set(rowp[c]!);
    }
    f.i32(0).set(k);
    f.block(() =>
      f.loop(() => {
        f.get(k).i32(3).add().get(K).geS().brIf(1);
        for (let c = 0; c < PANEL; c++) {
          f.get(rowp[c]!).get(k).i32(2).shl().add().v128Load(0).set(r[c]!);
        }
        // r0..r3 -> columns k..k+3 of lanes 0..3, r4..r7 -> of lanes 4..7, in place.
        transpose4(r.slice(0, 4), r.slice(0, 4));
        transpose4(r.slice(4, 8), r.slice(4, 8));
        f.get(bp).get(k).i32(5).shl().add().set(dst);
        for (let kk = 0; kk < 4; kk++) {
          f.get(dst)
            .get(r[kk]!)
            .v128Store(32 * kk);
          f.get(dst)
            .get(r[4 + kk]!)
            .v128Store(32 * kk + 16);
        }
        f.get(k).i32(4).add().set(k);
        f.br(0);
      }),
    );
    // The last K mod 4 rows of the panel, one float at a time.
    f.for(
      k,
      () => f.get(k),
      () => f.get(K),
      1,
      () => {
        f.get(bp).get(k).i32(5).shl().add().set(dst);
        for (let c = 0; c < PANEL; c++) {
          f.get(dst)
            .get(rowp[c]!)
            .get(k)
            .i32(2)
            .shl()
            .add()
            .f32Load(0)
            .f32Store(4 * c);
        }
      },
    );
  };

  const general = () =>
    f.for(
      q,
      () => f.i32(0),
      () => f.i32(PANEL),
      1,
      () => {
        f.get(bp).get(q).i32(2).shl().add().set(dst);
        f.get(q).get(ncols).ltS();
        f.if(
          () => {
            f.get(b).get(j).get(q).add().get(sbn).mul().i32(2).shl().add().set(src);
            f.for(
              k,
              () => f.i32(0),
              () => f.get(K),
              1,
              () => {
                f.get(dst).get(src).f32Load(0).f32Store(0);
                f.get(src).get(sbk).i32(2).shl().add().set(src);
                f.get(dst)
                  .i32(PANEL * 4)
                  .add()
                  .set(dst);
              },
            );
          },
          () =>
            f.for(
              k,
              () => f.i32(0),
              () => f.get(K),
              1,
              () => {
                f.get(dst).f32(0).f32Store(0);
                f.get(dst)
                  .i32(PANEL * 4)
                  .add()
                  .set(dst);
              },
            ),
        );
      },
    );

  f.for(
    j,
    () => f.get(j0),
    () => f.get(j1),
    PANEL,
    () => {
      f.get(packed).get(j).get(K).mul().i32(2).shl().add().set(bp);
      f.get(N).get(j).sub().set(ncols);
      f.i32(PANEL).get(ncols).get(ncols).i32(PANEL).gtS().select().set(ncols);
      f.get(sbn).i32(1).eq().get(ncols).i32(PANEL).eq().and();
      f.if(contiguousRows, () => {
        f.get(sbk).i32(1).eq().get(ncols).i32(PANEL).eq().and();
        f.if(contiguousColumns, general);
      });
      // The column sums, from the packed panel (in L1 now): the bias gradient of a layer.
      f.get(colsum);
      f.if(() => {
        f.f32x4([0, 0, 0, 0]).set(s0);
        f.f32x4([0, 0, 0, 0]).set(s1);
        f.for(
          k,
          () => f.i32(0),
          () => f.get(K),
          1,
          () => {
            f.get(bp).get(k).i32(5).shl().add().set(dst);
            f.get(s0).get(dst).v128Load(0).simd('f32x4.add').set(s0);
            f.get(s1).get(dst).v128Load(16).simd('f32x4.add').set(s1);
          },
        );
        f.get(colsum).get(j).i32(2).shl().add().get(s0).v128Store(0);
        f.get(colsum).get(j).i32(2).shl().add().get(s1).v128Store(16);
      });
    },
  );
  return f;
}

/**
 * Chunk `index`'s part of [0, limit) (locals) in steps of the span `pushSpan` pushes (a local
 * or a descriptor field): start = index x span, then rangeEnd.
 */
function chunkRange(
  f: FunctionBuilder,
  index: number,
  pushSpan: () => void,
  limit: number,
  start: number,
  end: number,
) {
  f.get(index);
  pushSpan();
  f.mul().set(start);
  rangeEnd(f, pushSpan, limit, start, end);
}

/**
 * Returns from the function when `start` is past the end of [0, limit), else sets
 * end = min(limit, start + span).
 */
function rangeEnd(
  f: FunctionBuilder,
  pushSpan: () => void,
  limit: number,
  start: number,
  end: number,
) {
  f.get(start).get(limit).geS();
  f.if(() => f.ret());
  f.get(start);
  pushSpan();
  f.add().set(end);
  f.get(end).get(limit).get(end).get(limit).ltS().select().set(end);
}

/** What a GEMM task calls besides the partial helpers. */
export interface GemmTaskDeps extends PartialHelpers {
  packRange: FunctionBuilder;
  /** kernels.ts's adam(w, m, v, g, wOut, mOut, vOut, n, beta1, 1 - beta1, ...). */
  adam: FunctionBuilder;
  relaxed: boolean;
}

/**
 * gemm_<epilogue>(desc, chunk, scratch): the columns [chunk * cols, (chunk + 1) * cols) of the
 * product described at desc (GEMM layout), or for adam the rows [band * rowsPer, ...) by the
 * panels of group `chunk mod groups` (band = chunk / groups); scratch is 64 bytes of this
 * thread's own.
 */
export function gemmTaskFunction(epi: Epilogue, deps: GemmTaskDeps): FunctionBuilder {
  const f = new FunctionBuilder(`gemm_${epi}`, ['i32', 'i32', 'i32']);
  const [desc, index, scratch] = [0, 1, 2];
  const local = (type: 'i32' | 'v128') => f.local(type);
  const [a, sai, sak4, packed, c, ldc, m, n, K] = f.locals([
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [cols, j0, j1, j, i, bp, pb, kEnd, ncols] = f.locals([
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
  ]);
  const [full, n0, n1, ro, r0, r1] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [aux, aux2, aux3, out1, out2, out3] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const pa = Array.from({ length: TILE_ROWS }, () => local('i32'));
  const acc = Array.from({ length: TILE_ROWS }, () => [local('v128'), local('v128')] as const);
  const [vb0, vb1, va, x, y, z, sumsq] = f.locals([
    'v128',
    'v128',
    'v128',
    'v128',
    'v128',
    'v128',
    'v128',
  ]);
  const field = (name: keyof typeof GEMM.offset) => fieldLoad(f, desc, GEMM, name);
  const splatField = (name: keyof typeof GEMM.offset) => fieldSplat(f, desc, GEMM, name);
  const zero = () => f.f32x4([0, 0, 0, 0]);

  const madd = (p: number, q: number, into: number) => {
    if (deps.relaxed) f.get(p).get(q).get(into).simd('f32x4.relaxed_madd').set(into);
    else f.get(p).get(q).simd('f32x4.mul').get(into).simd('f32x4.add').set(into);
  };
  /** Valid lanes of half h of the panel: 4, or fewer in a partial panel. */
  const lanes = (h: number) => (h === 0 ? n0 : n1);
  /** Pushes the vector at base + ro + 16 h (whole, or the valid lanes through scratch). */
  const loadAt = (base: number, h: number, whole: boolean) => {
    if (whole)
      f.get(base)
        .get(ro)
        .add()
        .v128Load(16 * h);
    else
      f.get(base)
        .get(ro)
        .add()
        .i32(16 * h)
        .add()
        .get(lanes(h))
        .get(scratch)
        .call(deps.load4);
  };
  const storeAt = (base: number, h: number, v: number, whole: boolean) => {
    if (whole)
      f.get(base)
        .get(ro)
        .add()
        .get(v)
        .v128Store(16 * h);
    else
      f.get(base)
        .get(ro)
        .add()
        .i32(16 * h)
        .add()
        .get(v)
        .get(lanes(h))
        .get(scratch)
        .call(deps.store4);
  };

  /** The ending of one accumulator: v = acc[r][h], its row offset in `ro`. */
  const ending = (h: number, v: number, whole: boolean) => {
    switch (epi) {
      case 'store':
        storeAt(c, h, v, whole);
        return;
      case 'mask':
        // v * step(aux): tfjs's ReLU gradient multiplies, so a NaN gradient stays NaN.
        loadAt(aux, h, whole);
        zero().simd('f32x4.gt');
        f.f32x4([1, 1, 1, 1]).simd('v128.and');
        f.get(v).simd('f32x4.mul').set(v);
        storeAt(c, h, v, whole);
        return;
      case 'dsig':
        // v * (s (1 - s)), tfjs's order
        loadAt(aux, h, whole);
        f.set(x);
        f.get(v).get(x).f32x4([1, 1, 1, 1]).get(x).simd('f32x4.sub').simd('f32x4.mul');
        f.simd('f32x4.mul').set(v);
        storeAt(c, h, v, whole);
        return;
      case 'adam':
        // kernels.ts's adam, on g = v: m' = m b1 + g (1 - b1); v' = v b2 + g^2 (1 - b2);
        // w' = (m'/c1) / (sqrt(v'/c2) + eps) (-lr) + w. In place when aux is out1 (and so on):
        // every element is read before it is written.
        loadAt(aux2, h, whole);
        splatField('beta1').simd('f32x4.mul');
        f.get(v);
        splatField('omb1').simd('f32x4.mul').simd('f32x4.add').set(x);
        loadAt(aux3, h, whole);
        splatField('beta2').simd('f32x4.mul');
        f.get(v).get(v).simd('f32x4.mul');
        splatField('omb2').simd('f32x4.mul').simd('f32x4.add').set(y);
        emitFlushSubnormals(f, x);
        emitFlushSubnormals(f, y);
        f.get(sumsq).get(v).get(v).simd('f32x4.mul').simd('f32x4.add').set(sumsq);
        storeAt(out2, h, x, whole);
        storeAt(out3, h, y, whole);
        // (m' / c1) and (v' / c2) as products with 1 / c: one division a vector, not three
        // (within an ulp of tfjs's; the divisions dominate this ending's cost).
        f.get(x);
        splatField('rc1').simd('f32x4.mul');
        f.get(y);
        splatField('rc2').simd('f32x4.mul').simd('f32x4.sqrt');
        splatField('eps').simd('f32x4.add').simd('f32x4.div');
        splatField('negLr').simd('f32x4.mul');
        loadAt(aux, h, whole);
        f.simd('f32x4.add').set(z);
        storeAt(out1, h, z, whole);
        return;
    }
  };

  const tile = (rows: number) => {
    for (let r = 0; r < rows; r++) {
      if (epi === 'adam') {
        // A packed by gemm_pack: pa[r] = a + ((i >> 3) K 8 + (i & 7) + r) * 4, 32 bytes a k
        f.get(a).get(i).i32(3).shrU().get(K).mul().i32(5).shl().add();
        f.get(i).i32(7).and().i32(r).add().i32(2).shl().add().set(pa[r]!);
      } else {
        // pa[r] = a + (i + r) * sai * 4
        f.get(a).get(i).i32(r).add().get(sai).mul().i32(2).shl().add().set(pa[r]!);
      }
    }
    if (epi === 'store') {
      // The bias (zero without one) starts every row's accumulators.
      field('bias');
      f.if(
        () => {
          f.get(full);
          f.if(
            () => {
              for (let h = 0; h < 2; h++) {
                field('bias')
                  .get(j)
                  .i32(2)
                  .shl()
                  .add()
                  .v128Load(16 * h)
                  .set(acc[0]![h]!);
              }
            },
            () => {
              for (let h = 0; h < 2; h++) {
                field('bias')
                  .get(j)
                  .i32(2)
                  .shl()
                  .add()
                  .i32(16 * h)
                  .add()
                  .get(lanes(h))
                  .get(scratch)
                  .call(deps.load4)
                  .set(acc[0]![h]!);
              }
            },
          );
        },
        () => {
          zero().set(acc[0]![0]);
          zero().set(acc[0]![1]);
        },
      );
      for (let r = 1; r < rows; r++) {
        f.get(acc[0]![0]).set(acc[r]![0]);
        f.get(acc[0]![1]).set(acc[r]![1]);
      }
    } else {
      for (let r = 0; r < rows; r++) {
        zero().set(acc[r]![0]);
        zero().set(acc[r]![1]);
      }
    }
    f.get(bp).set(pb);
    f.block(() =>
      f.loop(() => {
        f.get(pb).get(kEnd).geS().brIf(1);
        f.get(pb).v128Load(0).set(vb0);
        f.get(pb).v128Load(16).set(vb1);
        for (let r = 0; r < rows; r++) {
          f.get(pa[r]!).loadSplat(0).set(va);
          madd(va, vb0, acc[r]![0]);
          madd(va, vb1, acc[r]![1]);
          f.get(pa[r]!).get(sak4).add().set(pa[r]!);
        }
        f.get(pb)
          .i32(PANEL * 4)
          .add()
          .set(pb);
        f.br(0);
      }),
    );
    if (epi === 'store') {
      // relu: max(x, 0); leaky relu: max(x, alpha x) for 0 <= alpha <= 1; both keep NaN.
      field('act').i32(1).eq();
      f.if(() => {
        for (let r = 0; r < rows; r++)
          for (const v of acc[r]!) {
            f.get(v);
            zero().simd('f32x4.max').set(v);
          }
      });
      field('act').i32(2).eq();
      f.if(() => {
        for (let r = 0; r < rows; r++)
          for (const v of acc[r]!) {
            f.get(v).get(v);
            splatField('alpha').simd('f32x4.mul').simd('f32x4.max').set(v);
          }
      });
    }
    const endings = (whole: boolean) => {
      for (let r = 0; r < rows; r++) {
        // ro = ((i + r) * ldc + j) * 4
        f.get(i).i32(r).add().get(ldc).mul().get(j).add().i32(2).shl().set(ro);
        for (let h = 0; h < 2; h++) ending(h, acc[r]![h]!, whole);
      }
    };
    f.get(full);
    f.if(
      () => endings(true),
      () => endings(false),
    );
  };

  const panel = () => {
    f.get(n).get(j).sub().set(ncols);
    f.i32(PANEL).get(ncols).get(ncols).i32(PANEL).gtS().select().set(ncols);
    f.get(ncols).i32(PANEL).eq().set(full);
    f.i32(4).get(ncols).get(ncols).i32(4).gtS().select().set(n0);
    f.get(ncols).get(n0).sub().set(n1);
    f.get(packed).get(j).get(K).mul().i32(2).shl().add().set(bp);
    f.get(bp).get(K).i32(5).shl().add().set(kEnd);
  };
  const panels = (body: () => void) =>
    f.for(
      j,
      () => f.get(j0),
      () => f.get(j1),
      PANEL,
      () => {
        panel();
        body();
      },
    );
  /** Tiles of TILE_ROWS rows over rows [r0, r1), then the rows left over one at a time. */
  const wholeTiles = (body: () => void) =>
    f.for(
      i,
      () => f.get(r0),
      () =>
        f
          .get(r1)
          .i32(TILE_ROWS - 1)
          .sub(),
      TILE_ROWS,
      body,
    );
  const leftoverRows = (body: () => void) =>
    f.for(
      i,
      () => f.get(i),
      () => f.get(r1),
      1,
      body,
    );

  // ---- body ----
  field('a').set(a);
  field('sai').set(sai);
  field('sak').i32(2).shl().set(sak4);
  field('packed').set(packed);
  field('c').set(c);
  field('ldc').set(ldc);
  field('m').set(m);
  field('n').set(n);
  field('k').set(K);
  field('cols').set(cols);
  field('aux').set(aux);
  field('aux2').set(aux2);
  field('aux3').set(aux3);
  field('out1').set(out1);
  field('out2').set(out2);
  field('out3').set(out3);
  zero().set(sumsq);

  if (epi === 'adam') {
    // Chunk `index` is rows [r0, r1) of the weight by the panels [j0, j1) of one group; B was
    // packed, and the bias moved, by gemm_pack. Rows outside, panels inside: a tile's rows of
    // the weight and its moments are read and written in runs of whole cache lines (a group's
    // width), where chunks of a few columns each touched one line per row, across pages; and
    // each A row tile serves the group's panels while it is in L1.
    const [band, group, width] = f.locals(['i32', 'i32', 'i32']);
    field('apacked').set(a);
    f.i32(PANEL * 4).set(sak4);
    f.get(index);
    field('groups').divU().set(band);
    f.get(index).get(band);
    field('groups').mul().sub().set(group);
    field('panelsPer').i32(PANEL).mul().set(width);
    chunkRange(f, group, () => f.get(width), n, j0, j1);
    chunkRange(f, band, () => field('rowsPer'), m, r0, r1);
    wholeTiles(() => panels(() => tile(TILE_ROWS)));
    leftoverRows(() => panels(() => tile(1)));
    // The chunk's squared gradient norm (the bias's is gemm_pack's).
    field('partials');
    f.if(() => {
      field('partials').get(index).i32(2).shl().add();
      f.get(sumsq).extractLane(0).get(sumsq).extractLane(1).f32Add();
      f.get(sumsq).extractLane(2).f32Add().get(sumsq).extractLane(3).f32Add();
      f.f32Store(0);
    });
  } else {
    // Chunks [0, bigChunks) are `cols` columns wide, the ones after them one panel.
    const big = f.local('i32');
    field('bigChunks').set(big);
    f.get(index).get(big).ltS();
    f.if(
      () => chunkRange(f, index, () => f.get(cols), n, j0, j1),
      () => {
        f.get(big).get(cols).mul();
        f.get(index).get(big).sub().i32(PANEL).mul().add().set(j0);
        rangeEnd(f, () => f.i32(PANEL), n, j0, j1);
      },
    );
    field('b');
    field('sbk');
    field('sbn');
    f.get(packed).get(K).get(n).get(j0).get(j1);
    field('colsum');
    f.call(deps.packRange);
    f.i32(0).set(r0);
    f.get(m).set(r1);
    panels(() => {
      wholeTiles(() => tile(TILE_ROWS));
      leftoverRows(() => tile(1));
    });
  }
  return f;
}

/**
 * gemm_pack(desc, chunk, scratch): the first task of Adam's product (GEMM layout): packs the
 * panels of B whose columns lie in [chunk * cols, (chunk + 1) * cols) with their column sums
 * (the bias gradient), moves those columns of the bias with Adam, and puts their squared bias
 * gradient in bpartials[chunk]. gemm_adam then reads the packed B.
 */
export function gemmPackTaskFunction(deps: GemmTaskDeps): FunctionBuilder {
  const f = new FunctionBuilder('gemm_pack', ['i32', 'i32', 'i32']);
  const [desc, index] = [0, 1];
  const [n, cols, j0, j1, j, bchunks] = f.locals(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const field = (name: keyof typeof GEMM.offset) => fieldLoad(f, desc, GEMM, name);
  field('n').set(n);
  field('cols').set(cols);
  // B's chunks are the first ceil(n / cols); the chunks after them pack A (the layer's input,
  // read transposed) into panels of 8 of its rows: gemm_adam then reads each tile's A in order,
  // where A^T read in place took one cache line per k, K lines apart (up to 1.6 times as long
  // at K = 768).
  f.get(n).get(cols).add().i32(1).sub().get(cols).divU().set(bchunks);
  f.get(index).get(bchunks).geS();
  f.if(() => {
    const [m, ai] = f.locals(['i32', 'i32']);
    field('m').set(m);
    f.get(index).get(bchunks).sub().set(ai);
    chunkRange(f, ai, () => field('acols'), m, j0, j1);
    // As B of $packRange: B[k][i] = A[i][k] = a[i sai + k sak].
    field('a');
    field('sak');
    field('sai');
    field('apacked');
    field('k');
    f.get(m).get(j0).get(j1).i32(0);
    f.call(deps.packRange);
    f.ret();
  });
  chunkRange(f, index, () => f.get(cols), n, j0, j1);
  field('b');
  field('sbk');
  field('sbn');
  field('packed');
  field('k');
  f.get(n).get(j0).get(j1);
  field('colsum');
  f.call(deps.packRange);
  field('bw');
  f.if(() => {
    for (const name of ['bw', 'bm', 'bv', 'colsum', 'bwOut', 'bmOut', 'bvOut'] as const) {
      field(name).get(j0).i32(2).shl().add();
    }
    f.get(j1).get(j0).sub();
    for (const name of ['beta1', 'omb1', 'beta2', 'omb2', 'c1', 'c2', 'negLr', 'eps'] as const) {
      field(name);
    }
    f.call(deps.adam);
  });
  field('bpartials');
  f.if(() => {
    const total = f.local('f32');
    const g = f.local('f32');
    f.f32(0).set(total);
    f.for(
      j,
      () => f.get(j0),
      () => f.get(j1),
      1,
      () => {
        field('colsum').get(j).i32(2).shl().add().f32Load(0).set(g);
        f.get(total).get(g).get(g).f32Mul().f32Add().set(total);
      },
    );
    field('bpartials').get(index).i32(2).shl().add().get(total).f32Store(0);
  });
  return f;
}
