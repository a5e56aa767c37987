// The options of issue 5 on small MLP networks (tfjs CPU backend): Larsen's feature
// reconstruction loss, the three-batch discriminator and its two-batch switch, the equilibrium
// gate, GAN-only training and gamma = 0 as a plain VAE.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MODEL_CONFIG,
  GATE_EQUILIBRIUM,
  GATE_MARGIN,
  type Hyperparams,
  type ModelConfig,
  sanitizeHyperparams,
} from '../../src/shared/config';
import { equilibriumGate } from '../../src/model/losses';
import { METRIC_NAMES, type MetricName, VaeGan } from '../../src/model/vaegan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BATCH = 6;
const config = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  ...DEFAULT_MODEL_CONFIG,
  hiddenUnits: 24,
  hiddenLayers: 1,
  latentDim: 3,
  ...over,
});
const hp = (over: Partial<Hyperparams> = {}): Hyperparams => ({
  ...DEFAULT_HYPERPARAMS,
  gamma: 1,
  ...over,
});
const images = (seed = 11) => tf.randomUniform([BATCH, 784], 0, 1, 'float32', seed) as tf.Tensor2D;

async function weights(vars: tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}
function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return max;
}
async function metricsOf(t: tf.Tensor1D): Promise<Record<MetricName, number>> {
  const v = await t.data();
  t.dispose();
  return Object.fromEntries(METRIC_NAMES.map((n, i) => [n, v[i]!])) as Record<MetricName, number>;
}
const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe('feature reconstruction loss (Dis_l)', () => {
  it.each(['feature', 'mixed'] as const)(
    '%s: phase 1 moves the encoder and decoder and leaves every weight of D untouched',
    async (reconstructionLoss) => {
      const m = new VaeGan(config(), hp({ reconstructionLoss }));
      const x = images();
      const d0 = await weights(m.vars.discriminator);
      const e0 = await weights(m.vars.encoder);
      const dec0 = await weights(m.vars.decoder);
      const parts = m.vaePhase(x, hp({ reconstructionLoss }));
      const feature = (await parts.featureRec.data())[0]!;
      expect(feature).toBeGreaterThan(0);
      tf.dispose([parts.reconstruction, parts.kl, parts.featureRec, x]);
      expect(maxDiff(d0, await weights(m.vars.discriminator))).toBe(0);
      expect(maxDiff(e0, await weights(m.vars.encoder))).toBeGreaterThan(1e-5);
      expect(maxDiff(dec0, await weights(m.vars.decoder))).toBeGreaterThan(1e-5);
      m.dispose();
    },
  );

  it('the feature term is 0.5 * sum (Dis_l(x) - Dis_l(x~))^2, recomputed from D by hand', async () => {
    // Phase 1 with lrVae tiny: the weights barely move, so the same z gives the same x~ after.
    const m = new VaeGan(config(), hp({ reconstructionLoss: 'feature', lrVae: 1e-6 }));
    const x = images();
    // Replay phase 1's noise: its first draw is eps for z = mu + sigma * eps.
    const twin = new VaeGan(config(), hp());
    const parts = m.vaePhase(x, hp({ reconstructionLoss: 'feature', lrVae: 1e-6 }));
    const reported = (await parts.featureRec.data())[0]!;
    const byHand = tf.tidy(() => {
      const { mu, logvar } = twin.encode(x);
      const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', firstNoiseSeed(twin));
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps)) as tf.Tensor2D;
      const xt = tf.sigmoid(twin.decoder.apply(z) as tf.Tensor2D) as tf.Tensor2D;
      const [fx] = twin.discriminator.apply(x) as tf.Tensor2D[];
      const [ft] = twin.discriminator.apply(xt) as tf.Tensor2D[];
      return [fx!, ft!];
    });
    const [fx, ft] = await Promise.all(byHand.map((t) => t.array() as Promise<number[][]>));
    let total = 0;
    fx!.forEach((row, i) => row.forEach((v, j) => (total += 0.5 * (v - ft![i]![j]!) ** 2)));
    expect(Math.abs(reported - total / BATCH)).toBeLessThan(1e-3 * Math.max(1, total / BATCH));
    tf.dispose([...byHand, parts.reconstruction, parts.kl, parts.featureRec, x]);
    m.dispose();
    twin.dispose();
  });

  it('mixed = pixel + feature, and the pixel NLL is still reported in nats for feature runs', async () => {
    const x = images();
    const run = async (reconstructionLoss: Hyperparams['reconstructionLoss']) => {
      const m = new VaeGan(config(), hp({ reconstructionLoss }));
      const out = await metricsOf(m.trainStep(x, hp({ reconstructionLoss })));
      m.dispose();
      return out;
    };
    const pixel = await run('pixel');
    const feature = await run('feature');
    const mixed = await run('mixed');
    // Same seed: phase 1's loss is measured before its update, on the same weights and noise.
    expect(feature.reconstruction).toBeCloseTo(pixel.reconstruction, 3);
    expect(mixed.featureRec).toBeCloseTo(feature.featureRec, 4);
    expect(pixel.reconstruction).toBeGreaterThan(100);
    x.dispose();
  });
});

describe('three-batch discriminator', () => {
  /** D's logits on the three batches of a step, read from the public network. */
  async function logits(m: VaeGan, x: tf.Tensor2D) {
    const fakes = m.drawFakes(x);
    const read = async (imgs: tf.Tensor2D) => {
      const [, logit] = m.discriminator.apply(imgs) as tf.Tensor[];
      const v = Array.from(await logit!.data());
      logit!.dispose();
      return v;
    };
    const out = {
      real: await read(x),
      recon: await read(fakes.xTilde),
      prior: await read(fakes.xPrior),
    };
    return { fakes, ...out };
  }

  it.each([true, false])(
    'reconstructionsInD = %s: L_D matches the hand computation on a batch of 6',
    async (reconstructionsInD) => {
      const m = new VaeGan(config(), hp());
      const x = images(5);
      const h = hp({ reconstructionsInD });
      const { fakes, real, recon, prior } = await logits(m, x);
      const d = m.discriminatorPhase(x, fakes, h, false);
      const reported = (await d.discriminator.data())[0]!;
      const logD = mean(real.map((l) => Math.log(sigmoid(l))));
      const log1m = (ls: number[]) => mean(ls.map((l) => Math.log(1 - sigmoid(l))));
      const expected = reconstructionsInD
        ? -(logD + 0.5 * log1m(recon) + 0.5 * log1m(prior))
        : -(logD + log1m(prior));
      expect(Math.abs(reported - expected)).toBeLessThan(1e-5);
      // D's mean verdicts are reported either way.
      expect((await d.dRecon.data())[0]).toBeCloseTo(mean(recon.map(sigmoid)), 5);
      tf.dispose([d, fakes, x] as tf.TensorContainer);
      m.dispose();
    },
  );

  it('without the reconstruction batch, phase 3 trains G on prior samples only', async () => {
    // Same model twice; D rigged to judge x~ and x_p differently has no effect when x~ is dropped:
    // L_G then equals -log D(x_p) alone.
    const m = new VaeGan(config(), hp());
    const x = images(2);
    const fakes = m.drawFakes(x);
    const [, logit] = m.discriminator.apply(fakes.xPrior) as tf.Tensor[];
    const priorOnly = mean(Array.from(await logit!.data()).map((l) => -Math.log(sigmoid(l))));
    const g = m.generatorPhase(fakes, hp({ reconstructionsInD: false }), false);
    expect((await g.generator.data())[0]).toBeCloseTo(priorOnly, 5);
    tf.dispose([logit!, g.generator, fakes, x] as tf.TensorContainer);
    m.dispose();
  });
});

/** The seed the model's noise stream will use next, read without consuming the real stream. */
function firstNoiseSeed(m: VaeGan): number {
  // A fresh model of the same config has drawn nothing; a throwaway twin gives its first seed.
  const probe = new VaeGan(m.config, hp());
  const seeds: number[] = [];
  const next = (probe as unknown as { nextSeed: () => number }).nextSeed;
  seeds.push(next());
  probe.dispose();
  return seeds[0]!;
}

describe('equilibrium gate (Larsen: equilibrium 0.68, margin 0.35)', () => {
  const gate = (real: number, fake: number) =>
    equilibriumGate(real, fake, GATE_EQUILIBRIUM, GATE_MARGIN);
  const lo = GATE_EQUILIBRIUM - GATE_MARGIN; // 0.33
  const hi = GATE_EQUILIBRIUM + GATE_MARGIN; // 1.03

  it('trains both sides inside the band, boundaries included', () => {
    expect(gate(0.68, 0.68)).toEqual({ trainD: true, trainG: true });
    expect(gate(lo, hi)).toEqual({ trainD: true, trainG: true });
    expect(gate(hi, lo)).toEqual({ trainD: true, trainG: true });
  });

  it('skips D when either of its cross-entropies is below equilibrium - margin (D far ahead)', () => {
    expect(gate(lo - 1e-6, 0.7)).toEqual({ trainD: false, trainG: true });
    expect(gate(0.7, 0.1)).toEqual({ trainD: false, trainG: true });
  });

  it('skips the generator when either is above equilibrium + margin (D weak)', () => {
    expect(gate(hi + 1e-6, 0.7)).toEqual({ trainD: true, trainG: false });
    expect(gate(0.5, 2)).toEqual({ trainD: true, trainG: false });
  });

  it('trains both when both would be skipped', () => {
    expect(gate(0.1, 2)).toEqual({ trainD: true, trainG: true });
  });

  it('a gated step applies the decision it reports: D (or G) frozen and counted as skipped', async () => {
    const x = images(9);
    for (const decision of [
      { trainD: false, trainG: true },
      { trainD: true, trainG: false },
    ]) {
      const m = new VaeGan(config(), hp());
      const d0 = await weights(m.vars.discriminator);
      const enc0 = await weights(m.vars.encoder);
      const metrics = await metricsOf(m.trainStep(x, hp(), decision));
      expect(maxDiff(d0, await weights(m.vars.discriminator)) > 0).toBe(decision.trainD);
      expect(maxDiff(enc0, await weights(m.vars.encoder))).toBeGreaterThan(0);
      expect(metrics.skipD).toBe(decision.trainD ? 0 : 1);
      expect(metrics.skipG).toBe(decision.trainG ? 0 : 1);
      m.dispose();
    }
    // Phase 3 held: the decoder moves by phase 1 only, exactly as with gamma = 0.
    const held = new VaeGan(config(), hp());
    const vae = new VaeGan(config(), hp());
    tf.dispose(held.trainStep(x, hp(), { trainD: true, trainG: false }));
    tf.dispose(vae.trainStep(x, hp({ gamma: 0 })));
    expect(maxDiff(await weights(held.vars.decoder), await weights(vae.vars.decoder))).toBe(0);
    held.dispose();
    vae.dispose();
    x.dispose();
  });

  it('trainStepAsync reads D’s cross-entropies and follows the gate’s verdict on them', async () => {
    const x = images(4);
    const m = new VaeGan(config(), hp({ equilibriumGate: true }));
    // Every verdict is checked against D's cross-entropies the step read.
    let skippedD = 0;
    let skippedG = 0;
    for (let i = 0; i < 12; i++) {
      const d0 = await weights(m.vars.discriminator);
      const metrics = await metricsOf(
        await m.trainStepAsync(x, hp({ equilibriumGate: true, lrD: 3e-3, gamma: 0 })),
      );
      const reading = m.lastGate!;
      expect(reading).toBeDefined();
      const expected = gate(reading.realBce, reading.fakeBce);
      expect({ trainD: reading.trainD, trainG: reading.trainG }).toEqual(expected);
      expect(metrics.skipD).toBe(expected.trainD ? 0 : 1);
      expect(metrics.skipG).toBe(expected.trainG ? 0 : 1);
      expect(maxDiff(d0, await weights(m.vars.discriminator)) > 0).toBe(expected.trainD);
      skippedD += metrics.skipD;
      skippedG += metrics.skipG;
    }
    // lrD = 3e-3 and gamma = 0 on one repeated batch: D starts weak (G held), then gets far
    // ahead (D held); both verdicts occur.
    expect(skippedD).toBeGreaterThan(0);
    expect(skippedG).toBeGreaterThan(0);
    expect(m.steps).toBe(12);
    x.dispose();
    m.dispose();
  });

  it('leaves no tensors behind', async () => {
    const m = new VaeGan(config(), hp({ equilibriumGate: true }));
    const x = images();
    // An ungated step first: Adam creates its moment slots on a phase's first update.
    tf.dispose(m.trainStep(x, hp()));
    tf.dispose(await m.trainStepAsync(x, hp({ equilibriumGate: true })));
    const before = tf.memory().numTensors;
    tf.dispose(
      await m.trainStepAsync(x, hp({ equilibriumGate: true, reconstructionLoss: 'mixed' })),
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});

describe('special cases: plain VAE and plain GAN', () => {
  it('GAN only: the encoder never moves; D and the generator do; L_rec and KL are still measured', async () => {
    for (const variant of ['shared', 'separate'] as const) {
      const h = hp({ ganOnly: true, gamma: 0 });
      const m = new VaeGan(config({ variant }), h);
      const x = images(3);
      const enc0 = await weights(m.vars.encoder);
      const dec0 = await weights(m.vars.decoder);
      const d0 = await weights(m.vars.discriminator);
      const g0 = await weights(m.vars.generator);
      let metrics: Record<MetricName, number> | undefined;
      for (let i = 0; i < 2; i++) metrics = await metricsOf(m.trainStep(x, h));
      expect(maxDiff(enc0, await weights(m.vars.encoder))).toBe(0);
      expect(maxDiff(d0, await weights(m.vars.discriminator))).toBeGreaterThan(0);
      // gamma = 0 does not stop a plain GAN's generator: its step is lrG.
      expect(maxDiff(g0, await weights(m.vars.generator))).toBeGreaterThan(0);
      if (variant === 'separate') {
        // The decoder is trained by reconstruction only, which GAN-only switches off.
        expect(maxDiff(dec0, await weights(m.vars.decoder))).toBe(0);
      }
      expect(Number.isFinite(metrics!.reconstruction)).toBe(true);
      expect(Number.isFinite(metrics!.kl)).toBe(true);
      x.dispose();
      m.dispose();
    }
  });

  it('GAN only: L_D = -[log D(x) + log(1 - D(x_p))], reconstructions left out', async () => {
    const m = new VaeGan(config(), hp());
    const x = images(8);
    const fakes = m.drawFakes(x);
    const a = m.discriminatorPhase(x, fakes, hp({ ganOnly: true }), false);
    const b = m.discriminatorPhase(x, fakes, hp({ reconstructionsInD: false }), false);
    const c = m.discriminatorPhase(x, fakes, hp(), false);
    const [va, vb, vc] = await Promise.all(
      [a, b, c].map(async (d) => (await d.discriminator.data())[0]!),
    );
    expect(va).toBe(vb);
    expect(Math.abs(va! - vc!)).toBeGreaterThan(1e-4);
    tf.dispose([a, b, c, fakes, x] as tf.TensorContainer);
    m.dispose();
  });

  it('gamma = 0 reproduces the VAE’s gradients, with the feature loss too (D moves, the VAE ignores it)', async () => {
    // A VAE alone: phase 1 only. The VAEGAN with gamma = 0: all three phases. Phase 1 of step 1
    // sees the same D (untrained), so with the pixel loss every step matches; with the feature
    // loss only the first step can (D has moved by step 2).
    const x = images(6);
    const vaegan = new VaeGan(config(), hp({ gamma: 0 }));
    const vae = new VaeGan(config(), hp({ gamma: 0 }));
    for (let i = 0; i < 3; i++) {
      tf.dispose(vaegan.trainStep(x, hp({ gamma: 0 })));
      tf.dispose(vae.vaePhase(x, hp({ gamma: 0 })));
      tf.dispose(vae.drawFakes(x)); // the same noise draws as the full step
    }
    for (const g of ['encoder', 'decoder'] as const) {
      expect(maxDiff(await weights(vaegan.vars[g]), await weights(vae.vars[g]))).toBe(0);
    }
    vaegan.dispose();
    vae.dispose();
    x.dispose();
  });
});

describe('hyperparameter sanitising', () => {
  it('keeps valid switches and replaces malformed ones by the base value', () => {
    const base = DEFAULT_HYPERPARAMS;
    const ok = sanitizeHyperparams(
      {
        reconstructionLoss: 'mixed',
        reconstructionsInD: false,
        equilibriumGate: true,
        ganOnly: true,
      },
      base,
    );
    expect([ok.reconstructionLoss, ok.reconstructionsInD, ok.equilibriumGate, ok.ganOnly]).toEqual([
      'mixed',
      false,
      true,
      true,
    ]);
    const bad = sanitizeHyperparams(
      {
        reconstructionLoss: 'l2' as never,
        reconstructionsInD: 'no' as never,
        equilibriumGate: 1 as never,
        ganOnly: null as never,
      },
      base,
    );
    expect([
      bad.reconstructionLoss,
      bad.reconstructionsInD,
      bad.equilibriumGate,
      bad.ganOnly,
    ]).toEqual(['pixel', true, false, false]);
  });
});

describe('a plain VAE whose D does not watch (dWatches off, γ = 0)', () => {
  it('trains phase 1 alone: the encoder and decoder as with D watching, D and its Adam untouched', async () => {
    const x = images(5);
    const watched = new VaeGan(config(), hp({ gamma: 0 }));
    const alone = new VaeGan(config(), hp({ gamma: 0, dWatches: false }));
    const d0 = await weights(alone.vars.discriminator);
    const mw = await metricsOf(watched.trainStep(x, hp({ gamma: 0 })));
    const ma = await metricsOf(alone.trainStep(x, hp({ gamma: 0, dWatches: false })));
    // Phase 1 comes first in both steps, from the same weights and the same draw.
    expect(ma.reconstruction).toBe(mw.reconstruction);
    expect(ma.kl).toBe(mw.kl);
    expect(maxDiff(await weights(alone.vars.encoder), await weights(watched.vars.encoder))).toBe(0);
    expect(maxDiff(await weights(alone.vars.decoder), await weights(watched.vars.decoder))).toBe(0);
    expect(maxDiff(await weights(alone.vars.discriminator), d0)).toBe(0);
    expect(maxDiff(await weights(watched.vars.discriminator), d0)).toBeGreaterThan(0);
    // D's and the generator side's figures were not computed; the watched step has them all.
    for (const name of ['discriminator', 'generator', 'dReal', 'dRecon', 'dPrior'] as const) {
      expect(ma[name]).toBeNaN();
      expect(Number.isFinite(mw[name])).toBe(true);
    }
    // The gate's skips are NaN too: the guard's mark of a step that ran phase 1 alone.
    expect(ma.skipD).toBeNaN();
    expect(ma.skipG).toBeNaN();
    // One noise draw (phase 1's) against three with the fakes.
    expect(alone.noiseDraws).toBeLessThan(watched.noiseDraws);
    watched.dispose();
    alone.dispose();
    x.dispose();
  });

  it.each([
    ['γ > 0', { gamma: 0.5 }],
    ['the feature loss', { reconstructionLoss: 'feature' }],
    ['GAN only', { ganOnly: true }],
  ] as const)('has no effect with %s: D trains', async (_, over) => {
    const x = images(6);
    const m = new VaeGan(config(), hp({ gamma: 0, dWatches: false, ...over }));
    const d0 = await weights(m.vars.discriminator);
    const metrics = await metricsOf(m.trainStep(x, hp({ gamma: 0, dWatches: false, ...over })));
    expect(Number.isFinite(metrics.discriminator)).toBe(true);
    expect(maxDiff(await weights(m.vars.discriminator), d0)).toBeGreaterThan(0);
    m.dispose();
    x.dispose();
  });
});
