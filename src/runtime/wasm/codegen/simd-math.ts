/**
 * exp, log1p and the logistic function on four floats at once, emitted into a kernel being
 * built (WebAssembly has no transcendental instructions). Cephes-style: range reduction, then a
 * short polynomial; exp is within about 2 ulp of float32's correctly rounded result over the
 * range the losses use, log1p(t) for t in [0, 1] within about 1e-7 absolute. The training step's
 * losses and their gradients (step-elementwise.ts) need nothing more.
 */
import type { FunctionBuilder } from './asm';

const LOG2E = 1.4426950408889634;
// ln 2 split in two, so that n * LN2_HI is exact for the |n| < 2^8 that occur.
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
/** exp(x) leaves float32's normal range below this (and is clamped there: about 1e-38). */
const EXP_MIN = -87.33654;
/** Clamped above: exp(88) is about 1.7e38, and n = 127 is the largest exponent that fits. */
const EXP_MAX = 88;
/** Cephes expf: e^r = 1 + r + r^2 (P0 + P1 r + ... + P5 r^5) on |r| <= ln2 / 2. */
const EXP_P = [
  5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3,
  1.98756915e-4,
];
/** Cephes logf: log(1 + f) = f - f^2 / 2 + f^3 P(f) on sqrt(1/2) - 1 <= f <= sqrt(2) - 1. */
const LOG_P = [
  3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1,
  -1.2420140846e-1, 1.167699874e-1, -1.151461031e-1, 7.0376836292e-2,
];

const splat = (f: FunctionBuilder, x: number) => f.f32(x).simd('f32x4.splat');

/** Locals a math helper reuses within one function, made on first use. */
export class MathLocals {
  private readonly pool: number[] = [];
  constructor(private readonly f: FunctionBuilder) {}
  /** The `i`-th temporary v128 local of this function. */
  t(i: number): number {
    while (this.pool.length <= i) this.pool.push(this.f.local('v128'));
    return this.pool[i]!;
  }
}

/** Pushes p(x) = c[last] x^(n-1) + ... + c[0] by Horner's rule (x a v128 local). */
function horner(f: FunctionBuilder, x: number, c: readonly number[]) {
  splat(f, c[c.length - 1]!);
  for (let i = c.length - 2; i >= 0; i--) {
    f.get(x).simd('f32x4.mul');
    splat(f, c[i]!).simd('f32x4.add');
  }
}

/**
 * out = exp(x), four lanes; x and out are v128 locals (may be the same). NaN stays NaN; below
 * about -87.3 the result is clamped near 1e-38 rather than reaching 0, above 88 at exp(88).
 */
export function emitExp(f: FunctionBuilder, m: MathLocals, x: number, out: number) {
  const xc = m.t(0);
  const n = m.t(1);
  const r = m.t(2);
  // WebAssembly's f32x4.min and max propagate NaN, so a NaN of x stays NaN through to out.
  f.get(x);
  splat(f, EXP_MIN).simd('f32x4.max');
  splat(f, EXP_MAX).simd('f32x4.min').set(xc);
  // n = round(x log2 e); r = x - n ln2 (in two parts).
  f.get(xc);
  splat(f, LOG2E).simd('f32x4.mul').simd('f32x4.nearest').set(n);
  f.get(xc).get(n);
  splat(f, LN2_HI).simd('f32x4.mul').simd('f32x4.sub');
  f.get(n);
  splat(f, LN2_LO).simd('f32x4.mul').simd('f32x4.sub').set(r);
  // e^r = 1 + r + r^2 P(r)
  horner(f, r, EXP_P);
  f.get(r).get(r).simd('f32x4.mul').simd('f32x4.mul');
  f.get(r).simd('f32x4.add');
  splat(f, 1).simd('f32x4.add');
  // times 2^n, built in the exponent bits: (n + 127) << 23.
  f.get(n).simd('i32x4.trunc_sat_f32x4_s');
  f.i32(127).simd('i32x4.splat').simd('i32x4.add');
  f.i32(23).simd('i32x4.shl');
  f.simd('f32x4.mul').set(out);
}

/**
 * out = log(1 + t) for t in [0, 1] (the tail of every sigmoid cross-entropy, t = exp(-|l|)).
 * u = 1 + t is in [1, 2]; the rounding of 1 + t is corrected by (t - (u - 1)) / u.
 */
export function emitLog1pUnit(f: FunctionBuilder, m: MathLocals, t: number, out: number) {
  const u = m.t(3);
  const big = m.t(4);
  const g = m.t(5);
  const z = m.t(6);
  f.get(t);
  splat(f, 1).simd('f32x4.add').set(u);
  // u >= sqrt 2: log u = ln 2 + log(u / 2), with u / 2 - 1 in [sqrt(1/2) - 1, 0].
  f.get(u);
  splat(f, Math.SQRT2).simd('f32x4.ge').set(big);
  // g = big ? u / 2 - 1 : u - 1 (both exact in float32)
  f.get(u);
  splat(f, 0.5).simd('f32x4.mul');
  splat(f, 1).simd('f32x4.sub');
  f.get(u);
  splat(f, 1).simd('f32x4.sub');
  f.get(big).simd('v128.bitselect').set(g);
  f.get(g).get(g).simd('f32x4.mul').set(z);
  // log(1 + g) = g - z/2 + g z P(g)
  horner(f, g, LOG_P);
  f.get(g).simd('f32x4.mul').get(z).simd('f32x4.mul');
  f.get(z);
  splat(f, 0.5).simd('f32x4.mul').simd('f32x4.sub');
  f.get(g).simd('f32x4.add');
  // + ln 2 where big
  splat(f, Math.LN2).get(big).simd('v128.and').simd('f32x4.add');
  // + (t - (u - 1)) / u: what rounding 1 + t lost
  f.get(t).get(u);
  splat(f, 1).simd('f32x4.sub').simd('f32x4.sub');
  f.get(u).simd('f32x4.div').simd('f32x4.add').set(out);
}

/**
 * From logits l: e = exp(-|l|) into `e` and the logistic function s = 1 / (1 + exp(-l)) into
 * `s`, written as (l >= 0 ? 1 : e) / (1 + e) so that neither overflows.
 */
export function emitSigmoid(f: FunctionBuilder, m: MathLocals, l: number, e: number, s: number) {
  f.get(l).simd('f32x4.abs').simd('f32x4.neg').set(e);
  emitExp(f, m, e, e);
  splat(f, 1).get(e).get(l);
  splat(f, 0).simd('f32x4.ge').simd('v128.bitselect');
  splat(f, 1).get(e).simd('f32x4.add').simd('f32x4.div').set(s);
}

/** The smallest normal float32: below it a float is subnormal (denormal). */
export const FLT_MIN = 1.1754943508222875e-38;

/**
 * Sets the lanes of v128 local `x` that are subnormal to zero (flush to zero), in place. Adam's
 * moments need it: a moment whose gradient stays 0 (a dead unit, a pixel no image of a while
 * has lit) decays by beta each step and turns subnormal after some 800 steps, and x86 computes
 * on subnormal floats through microcode, a hundred times slower. WebAssembly has no flush-to-zero
 * mode, so the kernels flush where the moments are stored. An update from a subnormal moment is
 * below a weight's last bit anyway.
 */
export function emitFlushSubnormals(f: FunctionBuilder, x: number) {
  f.get(x).get(x).simd('f32x4.abs');
  splat(f, FLT_MIN).simd('f32x4.ge').simd('v128.and').set(x);
}

/** emitFlushSubnormals for f32 local `x`. */
export function emitFlushSubnormal(f: FunctionBuilder, x: number) {
  f.get(x).f32(0).get(x).f32Abs().f32(FLT_MIN).f32Ge().select().set(x);
}
