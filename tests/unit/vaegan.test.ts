// The VaeGan of src/model/vaegan.ts on small networks and random images: shapes, which variables
// each phase of the training step moves (docs/model.md, "One training step"), the two generator
// variants, memory, metrics, live hyperparameters and determinism.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  type Hyperparams,
  type ModelConfig,
  type Variant,
} from '../../src/shared/config';
import { generatorLoss } from '../../src/model/losses';
import { type Fakes, METRIC_NAMES, VaeGan } from '../../src/model/vaegan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BATCH = 8;
const LATENT = 4;
const PIXELS = 784;
const config = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  hiddenUnits: 32,
  hiddenLayers: 1,
  latentDim: LATENT,
  ...over,
});
const hp = (over: Partial<Hyperparams> = {}): Hyperparams => ({
  ...DEFAULT_HYPERPARAMS,
  gamma: 1,
  ...over,
});

/** A batch of uniform random images in [0, 1), [BATCH, 784]. */
const images = (seed = 7, batch = BATCH) =>
  tf.randomUniform([batch, PIXELS], 0, 1, 'float32', seed) as tf.Tensor2D;

/** The four tensors of a Fakes, for tf.dispose. */
const tensorsOf = (f: Fakes) => [f.zTilde, f.zPrior, f.xTilde, f.xPrior];

type Snapshot = Float32Array[];

async function snapshot(vars: tf.Variable[]): Promise<Snapshot> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}

/** Largest absolute change of any weight between two snapshots of the same variables. */
function maxChange(before: Snapshot, after: Snapshot): number {
  expect(after.length).toBe(before.length);
  let max = 0;
  before.forEach((b, i) => {
    const a = after[i]!;
    expect(a.length).toBe(b.length);
    for (let j = 0; j < b.length; j++) max = Math.max(max, Math.abs(a[j]! - b[j]!));
  });
  return max;
}

type Group = 'encoder' | 'decoder' | 'generator' | 'discriminator';
const GROUPS: Group[] = ['encoder', 'decoder', 'generator', 'discriminator'];

async function snapshotAll(m: VaeGan): Promise<Record<Group, Snapshot>> {
  const out = {} as Record<Group, Snapshot>;
  for (const g of GROUPS) out[g] = await snapshot(m.vars[g]);
  return out;
}

/** Runs `act`, disposes what it returns, and reports each group's largest weight change. */
async function changes(m: VaeGan, act: () => tf.TensorContainer): Promise<Record<Group, number>> {
  const before = await snapshotAll(m);
  tf.dispose(act());
  const after = await snapshotAll(m);
  const out = {} as Record<Group, number>;
  for (const g of GROUPS) out[g] = maxChange(before[g], after[g]);
  return out;
}

async function scalar(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0];
  if (v === undefined) throw new Error('empty tensor');
  return v;
}

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe('shapes and ranges', () => {
  it.each<Variant>(['shared', 'separate'])(
    '%s: encode, decode, generate, reconstruct',
    async (variant) => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      const { mu, logvar } = m.encode(x);
      expect(mu.shape).toEqual([BATCH, LATENT]);
      expect(logvar.shape).toEqual([BATCH, LATENT]);
      const z = tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 3) as tf.Tensor2D;
      for (const out of [m.decode(z), m.generate(z), m.reconstruct(x)]) {
        expect(out.shape).toEqual([BATCH, PIXELS]);
        const v = await out.data();
        expect(v.every((p) => p >= 0 && p <= 1)).toBe(true);
        // Not a constant image: the networks are really applied.
        expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(0.01);
        out.dispose();
      }
      // reconstruct(x) is decode(mu(x)).
      const viaMu = m.decode(mu);
      const rec = m.reconstruct(x);
      expect(Array.from(await rec.data())).toEqual(Array.from(await viaMu.data()));
      tf.dispose([mu, logvar, z, viaMu, rec, x]);
      m.dispose();
    },
  );

  it('trainStep returns 10 metrics, finite but for the unused feature loss, probabilities in (0, 1)', async () => {
    // The order the worker and the charts read the metrics vector in.
    expect(METRIC_NAMES).toEqual([
      'reconstruction',
      'kl',
      'discriminator',
      'generator',
      'dReal',
      'dRecon',
      'dPrior',
      'featureRec',
      'skipD',
      'skipG',
    ]);
    for (const variant of ['shared', 'separate'] as const) {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      for (let step = 0; step < 2; step++) {
        const metrics = m.trainStep(x, hp());
        expect(metrics.shape).toEqual([10]);
        const v = Array.from(await metrics.data());
        const at = (name: (typeof METRIC_NAMES)[number]) => v[METRIC_NAMES.indexOf(name)]!;
        // `pixel` reconstruction: the feature distance is not computed; no gate, nothing skipped.
        expect(at('featureRec')).toBeNaN();
        expect([at('skipD'), at('skipG')]).toEqual([0, 0]);
        expect(v.filter((_, i) => METRIC_NAMES[i] !== 'featureRec').every(Number.isFinite)).toBe(
          true,
        );
        // 784 Bernoulli pixels of uniform noise: far above 0.
        expect(at('reconstruction')).toBeGreaterThan(100);
        expect(at('kl')).toBeGreaterThanOrEqual(0);
        expect(at('discriminator')).toBeGreaterThan(0);
        for (const p of ['dReal', 'dRecon', 'dPrior'] as const) {
          expect(at(p)).toBeGreaterThan(0);
          expect(at(p)).toBeLessThan(1);
        }
        metrics.dispose();
      }
      expect(m.steps).toBe(2);
      x.dispose();
      m.dispose();
    }
  });

  it('rejects an invalid config', () => {
    expect(() => new VaeGan(config({ latentDim: 1 }), hp())).toThrow(/latent size/);
    expect(() => new VaeGan(config({ hiddenUnits: 8.5 }), hp())).toThrow(/hidden units/);
  });
});

describe('generator variants', () => {
  it('shared: the generator is the decoder, with the same variables', () => {
    const m = new VaeGan(config({ variant: 'shared' }), hp());
    expect(m.generator).toBe(m.decoder);
    expect(m.vars.generator.length).toBeGreaterThan(0);
    expect(m.vars.generator).toHaveLength(m.vars.decoder.length);
    m.vars.generator.forEach((v, i) => expect(v).toBe(m.vars.decoder[i]));
    m.dispose();
  });

  it('separate: four networks with disjoint variables', () => {
    const m = new VaeGan(config({ variant: 'separate' }), hp());
    expect(m.generator).not.toBe(m.decoder);
    const all = GROUPS.flatMap((g) => m.vars[g]);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all.map((v) => v.name)).size).toBe(all.length);
    // Each group is exactly its network's trainable weights (2 dense layers: kernel + bias).
    for (const g of GROUPS) expect(m.vars[g]).toHaveLength(4);
    m.dispose();
  });

  it('separate: the generator starts from its own weights, not a copy of the decoder', async () => {
    const m = new VaeGan(config({ variant: 'separate' }), hp());
    const dec = await snapshot(m.vars.decoder);
    const gen = await snapshot(m.vars.generator);
    expect(maxChange(dec, gen)).toBeGreaterThan(0.01);
    m.dispose();
  });
});

describe('each phase moves only its own variables', () => {
  describe.each<Variant>(['shared', 'separate'])('%s', (variant) => {
    it('phase 1 (VAE): encoder and decoder move, D (and the separate G) do not', async () => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      const c = await changes(m, () => m.vaePhase(x, hp()));
      expect(c.encoder).toBeGreaterThan(1e-4);
      expect(c.decoder).toBeGreaterThan(1e-4);
      expect(c.discriminator).toBe(0);
      if (variant === 'separate') expect(c.generator).toBe(0);
      else expect(c.generator).toBe(c.decoder);
      x.dispose();
      m.dispose();
    });

    it('phase 2 (D): only the discriminator moves', async () => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      const fakes = m.drawFakes(x);
      const c = await changes(m, () => m.discriminatorPhase(x, fakes, hp()));
      expect(c.discriminator).toBeGreaterThan(1e-5);
      expect(c.encoder).toBe(0);
      expect(c.decoder).toBe(0);
      expect(c.generator).toBe(0);
      tf.dispose([x, ...tensorsOf(fakes)]);
      m.dispose();
    });

    it('phase 3 (G, gamma > 0): D and the encoder stay; the generator moves', async () => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      const fakes = m.drawFakes(x);
      const c = await changes(m, () => m.generatorPhase(fakes, hp({ gamma: 0.5 })));
      expect(c.discriminator).toBe(0);
      expect(c.encoder).toBe(0);
      expect(c.generator).toBeGreaterThan(1e-5);
      if (variant === 'shared') {
        // The adversarial gradient reaches the decoder: it is the generator.
        expect(c.decoder).toBeGreaterThan(1e-5);
      } else {
        expect(c.decoder).toBe(0);
      }
      tf.dispose([x, ...tensorsOf(fakes)]);
      m.dispose();
    });

    it('phase 3: the first update is Adam on the gradient of L_G through both x~ and x_p, with a step of gamma * lrG', async () => {
      const lrG = 1e-3;
      const gamma = 0.5;
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      const fakes = m.drawFakes(x);
      const dLogit = (img: tf.Tensor) => (m.discriminator.apply(img) as tf.Tensor[])[1]!;
      // L_G recomputed from the networks: x~ = Dec(z~) and x_p = G(z_p), both re-decoded so that
      // the gradient reaches the generator's weights (in `shared`, the decoder's) through both.
      const { grads } = tf.variableGrads(
        () =>
          generatorLoss(
            dLogit(tf.sigmoid(m.decoder.apply(fakes.zTilde) as tf.Tensor)),
            dLogit(tf.sigmoid(m.generator.apply(fakes.zPrior) as tf.Tensor)),
            'non-saturating',
          ),
        m.vars.generator,
      );
      const g = await snapshot(m.vars.generator.map((v) => grads[v.name] as tf.Variable));
      const before = await snapshot(m.vars.generator);
      tf.dispose(m.generatorPhase(fakes, hp({ gamma, lrG })));
      const after = await snapshot(m.vars.generator);
      // Adam's first step (bias-corrected m = g, v = g^2): w -= lr * g / (|g| + 1e-7), lr = gamma * lrG.
      const lr = gamma * lrG;
      let worst = 0;
      let moved = 0;
      g.forEach((gv, i) => {
        for (let j = 0; j < gv.length; j++) {
          const want = (-lr * gv[j]!) / (Math.abs(gv[j]!) + 1e-7);
          const got = after[i]![j]! - before[i]![j]!;
          worst = Math.max(worst, Math.abs(got - want));
          if (Math.abs(got) > lr / 2) moved++;
        }
      });
      expect(worst).toBeLessThan(lr * 1e-2);
      expect(moved).toBeGreaterThan(100);
      tf.dispose([x, ...tensorsOf(fakes), ...Object.values(grads)]);
      m.dispose();
    });

    it('phase 3 with gamma = 0 moves nothing but still reports a finite L_G', async () => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      // Warm G's optimiser first, so that momentum alone could move weights if it were applied.
      const warm = m.drawFakes(x);
      tf.dispose([m.generatorPhase(warm, hp({ gamma: 1 })), ...tensorsOf(warm)]);
      const fakes = m.drawFakes(x);
      let lossG = Number.NaN;
      const c = await changes(m, () => {
        const out = m.generatorPhase(fakes, hp({ gamma: 0 }));
        lossG = out.generator.dataSync()[0]!;
        return out;
      });
      for (const g of GROUPS) expect(c[g]).toBe(0);
      expect(Number.isFinite(lossG)).toBe(true);
      expect(lossG).toBeGreaterThan(0);
      tf.dispose([x, ...tensorsOf(fakes)]);
      m.dispose();
    });

    it('gamma = 0 gives a plain VAE: encoder and decoder evolve exactly as without D', async () => {
      // Model a trains the full three-phase step; model b (same seed) only phase 1 and the same
      // noise draws. D and the separate G train in a, but the VAE's weights must be identical.
      const a = new VaeGan(config({ variant }), hp());
      const b = new VaeGan(config({ variant }), hp());
      const x = images();
      const h = hp({ gamma: 0 });
      for (let step = 0; step < 3; step++) {
        tf.dispose(a.trainStep(x, h));
        tf.dispose(b.vaePhase(x, h));
        tf.dispose(tensorsOf(b.drawFakes(x))); // consumes the same two noise seeds as a's step
      }
      for (const g of ['encoder', 'decoder'] as const) {
        expect(maxChange(await snapshot(a.vars[g]), await snapshot(b.vars[g]))).toBe(0);
      }
      // ... while D did train in a.
      expect(
        maxChange(await snapshot(a.vars.discriminator), await snapshot(b.vars.discriminator)),
      ).toBeGreaterThan(0);
      x.dispose();
      a.dispose();
      b.dispose();
    });
  });
});

describe('memory', () => {
  it.each<Variant>(['shared', 'separate'])(
    '%s: trainStep leaves no tensors behind after a warm-up step',
    (variant) => {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      tf.dispose(m.trainStep(x, hp())); // creates the optimisers' slots
      const count = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        tf.dispose(m.trainStep(x, hp({ beta: step, gamma: 0.1 * (step + 1) })));
        expect(tf.memory().numTensors).toBe(count);
      }
      // Inference and the phases on their own leak nothing either.
      const z = tf.zeros([BATCH, LATENT]) as tf.Tensor2D;
      const { mu, logvar } = m.encode(x);
      tf.dispose([mu, logvar, m.decode(z), m.generate(z), m.reconstruct(x)]);
      const fakes = m.drawFakes(x);
      tf.dispose([
        m.vaePhase(x, hp()),
        m.discriminatorPhase(x, fakes, hp()),
        m.generatorPhase(fakes, hp()),
        m.generatorPhase(fakes, hp({ gamma: 0 })),
        ...tensorsOf(fakes),
        z,
      ]);
      expect(tf.memory().numTensors).toBe(count);
      x.dispose();
      m.dispose();
    },
  );

  it('dispose frees every tensor of the model and its optimisers', () => {
    const baseline = tf.memory().numTensors;
    for (const variant of ['shared', 'separate'] as const) {
      const m = new VaeGan(config({ variant }), hp());
      const x = images();
      tf.dispose([m.trainStep(x, hp()), x]);
      expect(tf.memory().numTensors).toBeGreaterThan(baseline);
      m.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    }
  });
});

describe('metrics', () => {
  it('trainStep = phase 1, fakes, phase 2, phase 3, and its metrics match a hand recomputation', async () => {
    // a runs trainStep; b (same seed, so the same weights and noise) runs the phases one by one,
    // with D's logits and the encoder's outputs read in between.
    const h = hp({ gamma: 0.3 });
    const x = images();
    const a = new VaeGan(config(), h);
    tf.dispose(a.trainStep(x, h)); // both models one step in, so Adam state matters too
    const b = new VaeGan(config(), h);
    tf.dispose(b.trainStep(x, h));

    const metricsTensor = a.trainStep(x, h);
    const metrics = Array.from(await metricsTensor.data());
    metricsTensor.dispose();

    // KL from the encoder before phase 1, by hand.
    const enc = b.encode(x);
    const mu = await enc.mu.array();
    const logvar = await enc.logvar.array();
    const klHand = mean(
      mu.map(
        (row, i) =>
          -0.5 *
          row.reduce((s, m, j) => {
            const lv = logvar[i]![j]!;
            return s + 1 + lv - m * m - Math.exp(lv);
          }, 0),
      ),
    );
    const vae = b.vaePhase(x, h);
    const fakes = b.drawFakes(x);
    const dLogits = (imgs: tf.Tensor2D) => {
      const [, logit] = b.discriminator.apply(imgs) as tf.Tensor[];
      return Array.from(logit!.dataSync());
    };
    // D's view before its update.
    const real = dLogits(x);
    const recon = dLogits(fakes.xTilde);
    const prior = dLogits(fakes.xPrior);
    const logD = (ls: number[]) => mean(ls.map((l) => Math.log(sigmoid(l))));
    const log1mD = (ls: number[]) => mean(ls.map((l) => Math.log(1 - sigmoid(l))));
    const dHand = -(logD(real) + 0.5 * log1mD(recon) + 0.5 * log1mD(prior));
    const d = b.discriminatorPhase(x, fakes, h);
    // G's loss against the updated D, before G's update.
    const recon2 = dLogits(b.decode(fakes.zTilde));
    const prior2 = dLogits(b.generate(fakes.zPrior));
    const gHand = -(0.5 * logD(recon2) + 0.5 * logD(prior2));
    const g = b.generatorPhase(fakes, h);

    const phases = { ...vae, ...d, ...g, skipD: tf.scalar(0), skipG: tf.scalar(0) };
    const byName = Object.fromEntries(METRIC_NAMES.map((n, i) => [n, metrics[i]!]));
    // Bit-identical to the phases run by hand, in METRIC_NAMES order.
    for (const name of METRIC_NAMES) expect(byName[name]).toBe(await scalar(phases[name]));
    // ... and equal to the losses recomputed in plain JS.
    const near = (got: number, want: number) =>
      expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
    near(byName.kl!, klHand);
    near(byName.discriminator!, dHand);
    near(byName.generator!, gHand);
    near(byName.dReal!, mean(real.map(sigmoid)));
    near(byName.dRecon!, mean(recon.map(sigmoid)));
    near(byName.dPrior!, mean(prior.map(sigmoid)));
    // Both models end the step with the same weights: trainStep ran exactly these phases.
    for (const group of GROUPS) {
      expect(maxChange(await snapshot(a.vars[group]), await snapshot(b.vars[group]))).toBe(0);
    }
    tf.dispose([x, enc.mu, enc.logvar, ...tensorsOf(fakes), phases]);
    a.dispose();
    b.dispose();
  });

  it("generator metric follows the chosen form: minimax is the seed's log(1 - D)", async () => {
    const x = images();
    const ns = new VaeGan(config(), hp());
    const mm = new VaeGan(config(), hp());
    const gIndex = METRIC_NAMES.indexOf('generator');
    const lossNs = (await ns.trainStep(x, hp({ adversarialForm: 'non-saturating' })).data())[
      gIndex
    ]!;
    const lossMm = (await mm.trainStep(x, hp({ adversarialForm: 'minimax' })).data())[gIndex]!;
    expect(lossNs).toBeGreaterThan(0); // -log D > 0
    expect(lossMm).toBeLessThan(0); // log(1 - D) < 0
    x.dispose();
    ns.dispose();
    mm.dispose();
  });
});

describe('hyperparameters act on the next step', () => {
  it('lrVae: 1e-2 moves the encoder a lot, 1e-7 barely, on the same model and optimiser', async () => {
    const m = new VaeGan(config(), hp());
    const x = images();
    const moved = async (lrVae: number) =>
      (await changes(m, () => m.vaePhase(x, hp({ lrVae })))).encoder;
    const big = await moved(1e-2);
    const tiny = await moved(1e-7);
    const bigAgain = await moved(1e-2);
    expect(big).toBeGreaterThan(5e-3);
    expect(tiny).toBeGreaterThan(0);
    expect(tiny).toBeLessThan(1e-5);
    expect(bigAgain).toBeGreaterThan(1e-3);
    x.dispose();
    m.dispose();
  });

  it('lrD and lrG are read at every step', async () => {
    const m = new VaeGan(config(), hp());
    const x = images();
    const fakes = m.drawFakes(x);
    const dMoved = async (lrD: number) =>
      (await changes(m, () => m.discriminatorPhase(x, fakes, hp({ lrD })))).discriminator;
    const gMoved = async (lrG: number) =>
      (await changes(m, () => m.generatorPhase(fakes, hp({ lrG })))).generator;
    expect(await dMoved(1e-2)).toBeGreaterThan(5e-3);
    expect(await dMoved(1e-7)).toBeLessThan(1e-5);
    expect(await gMoved(1e-2)).toBeGreaterThan(5e-3);
    expect(await gMoved(1e-7)).toBeLessThan(1e-5);
    tf.dispose([x, ...tensorsOf(fakes)]);
    m.dispose();
  });

  it('beta weights the KL: it changes the encoder update only, and beta = 10 shrinks the KL', async () => {
    const x = images();
    const low = new VaeGan(config(), hp());
    const high = new VaeGan(config(), hp());
    const before = await snapshotAll(low);
    tf.dispose(low.vaePhase(x, hp({ beta: 0 })));
    tf.dispose(high.vaePhase(x, hp({ beta: 10 })));
    const lowAfter = await snapshotAll(low);
    const highAfter = await snapshotAll(high);
    expect(maxChange(lowAfter.encoder, highAfter.encoder)).toBeGreaterThan(1e-4);
    // KL does not depend on the decoder, and the noise is the same: identical decoder updates.
    expect(maxChange(before.decoder, lowAfter.decoder)).toBeGreaterThan(0);
    expect(maxChange(lowAfter.decoder, highAfter.decoder)).toBe(0);

    // Over a few more steps, the KL term wins under beta = 10.
    let klLow = 0;
    let klHigh = 0;
    for (let step = 0; step < 15; step++) {
      const l = low.vaePhase(x, hp({ beta: 0 }));
      const hi = high.vaePhase(x, hp({ beta: 10 }));
      klLow = await scalar(l.kl);
      klHigh = await scalar(hi.kl);
      tf.dispose([l, hi]);
    }
    expect(klHigh).toBeLessThan(klLow / 2);
    x.dispose();
    low.dispose();
    high.dispose();
  });

  it('gamma switches the adversarial update of the decoder on the next step', async () => {
    const m = new VaeGan(config(), hp());
    const x = images();
    const step = async (gamma: number) => {
      const fakes = m.drawFakes(x);
      const c = await changes(m, () => m.generatorPhase(fakes, hp({ gamma })));
      tf.dispose(tensorsOf(fakes));
      return c.decoder;
    };
    expect(await step(0.1)).toBeGreaterThan(1e-6);
    expect(await step(0)).toBe(0);
    expect(await step(0.1)).toBeGreaterThan(1e-6);
    x.dispose();
    m.dispose();
  });

  it('gamma scales the adversarial step: 4x the weight moves the decoder 4x as far', async () => {
    // Adam's first step has size lr per weight whatever the loss scale, so a model that did
    // gamma * L_G with its own Adam would move the same for every gamma > 0.
    const firstMove = async (gamma: number) => {
      const m = new VaeGan(config(), hp());
      const x = images();
      const fakes = m.drawFakes(x);
      const c = await changes(m, () => m.generatorPhase(fakes, hp({ gamma })));
      tf.dispose([x, ...tensorsOf(fakes)]);
      m.dispose();
      return c.decoder;
    };
    const small = await firstMove(0.25);
    const large = await firstMove(1);
    expect(large / small).toBeCloseTo(4, 2);
  });
});

describe('determinism', () => {
  it('the same seed gives bit-identical metrics and weights over 3 steps', async () => {
    for (const variant of ['shared', 'separate'] as const) {
      const a = new VaeGan(config({ variant, seed: 42 }), hp());
      const b = new VaeGan(config({ variant, seed: 42 }), hp());
      const x = images();
      for (let step = 0; step < 3; step++) {
        const ma = a.trainStep(x, hp());
        const mb = b.trainStep(x, hp());
        expect(Array.from(await mb.data())).toEqual(Array.from(await ma.data()));
        tf.dispose([ma, mb]);
      }
      for (const g of GROUPS) {
        expect(maxChange(await snapshot(a.vars[g]), await snapshot(b.vars[g]))).toBe(0);
      }
      x.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it('a different seed gives different initial weights in every network, and other noise', async () => {
    const a = new VaeGan(config({ variant: 'separate', seed: 1 }), hp());
    const b = new VaeGan(config({ variant: 'separate', seed: 2 }), hp());
    for (const g of GROUPS) {
      expect(maxChange(await snapshot(a.vars[g]), await snapshot(b.vars[g]))).toBeGreaterThan(0.01);
    }
    const x = images();
    const fa = a.drawFakes(x);
    const fb = b.drawFakes(x);
    expect(Array.from(await fb.zPrior.data())).not.toEqual(Array.from(await fa.zPrior.data()));
    tf.dispose([x, ...tensorsOf(fa), ...tensorsOf(fb)]);
    a.dispose();
    b.dispose();
  });

  it('layers of the same shape in one model start from different draws', async () => {
    const m = new VaeGan(config({ variant: 'separate' }), hp());
    // encoder_hidden and discriminator_hidden kernels are both [784, hidden].
    const enc = await snapshot(m.vars.encoder);
    const dis = await snapshot(m.vars.discriminator);
    expect(enc[0]!.length).toBe(dis[0]!.length);
    expect(maxChange([enc[0]!], [dis[0]!])).toBeGreaterThan(0.01);
    m.dispose();
  });
});
