// Hostile input through the worker API (comlink over a MessageChannel, as the page calls it):
// each bad argument is refused with a TrainerInputError whose code crosses the boundary, and
// the running model, step and hyperparameters stay as they were. Each test has its own trainer.
import type * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import type { TrainerApi } from '../../src/features/training/worker/trainer-api';
import type { RunSettings } from '../../src/features/training/shared/protocol';
import { withTrainer } from '../helpers/trainer-channel';

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

/** Runs `call` and returns what it was rejected with (fails if it resolved). */
async function refusal(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('the call was accepted');
}

type Status = Awaited<ReturnType<TrainerApi['getStatus']>>;

/**
 * A trainer that has built a model and taken one step, and its status then: what each refusal
 * must leave as it was.
 */
function withRunningTrainer(
  body: (remote: Comlink.Remote<TrainerApi>, baseline: Status) => Promise<void>,
) {
  return withTrainer({ settings }, async ({ remote }) => {
    await remote.step();
    const baseline = await remote.getStatus();
    expect(baseline.step).toBe(1);
    await body(remote, baseline);
  });
}

/** Fails unless the trainer's settings, hyperparameters, step and status are `baseline`'s. */
async function expectUnchanged(remote: Comlink.Remote<TrainerApi>, baseline: Status) {
  const now = await remote.getStatus();
  expect(now.settings).toEqual(baseline.settings);
  expect(now.hyperparams).toEqual(baseline.hyperparams);
  expect(now.step).toBe(baseline.step);
  expect(now.status).toBe(baseline.status);
}

describe('worker API against hostile input', () => {
  it('refuses an unknown backend and a missing listener before starting anything', () =>
    withTrainer({ init: false }, async ({ remote, listener }) => {
      const bad = await refusal(() =>
        remote.init({ backend: 'quantum' as 'cpu', datasetsBaseUrl: '/datasets/' }, listener),
      );
      expect(bad).toMatchObject({ name: 'TrainerInputError', code: 'bad-argument' });
      expect(bad.message).toMatch(/Unknown backend "quantum": use one of auto, webgpu/);
      const noUrl = await refusal(() =>
        remote.init({ backend: 'cpu', datasetsBaseUrl: '' }, listener),
      );
      expect(noUrl).toMatchObject({ code: 'bad-argument' });
      // The drag signal must be shared memory the page can write into.
      const notShared = await refusal(() =>
        remote.init(
          { backend: 'cpu', datasetsBaseUrl: '/datasets/', interaction: new Int32Array(1) },
          listener,
        ),
      );
      expect(notShared).toMatchObject({ code: 'bad-argument' });
      expect(notShared.message).toMatch(
        /interaction must be an Int32Array over a SharedArrayBuffer/,
      );
      expect((await remote.getStatus()).status).toBe('idle');
      const badPrefetch = await refusal(() =>
        remote.init(
          { backend: 'cpu', datasetsBaseUrl: '/datasets/', prefetch: 'cifar' as 'mnist' },
          listener,
        ),
      );
      expect(badPrefetch).toMatchObject({ code: 'bad-argument' });
      expect(badPrefetch.message).toMatch(/prefetch must be one of mnist, fashion-mnist/);
      await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' }, listener);
      await remote.configure(settings);
      expect(await remote.step()).toBe(1);
    }));

  it.each([
    [
      'latent size 0',
      { latentDim: 0 },
      'invalid-settings',
      /latent size must be a whole number from 2 to 128/,
    ],
    ['latent size 10,000', { latentDim: 10_000 }, 'invalid-settings', /latent size/],
    [
      'batch size 0',
      { batchSize: 0 },
      'invalid-settings',
      /batch size must be a whole number from 8 to 512/,
    ],
    ['batch size -64', { batchSize: -64 }, 'invalid-settings', /batch size/],
    ['batch size 2.5', { batchSize: 2.5 }, 'invalid-settings', /batch size/],
    ['hidden units NaN', { hiddenUnits: Number.NaN }, 'invalid-settings', /hidden units/],
    [
      'a batch size as text',
      { batchSize: '64' },
      'bad-argument',
      /batchSize must be a number, not "64"/,
    ],
    ['an unknown data set', { dataset: 'cifar' }, 'invalid-settings', /unknown data set/],
    ['an unknown field', { evil: true }, 'bad-argument', /Unknown run setting "evil"/],
  ])('refuses %s in the run settings', (_, patch, code, message) =>
    withRunningTrainer(async (remote, baseline) => {
      const error = await refusal(() =>
        remote.configure({ ...settings, ...(patch as Partial<RunSettings>) }),
      );
      expect(error).toMatchObject({ name: 'TrainerInputError', code });
      expect(error.message).toMatch(message);
      await expectUnchanged(remote, baseline);
    }),
  );

  it('refuses settings that are not an object', () =>
    withRunningTrainer(async (remote, baseline) => {
      for (const value of [null, 42, 'mnist', [1, 2]]) {
        const error = await refusal(() => remote.configure(value as unknown as RunSettings));
        expect(error).toMatchObject({ code: 'bad-argument' });
        expect(error.message).toMatch(/^Run settings must be an object/);
      }
      await expectUnchanged(remote, baseline);
    }));

  it.each([
    [
      'a learning rate of 100',
      { lrVae: 100 },
      'out-of-range',
      /lrVae = 100 is outside its range, 0.000001 to 10/,
    ],
    ['a negative β', { beta: -1 }, 'out-of-range', /beta = -1 is outside/],
    ['γ of 1e9', { gamma: 1e9 }, 'out-of-range', /gamma = 1000000000 is outside/],
    ['a zero learning rate', { lrD: 0 }, 'out-of-range', /lrD = 0 is outside/],
    ['NaN', { lrG: Number.NaN }, 'bad-argument', /lrG must be a finite number, not NaN/],
    ['Infinity', { beta: Number.POSITIVE_INFINITY }, 'bad-argument', /finite number/],
    ['a number as text', { beta: '2' }, 'bad-argument', /beta must be a finite number, not "2"/],
    ['an unknown key', { momentum: 0.9 }, 'bad-argument', /Unknown hyperparameter "momentum"/],
    [
      'an unknown loss form',
      { adversarialForm: 'wasserstein' },
      'bad-argument',
      /adversarial loss form/,
    ],
    [
      'an unknown reconstruction loss',
      { reconstructionLoss: 'perceptual' },
      'bad-argument',
      /Unknown reconstruction loss "perceptual": use pixel, feature, mixed/,
    ],
    ['a switch given as text', { ganOnly: 'yes' }, 'bad-argument', /ganOnly must be true or false/],
    [
      'a switch given as a number',
      { equilibriumGate: 1 },
      'bad-argument',
      /equilibriumGate must be true or false, not 1/,
    ],
  ])('refuses %s as a hyperparameter, valid fields beside it included', (_, patch, code, message) =>
    withRunningTrainer(async (remote, baseline) => {
      const error = await refusal(() => remote.setHyperparams({ beta: 3, ...(patch as object) }));
      expect(error).toMatchObject({ name: 'TrainerInputError', code });
      expect(error.message).toMatch(message);
      await expectUnchanged(remote, baseline);
    }),
  );

  it('takes a slider value a rounding error past its end as the end', () =>
    withTrainer({ settings }, async ({ remote }) => {
      const accepted = await remote.setHyperparams({ lrVae: 10 ** Math.log10(10) * (1 + 1e-15) });
      expect(accepted.lrVae).toBe(10);
    }));

  it('refuses an import that is not bytes, and bytes that are not a run', () =>
    withRunningTrainer(async (remote, baseline) => {
      const notBytes = await refusal(() =>
        remote.importRun('PK\u0003\u0004' as unknown as Uint8Array),
      );
      expect(notBytes).toMatchObject({ name: 'TrainerInputError', code: 'bad-argument' });
      const notZip = await refusal(() =>
        remote.importRun(new TextEncoder().encode('<html>hi</html>')),
      );
      expect(notZip).toMatchObject({ name: 'RunArchiveError', problem: 'not-zip' });
      await expectUnchanged(remote, baseline);
    }));

  it('refuses test hooks that cannot apply', () =>
    withRunningTrainer(async (remote, baseline) => {
      const lose = await refusal(() => remote.debugLoseDevice());
      expect(lose).toMatchObject({ code: 'unsupported' });
      expect(lose.message).toMatch(/the cpu backend runs on the CPU/);
      const poison = await refusal(() => remote.debugPoisonWeights('heart' as 'encoder'));
      expect(poison).toMatchObject({ code: 'bad-argument' });
      const crash = await refusal(() => remote.debugCrash('melt' as 'exit'));
      expect(crash).toMatchObject({ code: 'bad-argument' });
      await expectUnchanged(remote, baseline);
    }));
});
