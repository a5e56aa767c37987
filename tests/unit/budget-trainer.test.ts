// The training budget in the real trainer, driven through its API as the page does: a budget in
// steps stops training at exactly that step with a message and refuses to train on; auto-stop
// keeps the weights of the measured step (not of the step training has reached when the figure
// comes back) as the best checkpoint, and stops after `patience` measurements without a better
// ELBO; the budget and auto-stop's state travel in the run zip.
import { describe, expect, it } from 'vitest';
import type { CheckpointMeta } from '../../src/features/checkpoints/shared/checkpoint-store';
import { parseRunArchive } from '../../src/features/run-archive/shared/parse';
import type { BudgetState } from '../../src/features/training/shared/budget';
import type { RunSettings, TrainerEvent } from '../../src/features/training/shared/protocol';
import { lastStep, until, withTrainer } from '../helpers/trainer-channel';

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 16,
  seed: 5,
};

const budgetEvents = (events: TrainerEvent[]): BudgetState[] =>
  events.flatMap((e) => (e.type === 'budget' ? [e.state] : []));
const lastBudget = (events: TrainerEvent[]) => budgetEvents(events).at(-1)!;
/** A best-checkpoint store that keeps nothing. */
/** The tab's run, as the page names it (checkpoints/client/tab-run.ts). */
const RUN = 'run-test';

const keepNothing = async (meta: Omit<CheckpointMeta, 'id'>) => ({ ...meta, id: 1 });
const notices = (events: TrainerEvent[]) =>
  events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));

describe('training budget in the trainer', () => {
  it('stops at exactly the budget in steps, says why, and will not train past it', () =>
    withTrainer({ settings }, async ({ remote, events }) => {
      // 60,000 training images at batch 16.
      await until(() => budgetEvents(events).length > 0, 'the budget state');
      expect(lastBudget(events).stepsPerEpoch).toBe(3750);
      const state = await remote.setBudget({ budgetUnit: 'steps', budget: 7 });
      expect(state.budget).toMatchObject({ budgetUnit: 'steps', budget: 7 });
      await remote.start();
      await until(() => lastBudget(events).stopped !== null, 'the budget to stop training');
      const status = await remote.getStatus();
      expect(status.status).toBe('paused');
      expect(status.step).toBe(7);
      const stopped = lastBudget(events).stopped!;
      expect(stopped.reason).toBe('budget');
      expect(stopped.step).toBe(7);
      expect(stopped.message).toBe(
        'Stopped: the training budget of 7 steps is spent (step 7, 7 steps). Raise it or choose no budget to train on.',
      );
      expect(notices(events)).toContain(stopped.message);
      // Train again: refused with a message, nothing runs.
      expect(await remote.start()).toBe('paused');
      await until(
        () => /budget of 7 steps is spent \(7 steps\): raise it/.test(notices(events).at(-1)!),
        'the refusal',
      );
      expect((await remote.getStatus()).step).toBe(7);
      // A larger budget trains on, to its new end.
      await remote.setBudget({ budget: 9 });
      expect(await remote.start()).toBe('training');
      await until(() => lastBudget(events).stopped?.step === 9, 'the new budget');
      expect((await remote.getStatus()).step).toBe(9);
    }));

  it('refuses a bad budget with a typed error and changes nothing', () =>
    withTrainer({ settings }, async ({ remote }) => {
      await expect(remote.setBudget({ budgetUnit: 'weeks' } as never)).rejects.toMatchObject({
        code: 'bad-argument',
      });
      await expect(remote.setBudget({ budget: 0 })).rejects.toMatchObject({
        code: 'out-of-range',
      });
      await expect(remote.setBudget({ patience: 2.5 })).rejects.toMatchObject({
        code: 'bad-argument',
      });
      await expect(remote.setBudget({ lives: 3 } as never)).rejects.toThrow(
        'Unknown budget setting "lives".',
      );
      const state = await remote.setBudget({});
      expect(state.budget).toEqual({
        budgetUnit: 'off',
        budget: 20,
        patience: 0,
        lrSchedule: 'constant',
      });
    }));

  it('keeps the measured weights as the best and stops after patience measurements', async () => {
    const saved: { meta: Omit<CheckpointMeta, 'id'>; bytes: ArrayBuffer }[] = [];
    const saveBest = async (meta: Omit<CheckpointMeta, 'id'>, bytes: ArrayBuffer) => {
      saved.push({ meta, bytes });
      return { ...meta, id: saved.length };
    };
    await withTrainer({ settings, saveBest }, async ({ remote, events }) => {
      await remote.setBudget({ patience: 2 });
      await remote.start();
      await until(() => lastStep(events) >= 3, 'a few steps');
      const basis = { images: 100, k: 10 };
      const first = await remote.measurementCopy();
      // Training goes on while the figure is computed.
      await until(() => lastStep(events) >= first.step + 5, 'more steps');
      await remote.measured(first.modelId, { step: first.step, elbo: -200, basis }, RUN);
      expect(saved).toHaveLength(1);
      const best = parseRunArchive(new Uint8Array(saved[0]!.bytes));
      expect(best.manifest.step).toBe(first.step);
      expect(saved[0]!.meta.best).toEqual({ elbo: -200, images: 100, k: 10 });
      expect(saved[0]!.meta.runId).toBe(RUN);
      // The checkpoint holds exactly the weights that were measured.
      const measuredDecoder = new Float32Array(first.decoder.weightData);
      const keptDecoder = new Float32Array(best.networks.decoder!.data);
      expect(keptDecoder).toEqual(measuredDecoder);
      expect(best.autoStop).toEqual({
        best: { step: first.step, elbo: -200, basis },
        sinceBest: 0,
        lastStep: first.step,
      });
      await until(() => lastBudget(events).bestCheckpointId === 1, 'the best checkpoint id');

      const second = await remote.measurementCopy();
      expect(second.step).toBeGreaterThan(first.step);
      await remote.measured(second.modelId, { step: second.step, elbo: -200.005, basis }, RUN);
      expect((await remote.getStatus()).status).toBe('training');
      await until(() => lastBudget(events).autoStop.sinceBest === 1, 'one measurement counted');

      const third = await remote.measurementCopy();
      await remote.measured(third.modelId, { step: third.step, elbo: -230, basis }, RUN);
      expect((await remote.getStatus()).status).toBe('paused');
      await until(() => lastBudget(events).stopped !== null, 'the stop');
      const stopped = lastBudget(events).stopped!;
      expect(stopped.reason).toBe('plateau');
      expect(stopped.message).toBe(
        `Auto-stop: the test ELBO has not improved for 2 measurements. The best, -200.00 nats at step ${first.step}, is kept as a checkpoint (Checkpoints panel).`,
      );
      expect(saved).toHaveLength(1);
      // Train again: auto-stop counts its patience afresh from the best so far.
      expect(await remote.start()).toBe('training');
      await until(() => lastBudget(events).stopped === null, 'the stop cleared');
      expect(lastBudget(events).autoStop.sinceBest).toBe(0);
      expect(lastBudget(events).autoStop.best?.step).toBe(first.step);
    });
  });

  it('ignores a figure for a model replaced since it was copied', () =>
    withTrainer({ settings }, async ({ remote }) => {
      await remote.setBudget({ patience: 1 });
      await remote.step();
      const copy = await remote.measurementCopy();
      await remote.reset();
      const state = await remote.measured(
        copy.modelId,
        {
          step: copy.step,
          elbo: -150,
          basis: { images: 100, k: 10 },
        },
        RUN,
      );
      expect(state.autoStop.best).toBeNull();
    }));

  it('says so when the best cannot be stored, and counts on', () =>
    withTrainer(
      {
        settings,
        saveBest: () => Promise.reject(new Error('the disk is on fire')),
      },
      async ({ remote, events }) => {
        await remote.setBudget({ patience: 3 });
        await remote.step();
        const copy = await remote.measurementCopy();
        const state = await remote.measured(
          copy.modelId,
          {
            step: copy.step,
            elbo: -150,
            basis: { images: 100, k: 10 },
          },
          RUN,
        );
        expect(state.autoStop.best?.elbo).toBe(-150);
        expect(state.bestCheckpointId).toBeNull();
        await until(() => notices(events).length > 0, 'a notice');
        expect(notices(events).at(-1)).toBe(
          'The best test ELBO so far (step 1) could not be kept as a checkpoint: the disk is on fire.',
        );
      },
    ));

  it('writes the budget and auto-stop state into the run zip and reads them back', () =>
    withTrainer({ settings, saveBest: keepNothing }, async ({ remote, events }) => {
      await remote.setBudget({
        budgetUnit: 'epochs',
        budget: 3,
        patience: 4,
        lrSchedule: 'cosine',
      });
      await remote.step();
      await remote.step();
      const copy = await remote.measurementCopy();
      await remote.measured(
        copy.modelId,
        {
          step: copy.step,
          elbo: -180.5,
          basis: { images: 50, k: 5 },
        },
        RUN,
      );
      const { bytes, manifest } = await remote.exportRun();
      expect(manifest.budget).toEqual({
        budgetUnit: 'epochs',
        budget: 3,
        patience: 4,
        lrSchedule: 'cosine',
      });
      expect(manifest.autoStop?.best).toEqual({
        step: 2,
        elbo: -180.5,
        basis: { images: 50, k: 5 },
      });
      await remote.setBudget({ budgetUnit: 'off', patience: 0, lrSchedule: 'constant' });
      const restored = await remote.importRun(bytes);
      expect(restored.budget).toEqual(manifest.budget);
      await until(() => lastBudget(events).budget.budgetUnit === 'epochs', 'the restored budget');
      expect(lastBudget(events).autoStop.best?.elbo).toBe(-180.5);
    }));
});
