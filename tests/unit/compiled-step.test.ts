// The compiled training step (src/runtime/wasm/tfjs/dense-step.ts through src/model/compiled-*.ts)
// against tfjs's autograd, its reference, on the wasm backend: two models from the same seed,
// one stepped with the compiled kernels registered, the other without, must give the same
// losses, gradients (Adam's first moments after one step are 0.1 g or 0.5 g), updated weights
// and second moments, and Adam counts, within float32 tolerance, phase by phase and for whole
// steps: shared and separate, pixel loss, both adversarial forms, D on three and two batches,
// GAN only, gradient norms, the equilibrium gate. What the kernels do not cover falls back to
// autograd by itself (tf.profile shows which kernels ran), and nothing leaks.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledSupport, COMPILED_KERNELS } from '../../src/model/compiled-step';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type Hyperparams,
  type ModelConfig,
} from '../../src/shared/config';
import { type Fakes, VaeGan } from '../../src/model/vaegan';
import {
  installWasmCompiledStep,
  uninstallWasmCompiledStep,
} from '../../src/runtime/wasm/tfjs/dense-step';
import { installAfterWasmStart, installAppWasmKernels } from '../../src/runtime/wasm/tfjs/install';

beforeAll(async () => {
  installAppWasmKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  installAfterWasmStart();
});
afterAll(async () => {
  uninstallWasmCompiledStep();
  await tf.setBackend('cpu');
});

/** Small networks on every tile edge: 49 pixels, 36 hidden units, 3 latents, batch 10. */
const EDGES: ModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  hiddenUnits: 36,
  latentDim: 3,
  image: { width: 7, height: 7, channels: 1 },
};
/** The default model's sizes (784-512-16) at a smaller batch. */
const SEED_SIZES: ModelConfig = { ...DEFAULT_MODEL_CONFIG };
const hp = (over: Partial<Hyperparams> = {}): Hyperparams => ({
  ...DEFAULT_HYPERPARAMS,
  gamma: 1,
  ...over,
});

const pixels = (c: ModelConfig) => c.image.width * c.image.height * c.image.channels;
const batchOf = (c: ModelConfig, batch: number, seed = 3) =>
  tf.randomUniform([batch, pixels(c)], 0, 1, 'float32', seed) as tf.Tensor2D;

/** Runs `f` with the compiled kernels registered or not. */
function withCompiled<T>(on: boolean, f: () => T): T {
  if (on) installWasmCompiledStep();
  else uninstallWasmCompiledStep();
  try {
    return f();
  } finally {
    installWasmCompiledStep();
  }
}

/** Every variable of the model and of its three optimisers, by name, with the Adam counts. */
async function state(m: VaeGan) {
  const out: Record<string, Float32Array> = {};
  for (const group of ['encoder', 'decoder', 'generator', 'discriminator'] as const) {
    // By position: layer names carry a per-model suffix.
    for (const [i, v] of m.vars[group].entries()) {
      out[`${group}:${i}`] = (await v.data()) as Float32Array;
    }
  }
  const counts: Record<string, number[]> = {};
  for (const [name, opt] of Object.entries(m.optimizers)) {
    const o = opt as unknown as {
      accBeta1: tf.Variable;
      accBeta2: tf.Variable;
      accumulatedFirstMoment: { variable: tf.Variable }[];
      accumulatedSecondMoment: { variable: tf.Variable }[];
    };
    counts[name] = [opt.iterations, (await o.accBeta1.data())[0]!, (await o.accBeta2.data())[0]!];
    for (const [i, e] of (o.accumulatedFirstMoment ?? []).entries()) {
      out[`${name}:m${i}`] = (await e.variable.data()) as Float32Array;
    }
    for (const [i, e] of (o.accumulatedSecondMoment ?? []).entries()) {
      out[`${name}:v${i}`] = (await e.variable.data()) as Float32Array;
    }
  }
  return { tensors: out, counts };
}

/**
 * How far two states are apart: the weights by their largest absolute difference (an Adam step
 * moves a weight by about the learning rate, and by less where |g| is near Adam's epsilon, where
 * float32 rounding of g shows most), the moments by their largest difference relative to the
 * tensor's largest magnitude; with the tensor where each is worst.
 */
function worstDifference(a: Record<string, Float32Array>, b: Record<string, Float32Array>) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  const worst = { weights: 0, weightsAt: '', moments: 0, momentsAt: '' };
  for (const name of Object.keys(a)) {
    const x = a[name]!;
    const y = b[name]!;
    const moment = /:[mv]\d+$/.test(name);
    let scale = 1e-30;
    if (moment) for (const v of y) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < x.length; i++) {
      let d = Math.abs(x[i]! - y[i]!) / (moment ? scale : 1);
      if (Number.isNaN(d)) d = Infinity;
      if (moment && d > worst.moments) [worst.moments, worst.momentsAt] = [d, name];
      if (!moment && d > worst.weights) [worst.weights, worst.weightsAt] = [d, name];
    }
  }
  return worst;
}

/** One phase from the same state: moments (so gradients) to 1e-5, weights to 2 % of a step. */
function expectOneStepApart(d: ReturnType<typeof worstDifference>, lr = 1e-3) {
  expect(d.moments, d.momentsAt).toBeLessThan(1e-5);
  expect(d.weights, d.weightsAt).toBeLessThan(0.02 * lr);
}

async function values(t: tf.TensorContainer): Promise<number[]> {
  const list =
    t instanceof tf.Tensor
      ? [t]
      : Array.isArray(t)
        ? t
        : Object.values(t as Record<string, tf.Tensor>);
  return (
    await Promise.all(list.map(async (x) => Array.from(await (x as tf.Tensor).data())))
  ).flat();
}

function expectClose(a: number[], b: number[], tol: number) {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i]!;
    if (Number.isNaN(y)) expect(x).toBeNaN();
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y)));
  });
}

/**
 * Two models from one seed; `act` runs on each (compiled, then autograd) and returns tensors
 * that are compared, then freed; then every weight, moment and count is compared.
 */
async function bothWays(
  config: ModelConfig,
  batch: number,
  act: (m: VaeGan, x: tf.Tensor2D) => tf.TensorContainer,
  tol = 2e-5,
) {
  const x = batchOf(config, batch);
  const models = [new VaeGan(config, hp()), new VaeGan(config, hp())] as const;
  const outs: number[][] = [];
  for (const [i, m] of models.entries()) {
    const result = withCompiled(i === 0, () => act(m, x));
    outs.push(await values(result));
    tf.dispose(result);
  }
  const [compiled, reference] = await Promise.all(models.map(state));
  expect(compiled!.counts).toEqual(reference!.counts);
  const diff = worstDifference(compiled!.tensors, reference!.tensors);
  for (const m of models) m.dispose();
  x.dispose();
  expectClose(outs[0]!, outs[1]!, tol);
  return diff;
}

/** The fakes' four shared tensors and, when compiled, its own. */
const fakeTensors = (f: Fakes) => [f.zTilde, f.zPrior, f.xTilde, f.xPrior, f.compiled];

describe('each phase, compiled against autograd, from the same state', () => {
  for (const [label, config, batch] of [
    ['tile edges', EDGES, 10],
    ['the default sizes', SEED_SIZES, 32],
  ] as const) {
    it(`phase 1 (VAE, pixel loss): losses, weights, moments (${label})`, async () => {
      const d = await bothWays(config, batch, (m, x) => {
        const r = m.vaePhase(x, hp());
        return [r.reconstruction, r.kl];
      });
      expectOneStepApart(d);
    });

    it(`the fakes: z, x_tilde and x_prior (${label})`, async () => {
      await bothWays(config, batch, (m, x) => {
        const f = m.drawFakes(x);
        const out = [f.zTilde.clone(), f.zPrior.clone(), f.xTilde.clone(), f.xPrior.clone()];
        tf.dispose(fakeTensors(f));
        return out;
      });
    });

    for (const reconstructionsInD of [true, false]) {
      it(`phase 2 (D on ${reconstructionsInD ? 'three' : 'two'} batches) (${label})`, async () => {
        const d = await bothWays(config, batch, (m, x) => {
          const f = m.drawFakes(x);
          const r = m.discriminatorPhase(x, f, hp({ reconstructionsInD }));
          tf.dispose(fakeTensors(f));
          return r;
        });
        expectOneStepApart(d);
      });
    }
  }

  for (const variant of ['shared', 'separate'] as const) {
    for (const adversarialForm of ['non-saturating', 'minimax'] as const) {
      for (const reconstructionsInD of [true, false]) {
        it(`phase 3 (G, ${variant}, ${adversarialForm}, ${reconstructionsInD ? 'three' : 'two'} batches)`, async () => {
          const h = hp({ adversarialForm, reconstructionsInD, gamma: 0.5 });
          const d = await bothWays({ ...EDGES, variant }, 12, (m, x) => {
            const f = m.drawFakes(x);
            const dOut = m.discriminatorPhase(x, f, h);
            const g = m.generatorPhase(f, h);
            tf.dispose(fakeTensors(f));
            return [...Object.values(dOut), g.generator];
          });
          expectOneStepApart(d);
        });
      }
    }
  }

  it('phase 3 with gamma 0 only measures, as autograd does', async () => {
    const d = await bothWays(EDGES, 10, (m, x) => {
      const f = m.drawFakes(x);
      const g = m.generatorPhase(f, hp({ gamma: 0 }));
      tf.dispose(fakeTensors(f));
      return [g.generator];
    });
    // Nothing moved in either: the same initial weights, no moments made.
    expect(d).toEqual({ weights: 0, weightsAt: '', moments: 0, momentsAt: '' });
  });
});

describe('whole steps, compiled against autograd', () => {
  for (const variant of ['shared', 'separate'] as const) {
    it(`five steps (${variant}): the same curves, weights, moments and counts`, async () => {
      const d = await bothWays(
        { ...EDGES, variant },
        10,
        (m, x) => {
          const metrics: tf.Tensor[] = [];
          for (let i = 0; i < 5; i++) metrics.push(m.trainStep(x, hp({ gamma: 0.3 })));
          return metrics;
        },
        1e-4,
      );
      // Five Adam steps carry the float32 differences on a little.
      expect(d.moments, d.momentsAt).toBeLessThan(2e-3);
      expect(d.weights, d.weightsAt).toBeLessThan(0.1 * 1e-3);
    });
  }

  it('GAN only: phase 1 measures, D sees two batches, G steps at lrG', async () => {
    const d = await bothWays(EDGES, 10, (m, x) => {
      const before = m.vars.encoder.map((v) => v.clone());
      const metrics = m.trainStep(x, hp({ ganOnly: true }));
      const moved = tf.addN(before.map((b, i) => tf.sum(tf.abs(tf.sub(b, m.vars.encoder[i]!)))));
      tf.dispose(before);
      return [metrics, moved];
    });
    expectOneStepApart(d);
  });

  it('the equilibrium gate reads the compiled fakes and gates the compiled phases', async () => {
    const x = batchOf(EDGES, 10);
    const models = [new VaeGan(EDGES, hp()), new VaeGan(EDGES, hp())];
    const metrics: number[][] = [];
    for (const [i, m] of models.entries()) {
      if (i === 1) uninstallWasmCompiledStep();
      for (let s = 0; s < 3; s++) {
        const out = await m.trainStepAsync(x, hp({ equilibriumGate: true }));
        metrics.push(Array.from(await out.data()));
        out.dispose();
      }
      installWasmCompiledStep();
    }
    expectClose(metrics.slice(0, 3).flat(), metrics.slice(3).flat(), 1e-4);
    expect(models[0]!.lastGate).toEqual({
      ...models[1]!.lastGate,
      realBce: expect.any(Number),
      fakeBce: expect.any(Number),
    });
    tf.dispose(x);
    for (const m of models) m.dispose();
  });

  it('gives the same squared gradient norms per network as autograd', async () => {
    for (const variant of ['shared', 'separate'] as const) {
      await bothWays({ ...EDGES, variant }, 10, (m, x) => {
        const metrics = m.trainStep(x, hp({ gamma: 0.5 }), undefined, { gradientNorms: true });
        const norms = m.takeGradientNorms()!;
        expect(norms.shape).toEqual([4]);
        expect(m.takeGradientNorms()).toBeUndefined();
        return [metrics, norms];
      });
    }
  });

  it('moves a weight in place, unless a clone (the guard’s copy) shares its buffer', async () => {
    const m = new VaeGan(EDGES, hp());
    const x = batchOf(EDGES, 10);
    m.trainStep(x, hp()).dispose(); // makes the moments
    const [free, held] = [m.vars.discriminator[0]!, m.vars.discriminator[2]!];
    const freeId = free.dataId;
    const heldId = held.dataId;
    const copy = tf.clone(held);
    const before = Array.from(await copy.data());
    m.trainStep(x, hp()).dispose();
    expect(free.dataId).toBe(freeId);
    expect(held.dataId).not.toBe(heldId);
    expect(Array.from(await copy.data())).toEqual(before);
    expect(Array.from(await held.data())).not.toEqual(before);
    tf.dispose([copy, x]);
    m.dispose();
  });

  it('does not reuse fakes whose decoder has moved since (the phase goes to autograd)', async () => {
    const m = new VaeGan(EDGES, hp());
    const x = batchOf(EDGES, 10);
    const f = m.drawFakes(x);
    tf.dispose(m.vaePhase(x, hp())); // moves the decoder, in place
    const info = await tf.profile(() => m.generatorPhase(f, hp()));
    const names = info.kernels.map((k) => k.name);
    expect(names).not.toContain(COMPILED_KERNELS.generator);
    expect(names).toContain('_FusedMatMul'); // autograd ran the decoder again
    tf.dispose([...fakeTensors(f), x]);
    m.dispose();
  });

  it('frees what each step makes: tensors and wasm buffers stay level', async () => {
    const m = new VaeGan(EDGES, hp());
    const x = batchOf(EDGES, 10);
    m.trainStep(x, hp()).dispose(); // the first step makes the Adam moments
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) m.trainStep(x, hp()).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    m.dispose();
    x.dispose();
  });
});

describe('what the compiled step does not cover goes to autograd', () => {
  /** The compiled kernels one training step ran. */
  async function compiledKernelsOf(m: VaeGan, x: tf.Tensor2D, h: Hyperparams) {
    const info = await tf.profile(() => m.trainStep(x, h));
    const names = new Set(Object.values(COMPILED_KERNELS) as string[]);
    return info.kernels.map((k) => k.name).filter((name) => names.has(name));
  }

  it('the pixel loss runs all four compiled kernels, one each', async () => {
    const m = new VaeGan(EDGES, hp());
    const x = batchOf(EDGES, 10);
    expect((await compiledKernelsOf(m, x, hp())).sort()).toEqual(
      Object.values(COMPILED_KERNELS).sort(),
    );
    tf.dispose(x);
    m.dispose();
  });

  it('a plain VAE whose D does not watch runs the VAE kernel alone, with autograd’s numbers', async () => {
    const h = hp({ gamma: 0, dWatches: false });
    const m = new VaeGan(EDGES, h);
    const x = batchOf(EDGES, 10);
    expect(await compiledKernelsOf(m, x, h)).toEqual([COMPILED_KERNELS.vae]);
    // With D watching, the same γ = 0 runs all four.
    expect(await compiledKernelsOf(m, x, hp({ gamma: 0 }))).toHaveLength(4);
    tf.dispose(x);
    m.dispose();
    const d = await bothWays(EDGES, 10, (model, batch) => [
      model.trainStep(batch, h),
      model.trainStep(batch, h),
    ]);
    expectOneStepApart(d);
  });

  it('the feature loss: phase 1 on autograd, the rest compiled, the same numbers as autograd', async () => {
    const h = hp({ reconstructionLoss: 'mixed' });
    expect(compiledSupport(EDGES, h)).toEqual({ vae: false, gan: true });
    const m = new VaeGan(EDGES, hp());
    const x = batchOf(EDGES, 10);
    expect(await compiledKernelsOf(m, x, h)).not.toContain(COMPILED_KERNELS.vae);
    expect(await compiledKernelsOf(m, x, h)).toContain(COMPILED_KERNELS.generator);
    tf.dispose(x);
    m.dispose();
    expectOneStepApart(await bothWays(EDGES, 10, (model, batch) => model.trainStep(batch, h)));
  });

  it('conv networks, and any backend but wasm, never reach the compiled kernels', async () => {
    const conv: ModelConfig = {
      ...DEFAULT_MODEL_CONFIG,
      architecture: 'conv',
      latentDim: 3,
      convFilters: [4, 8],
    };
    expect(compiledSupport(conv, hp())).toEqual({ vae: false, gan: false });
    const m = new VaeGan(conv, hp());
    const x = batchOf(conv, 4);
    expect(await compiledKernelsOf(m, x, hp())).toEqual([]);
    tf.dispose(x);
    m.dispose();
    await tf.setBackend('cpu');
    expect(compiledSupport(EDGES, hp())).toEqual({ vae: false, gan: false });
    await tf.setBackend('wasm');
    expect(compiledSupport(EDGES, hp())).toEqual({ vae: true, gan: true });
  });

  it('two hidden layers per network never reach the compiled kernels (written for one)', async () => {
    const deep: ModelConfig = { ...EDGES, hiddenLayers: 2 };
    expect(compiledSupport(deep, hp())).toEqual({ vae: false, gan: false });
    const m = new VaeGan(deep, hp());
    const x = batchOf(deep, 4);
    expect(await compiledKernelsOf(m, x, hp())).toEqual([]);
    tf.dispose(x);
    m.dispose();
  });

  it('a KL warm-up runs compiled, as autograd does; free bits send phase 1 to autograd', async () => {
    const warm = hp({ klWarmup: 4 });
    expect(compiledSupport(EDGES, warm)).toEqual({ vae: true, gan: true });
    expectOneStepApart(await bothWays(EDGES, 10, (model, batch) => model.trainStep(batch, warm)));
    expect(compiledSupport(EDGES, hp({ freeBits: 0.5 }))).toEqual({ vae: false, gan: true });
  });

  it('a setting it does not know sends every phase to autograd', () => {
    const future = { ...hp(), klWarmupSteps: 1000 } as Hyperparams;
    expect(compiledSupport(EDGES, future)).toEqual({ vae: false, gan: false });
  });
});
