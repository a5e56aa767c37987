// The compiled step (src/runtime/wasm/step/dense-step.ts) on one thread and on two: the same
// memory-resident model stepped through all four phases, once by the calling thread alone and
// once with a helper thread taking chunks of every task (gemm-pool.ts), must give the same
// bits: weights, moments, fakes and losses. Each chunk writes only its own part and the chunk
// counts do not depend on the threads, so who computed what cannot show.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiateKernels, type KernelExports } from '../../src/runtime/wasm/codegen/kernels';
import { CONTROL_SLOTS, GemmPool, type HelperInit } from '../../src/runtime/wasm/gemm-pool';
import {
  ALL_LEVERS,
  DenseStep,
  type StepLevers,
  type TrainedLayer,
} from '../../src/runtime/wasm/step/dense-step';
import { type StepDims, Workspace } from '../../src/runtime/wasm/step/workspace';
import { measureGemmPeak } from '../../src/runtime/wasm/step/peak';
import type { AdamStep } from '../../src/runtime/wasm/step/tasks';
import { random } from '../helpers/random';

const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared: true });
const f32 = () => new Float32Array(memory.buffer);
let top = 1 << 16;
function alloc(bytes: number): number {
  const at = top;
  top += Math.ceil(bytes / 64) * 64;
  return at;
}
function put(values: ArrayLike<number>): number {
  const at = alloc(values.length * 4);
  f32().set(values, at / 4);
  return at;
}
const read = (at: number, n: number) => f32().slice(at / 4, at / 4 + n);

let kernels: KernelExports;
let pool: GemmPool;
const control = alloc(CONTROL_SLOTS * 4);
/** Whether the helper thread had started by the end of beforeAll. */
let ready = false;
const scratch = [alloc(64), alloc(64)];

beforeAll(async () => {
  kernels = instantiateKernels(memory, {
    memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
    relaxed: false,
  });
  const helper = new Worker(new URL('../helpers/gemm-helper-thread.mjs', import.meta.url), {
    workerData: { memory, relaxed: false, control, scratch: scratch[1]! } satisfies HelperInit,
  });
  pool = new GemmPool(kernels, memory, control, [helper]);
  // Until the helper has loaded its kernels it claims nothing; the results are right anyway.
  ready = await pool.whenReady(30_000);
});
afterAll(() => pool.dispose());

const dims: StepDims = { pixels: 784, hidden: 512, latent: 16, batch: 64 };

/** A dense layer in the memory with Adam moments and room for its new values. */
function layer(inputs: number, outputs: number, seed: number): TrainedLayer {
  const size = inputs * outputs;
  const out = () => alloc(size * 4);
  const outB = () => alloc(outputs * 4);
  const limit = Math.sqrt(6 / (inputs + outputs));
  return {
    w: put(random(size, seed).map((v) => v * limit)),
    b: put(random(outputs, seed + 1).map((v) => v * 0.01)),
    wm: put(random(size, seed + 2).map((v) => v * 1e-3)),
    wv: put(random(size, seed + 3).map((v) => (v + 1) * 1e-6)),
    bm: put(random(outputs, seed + 4).map((v) => v * 1e-3)),
    bv: put(random(outputs, seed + 5).map((v) => (v + 1) * 1e-6)),
    wOut: out(),
    bOut: outB(),
    wmOut: out(),
    wvOut: out(),
    bmOut: outB(),
    bvOut: outB(),
  };
}

/** Phase 1 again on batch `x`, with the encoder and decoder the phase 1 before moved (in place). */
function vaeAgain(
  step: DenseStep,
  x: number,
  eps: number,
  enc: readonly [TrainedLayer, TrainedLayer],
  dec: readonly [TrainedLayer, TrainedLayer],
  adam: AdamStep,
  token?: number,
) {
  const movedOn = (l: TrainedLayer): TrainedLayer => ({ ...l, w: l.wOut, b: l.bOut });
  return step.vae({
    x,
    eps,
    encoder: [movedOn(enc[0]), movedOn(enc[1])],
    decoder: [movedOn(dec[0]), movedOn(dec[1])],
    adam,
    beta: 1,
    freeBits: 0,
    ...(token === undefined ? {} : { token }),
  });
}

/**
 * Every output of one compiled step over the model laid out in the memory. With `next`, phase 3
 * is given the next step's batch with token `next.started`, and a phase 1 on that batch follows
 * with token `next.given` (its losses and the encoder it moved are in the outputs too).
 */
function oneStep(
  threads: 1 | 2,
  levers: StepLevers = ALL_LEVERS,
  next?: { started: number; given: number },
) {
  const { pixels: P, hidden: H, latent: L, batch: B } = dims;
  const workspace = new Workspace(dims, alloc);
  const step = new DenseStep(
    { kernels, memory, pool: threads === 2 ? pool : undefined, scratch: scratch[0]! },
    workspace,
    levers,
  );
  const enc = [layer(P, H, 1), layer(H, 2 * L, 11)] as const;
  const dec = [layer(L, H, 21), layer(H, P, 31)] as const;
  const dis = [layer(P, H, 41), layer(H, 1, 51)] as const;
  const x = put(random(B * P, 61).map((v) => (v + 1) / 2));
  const eps = put(random(B * L, 62));
  const zPrior = put(random(B * L, 63));
  const adam = { beta1: 0.5, beta2: 0.999, c1: 0.5, c2: 0.001, learningRate: 1e-3, epsilon: 1e-7 };
  const vae = step.vae({ x, eps, encoder: enc, decoder: dec, adam, beta: 1, freeBits: 0 });
  const moved = (l: TrainedLayer) => ({ w: l.wOut, b: l.bOut });
  const floats = {
    zTilde: B * L,
    xTilde: B * P,
    xPrior: B * P,
    stack: 3 * B * P,
    hidden: 2 * B * H,
    latents: 2 * B * L,
  };
  const out = Object.fromEntries(
    Object.entries(floats).map(([name, n]) => [name, alloc(n * 4)]),
  ) as Record<keyof typeof floats, number>;
  const encNew = [moved(enc[0]), moved(enc[1])] as const;
  const decNew = [moved(dec[0]), moved(dec[1])] as const;
  // With D as phase 2 takes it, so that fakes starts phase 2's first product ahead.
  step.fakes({
    x,
    eps,
    zPrior,
    encoder: encNew,
    decoder: decNew,
    generator: decNew,
    discriminator: dis,
    out,
  });
  const d = step.discriminator({ stack: out.stack, discriminator: dis, adam, threeBatches: true });
  // G through the D just moved, on the decoder phase 1 moved (its moments in place of the old).
  const gen = [layer(L, H, 71), layer(H, P, 81)].map((l, i) => ({
    ...l,
    w: decNew[i]!.w,
    b: decNew[i]!.b,
  }));
  const x2 = next ? put(random(B * P, 64).map((v) => (v + 1) / 2)) : 0;
  const g = step.generator({
    stack: out.stack,
    hidden: out.hidden,
    latents: out.latents,
    discriminator: [moved(dis[0]), moved(dis[1])],
    generator: [gen[0]!, gen[1]!],
    adam,
    threeBatches: true,
    form: 'non-saturating',
    separate: false,
    ...(next ? { next: { x: x2, encoder: encNew[0], token: next.started } } : {}),
  });
  const second = next ? vaeAgain(step, x2, eps, enc, dec, adam, next.given) : undefined;
  const sizes = (l: TrainedLayer, n: number, o: number) =>
    [l.wOut, l.wmOut, l.wvOut]
      .map((at) => read(at, n * o))
      .concat([l.bOut, l.bmOut, l.bvOut].map((at) => read(at, o)));
  return {
    losses: [
      vae.reconstruction,
      vae.kl,
      vae.gradSq.encoder ?? NaN,
      vae.gradSq.decoder ?? NaN,
      d.discriminator,
      d.dReal,
      d.dRecon,
      d.dPrior,
      d.gradSq.discriminator ?? NaN,
      g.generator,
      g.gradSq.generator ?? NaN,
      ...(second ? [second.reconstruction, second.kl] : []),
    ],
    tensors: [
      ...sizes(enc[0], P, H),
      ...sizes(enc[1], H, 2 * L),
      ...sizes(dec[0], L, H),
      ...sizes(dec[1], H, P),
      ...sizes(dis[0], P, H),
      ...sizes(dis[1], H, 1),
      ...sizes(gen[0]!, L, H),
      ...sizes(gen[1]!, H, P),
      ...(Object.keys(out) as (keyof typeof out)[]).map((name) => read(out[name], floats[name])),
    ],
  };
}

describe('the compiled step with a lever off (what bench/step-engine.ts times)', () => {
  for (const lever of Object.keys(ALL_LEVERS) as (keyof StepLevers)[]) {
    it(`${lever} off: the same step`, () => {
      top = 1 << 20;
      const on = oneStep(1);
      top = 1 << 20;
      const off = oneStep(2, { ...ALL_LEVERS, [lever]: false });
      // The losses without the gradient norms (the unfused Adam does not measure them).
      const losses = (l: number[]) => [l[0], l[1], l[4], l[5], l[6], l[7], l[9]];
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
      expect(losses(off.losses).every((v, i) => close(v!, losses(on.losses)[i]!))).toBe(true);
      let worst = 0;
      off.tensors.forEach((t, i) => {
        const u = on.tensors[i]!;
        let scale = 1e-30;
        for (const v of u) scale = Math.max(scale, Math.abs(v));
        for (let j = 0; j < t.length; j++) worst = Math.max(worst, Math.abs(t[j]! - u[j]!) / scale);
      });
      expect(worst).toBeLessThan(1e-5);
    });
  }
});

describe('the compiled step on two threads', () => {
  it('gives the single thread’s bits, with the helper working on the tasks', () => {
    const tasks = pool.taskCount;
    const helped = pool.helperChunks;
    const used = pool.usedCount;
    top = 1 << 20;
    const alone = oneStep(1);
    top = 1 << 20; // the same addresses, so the outputs are compared in place
    const both = oneStep(2);
    expect(both.losses).toEqual(alone.losses);
    expect(both.losses.every(Number.isFinite)).toBe(true);
    expect(both.tensors.length).toBe(alone.tensors.length);
    // Bit for bit (NaN included), tensor by tensor; a loop, as deep equality is slow on millions.
    const differing = both.tensors.filter((t, i) => {
      const a = new Uint32Array(alone.tensors[i]!.buffer);
      const b = new Uint32Array(t.buffer);
      return a.length !== b.length || a.some((v, j) => v !== b[j]);
    });
    expect(differing.length).toBe(0);
    expect(pool.taskCount - tasks).toBeGreaterThan(10);
    expect(pool.helperChunks).toBeGreaterThan(helped);
    // The first products of the fakes, phase 2 and phase 3 were started by the phase before.
    expect(pool.usedCount - used).toBe(3);
  });

  it('starts the next step’s first product in phase 3, for the batch of its token only', () => {
    top = 1 << 20;
    const alone = oneStep(1, ALL_LEVERS, { started: 5, given: 5 });
    for (const given of [5, 6]) {
      const used = pool.usedCount;
      top = 1 << 20;
      const both = oneStep(2, ALL_LEVERS, { started: 5, given });
      expect(both.losses.length).toBe(13);
      expect(both.losses).toEqual(alone.losses);
      const differing = both.tensors.filter((t, i) => {
        const a = new Uint32Array(alone.tensors[i]!.buffer);
        const b = new Uint32Array(t.buffer);
        return a.length !== b.length || a.some((v, j) => v !== b[j]);
      });
      expect(differing.length).toBe(0);
      // Three products within the step, and phase 1's of the next step when the token is its.
      expect(pool.usedCount - used).toBe(given === 5 ? 4 : 3);
    }
  });

  it('takes a product started ahead only in the phase it was started for', () => {
    const { pixels: P, hidden: H, latent: L, batch: B } = dims;
    const adam = {
      beta1: 0.5,
      beta2: 0.999,
      c1: 0.5,
      c2: 0.001,
      learningRate: 1e-3,
      epsilon: 1e-7,
    };
    /** Phase 1 twice: the second on a new batch at the same address, with the moved encoder. */
    const twice = (threads: 1 | 2) => {
      top = 1 << 20;
      const step = new DenseStep(
        { kernels, memory, pool: threads === 2 ? pool : undefined, scratch: scratch[0]! },
        new Workspace(dims, alloc),
      );
      const enc = [layer(P, H, 1), layer(H, 2 * L, 11)] as const;
      const dec = [layer(L, H, 21), layer(H, P, 31)] as const;
      const x = put(random(B * P, 61).map((v) => (v + 1) / 2));
      const eps = put(random(B * L, 62));
      step.vae({ x, eps, encoder: enc, decoder: dec, adam, beta: 1, freeBits: 0 });
      // The fakes do not come (phase 1 alone): the product started for them must not serve the
      // next phase 1, whose first product has the same addresses but a batch that changed.
      f32().set(
        random(B * P, 99).map((v) => (v + 1) / 2),
        x / 4,
      );
      return vaeAgain(step, x, eps, enc, dec, adam).reconstruction;
    };
    const started = pool.startedCount;
    const used = pool.usedCount;
    const alone = twice(1);
    const both = twice(2);
    expect(pool.startedCount - started).toBe(2);
    expect(pool.usedCount - used).toBe(0);
    expect(both).toBe(alone);
  });
});

describe('the GEMM peak of the pool', () => {
  it('waits for the helper, then measures on both threads', () => {
    expect(ready).toBe(true);
    expect(pool.readyHelpers).toBe(1);
    top = 1 << 20;
    const peak = measureGemmPeak(
      { kernels, memory, pool, scratch: scratch[0]! },
      (bytes) => {
        const at = alloc(bytes);
        if (top > memory.buffer.byteLength)
          memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
        return at;
      },
      () => undefined,
      40,
    );
    expect(peak.threads).toBe(2);
    expect(peak.gmacs).toBeGreaterThan(0.1);
  });
});
