// The divergence guard: a model forced to NaN (a poisoned weight, or a learning rate of 10)
// gets back the last good weights and Adam state bit for bit; through the worker API the
// offending learning rate is halved and training goes on with finite losses.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, type Hyperparams, MNIST_IMAGE } from '../../src/shared/config';
import { METRIC_NAMES } from '../../src/shared/metrics';
import { VaeGan } from '../../src/model/vaegan';
import {
  disposeGoodSnapshot,
  findDivergence,
  PROBED_NETWORKS,
  restoreSnapshot,
  takeSnapshot,
  weightProbe,
} from '../../src/features/training/worker/guard';
import { parseRunArchive } from '../../src/features/run-archive/shared/parse';
import type { RunSettings, TrainerEvent } from '../../src/features/training/shared/protocol';
import { until, withTrainer } from '../helpers/trainer-channel';

/** The newest notice that arrived after `from` events, once it has. */
async function noticeAfter(events: TrainerEvent[], from: number): Promise<string> {
  await until(() => events.slice(from).some((e) => e.type === 'notice'), 'a notice', 30_000);
  const notice = events.slice(from).findLast((e) => e.type === 'notice');
  return notice?.type === 'notice' ? notice.message : '';
}

/** Every weight and Adam moment of a model, as raw bits (NaN-safe equality). */
async function stateBits(model: VaeGan): Promise<Uint32Array[]> {
  const tensors: tf.Tensor[] = [
    ...model.encoder.weights.map((w) => w.read()),
    ...model.decoder.weights.map((w) => w.read()),
    ...model.discriminator.weights.map((w) => w.read()),
  ];
  for (const opt of Object.values(model.optimizers)) {
    const o = opt as unknown as {
      accumulatedFirstMoment?: { variable: tf.Variable }[];
      accumulatedSecondMoment?: { variable: tf.Variable }[];
    };
    tensors.push(...(o.accumulatedFirstMoment ?? []).map((e) => e.variable));
    tensors.push(...(o.accumulatedSecondMoment ?? []).map((e) => e.variable));
  }
  const out: Uint32Array[] = [];
  for (const t of tensors) {
    const data = (await t.data()) as Float32Array;
    out.push(new Uint32Array(data.slice().buffer));
  }
  return out;
}

const config = {
  architecture: 'mlp' as const,
  variant: 'shared' as const,
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  image: MNIST_IMAGE,
  seed: 5,
};

describe('guard on a model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('probes each network: 0 when its weights are finite, NaN after one NaN or infinity', () => {
    const probeOf = (model: VaeGan) => {
      const probe = weightProbe(model);
      const values = Array.from(probe.dataSync());
      probe.dispose();
      // A negative sum times 0 is -0: still 0 for the guard, which asks Number.isFinite.
      return Object.fromEntries(
        PROBED_NETWORKS.map((name, i) => [name, values[i] === 0 ? 0 : values[i]]),
      );
    };
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const variant of ['shared', 'separate'] as const) {
        const model = new VaeGan({ ...config, variant }, DEFAULT_HYPERPARAMS);
        expect(probeOf(model)).toEqual({ encoder: 0, decoder: 0, generator: 0, discriminator: 0 });
        // One entry of the decoder's last weight matrix goes bad.
        const weight = model.decoder.weights.at(-2)!;
        const current = weight.read();
        const values = current.dataSync().slice();
        values[7] = bad;
        weight.write(tf.tensor(values, current.shape));
        // In `shared` the generator is the decoder: its probe is the decoder's.
        expect(probeOf(model)).toEqual({
          encoder: 0,
          decoder: Number.NaN,
          generator: variant === 'shared' ? Number.NaN : 0,
          discriminator: 0,
        });
        model.dispose();
      }
    }
  });

  it('restores a model sent to NaN by a learning rate of 10 exactly', async () => {
    const hp: Hyperparams = { ...DEFAULT_HYPERPARAMS };
    const model = new VaeGan(config, hp);
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 9) as tf.Tensor2D;
    for (let i = 0; i < 3; i++) model.trainStep(x, hp).dispose();
    const snapshot = takeSnapshot(model, {
      settings: {
        dataset: 'mnist',
        architecture: 'mlp',
        variant: 'shared',
        latentDim: 4,
        hiddenUnits: 32,
        hiddenLayers: 1,
        batchSize: 16,
        seed: 5,
      },
      image: MNIST_IMAGE,
      hyperparams: hp,
      step: 3,
      trainingMs: 0,
      history: [],
    });
    const before = await stateBits(model);
    // Past the sliders' range on purpose (the API refuses it): the model itself must survive it.
    const wild: Hyperparams = { ...hp, lrVae: 10, lrD: 10, lrG: 10, gamma: 1 };
    let finite = true;
    for (let i = 0; i < 5 && finite; i++) {
      const m = model.trainStep(x, wild);
      finite = Array.from(await m.data()).every(Number.isFinite);
      m.dispose();
    }
    expect(finite).toBe(false);
    const broken = await stateBits(model);
    expect(broken).not.toEqual(before);
    restoreSnapshot(model, snapshot);
    expect(await stateBits(model)).toEqual(before);
    // The snapshot survives a restore: a second divergence goes back to the same state.
    model.trainStep(x, wild).dispose();
    restoreSnapshot(model, snapshot);
    expect(await stateBits(model)).toEqual(before);
    // And training from it gives finite losses again.
    const m = model.trainStep(x, hp);
    const finiteParts = Array.from(await m.data()).map(Number.isFinite);
    // Every metric but the feature distance, which the pixel loss does not compute.
    expect(finiteParts.filter((_, j) => METRIC_NAMES[j] !== 'featureRec').every(Boolean)).toBe(
      true,
    );
    m.dispose();
    disposeGoodSnapshot(snapshot);
    model.dispose();
    x.dispose();
  });

  it('names the first bad step and the phase that went bad first', () => {
    const m = METRIC_NAMES.length;
    const row = (bad: number[]) => Array.from({ length: m }, (_, j) => (bad.includes(j) ? NaN : 1));
    const all = Array.from({ length: m }, (_, j) => j);
    // Steps 11..13; step 12 has a NaN D loss (metric 2) and D(x) (4); step 13 everything.
    const raw = [...row([]), ...row([2, 4]), ...row(all), 0, 0, 0, NaN];
    const d = findDivergence(raw, 3, 13);
    expect(d).toEqual({
      step: 12,
      metrics: ['discriminator', 'dReal'],
      networks: ['discriminator'],
      lr: 'lrD',
    });
    // Finite metrics but a NaN encoder weight (the last update): caught, blamed on lrVae.
    const weightsOnly = findDivergence([...row([]), NaN, 0, 0, 0], 1, 5);
    expect(weightsOnly).toMatchObject({ step: 5, metrics: [], networks: ['encoder'], lr: 'lrVae' });
    expect(findDivergence([...row([]), ...row([]), 0, 0, 0, 0], 2, 2)).toBeNull();
    // The feature distance is NaN by design in a pixel-loss step: not a divergence.
    const featureRec = METRIC_NAMES.indexOf('featureRec');
    expect(findDivergence([...row([featureRec]), 0, 0, 0, 0], 1, 3)).toBeNull();
    // A plain VAE's step without D (phaseOneOnly) marks its gate skips NaN: D's and G's
    // figures NaN with them are "not computed". The same NaNs with the skips finite (a step that
    // ran D) are a divergence, blamed on D.
    const phaseOne = ['discriminator', 'generator', 'dReal', 'dRecon', 'dPrior', 'skipD', 'skipG'];
    const cols = phaseOne.map((n) => METRIC_NAMES.indexOf(n as (typeof METRIC_NAMES)[number]));
    expect(findDivergence([...row([...cols, featureRec]), 0, 0, 0, 0], 1, 3)).toBeNull();
    expect(findDivergence([...row(cols.slice(0, 5)), 0, 0, 0, 0], 1, 3)).toMatchObject({
      metrics: ['discriminator', 'generator', 'dReal', 'dRecon', 'dPrior'],
      lr: 'lrD',
    });
    // In a phase-1 step the VAE's own losses still count.
    const rec = METRIC_NAMES.indexOf('reconstruction');
    expect(findDivergence([...row([...cols, rec]), 0, 0, 0, 0], 1, 3)?.metrics).toEqual([
      'reconstruction',
    ]);
    // A learning rate of 10 on the encoder: its codes overflow, D scores the reconstructions
    // as NaN while real images still score fine. The encoder/decoder rate is to blame.
    const wildEncoder = findDivergence([...row([2, 3, 5]), 0, NaN, NaN, NaN], 1, 1);
    expect(wildEncoder?.lr).toBe('lrVae');
  });
});

describe('guard through the worker API', () => {
  const settings: RunSettings = {
    dataset: 'mnist',
    architecture: 'mlp',
    variant: 'shared',
    latentDim: 4,
    hiddenUnits: 32,
    hiddenLayers: 1,
    batchSize: 16,
    seed: 3,
  };
  // A last-good copy after every step, so the restore point is known exactly.
  const options = { settings, snapshotEvery: 1 };

  it('restores the weights of the last good step bit for bit and halves the bad phase lr', () =>
    withTrainer(options, async ({ remote, events }) => {
      for (let i = 0; i < 3; i++) await remote.step();
      const good = parseRunArchive((await remote.exportRun()).bytes);
      expect(good.manifest.step).toBe(3);
      const from = events.length;
      await remote.debugPoisonWeights('discriminator');
      expect(await remote.step()).toBe(3);
      expect(await noticeAfter(events, from)).toMatch(
        /^Step 4: discriminator, .*became NaN or infinite\. Restored the weights and optimiser state of step 3 and halved the discriminator learning rate lrD from 0\.000200 to 0\.000100/,
      );
      const restored = parseRunArchive((await remote.exportRun()).bytes);
      expect(restored.manifest.step).toBe(3);
      for (const name of ['encoder', 'decoder', 'discriminator'] as const) {
        expect(new Uint8Array(restored.networks[name]!.data)).toEqual(
          new Uint8Array(good.networks[name]!.data),
        );
      }
      for (const name of ['vae', 'discriminator', 'generator'] as const) {
        expect(new Uint8Array(restored.optimizers[name]!.data)).toEqual(
          new Uint8Array(good.optimizers[name]!.data),
        );
        expect(restored.optimizers[name]!.iterations).toBe(good.optimizers[name]!.iterations);
      }
      const status = await remote.getStatus();
      expect(status.hyperparams.lrD).toBeCloseTo(1e-4, 12);
      expect(status.hyperparams.lrVae).toBe(DEFAULT_HYPERPARAMS.lrVae);
      await until(() => events.slice(from).some((e) => e.type === 'hyperparams'), 'confirmation');
      const confirmation = events.findLast((e) => e.type === 'hyperparams');
      expect(confirmation).toMatchObject({ byGuard: true, fromStep: 4 });
      // Training goes on from there with finite losses.
      const before = events.length;
      expect(await remote.step()).toBe(4);
      await until(() => events.slice(before).some((e) => e.type === 'metrics'), 'a curve point');
      const points = events.slice(before).filter((e) => e.type === 'metrics');
      expect(points.length).toBe(1);
      for (const e of points) {
        if (e.type === 'metrics') {
          for (const [name, v] of Object.entries(e.point.values)) {
            if (name !== 'featureRec') expect(Number.isFinite(v)).toBe(true);
          }
        }
      }
    }));

  it('blames the encoder/decoder phase when the encoder goes NaN', () =>
    withTrainer(options, async ({ remote, events }) => {
      for (let i = 0; i < 2; i++) await remote.step();
      const at = (await remote.getStatus()).step;
      expect(at).toBe(2);
      const from = events.length;
      await remote.debugPoisonWeights('encoder');
      expect(await remote.step()).toBe(at);
      expect(await noticeAfter(events, from)).toMatch(
        new RegExp(`^Step ${at + 1}: .*halved the encoder/decoder learning rate lrVae`),
      );
      const bits = parseRunArchive((await remote.exportRun()).bytes);
      for (const name of ['encoder', 'decoder', 'discriminator'] as const) {
        const values = new Float32Array(bits.networks[name]!.data);
        expect(values.every(Number.isFinite)).toBe(true);
      }
    }));
});
