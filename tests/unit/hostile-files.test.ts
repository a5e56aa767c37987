// Run zips that someone crafted, handed to the training worker through its API as the page
// hands them: each is refused with a message from its directory or manifest, before work that
// grows with what it claims, and the running model is as it was and still steps. A run that
// claims the largest step allowed is restored at once (the batch order, the noise stream and
// Adam's beta powers skip ahead in constant time) and trains on.
import type * as Comlink from 'comlink';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_HISTORY_POINTS } from '../../src/shared/history';
import { METRIC_NAMES } from '../../src/shared/metrics';
import { MAX_STEPS } from '../../src/features/run-archive/shared/limits';
import type { RunSettings } from '../../src/features/training/shared/protocol';
import type { TrainerApi } from '../../src/features/training/worker/trainer-api';
import {
  craftZip,
  deflatedStream,
  deflatedZeros,
  entriesOf,
  zipClaimingEntries,
  historyJson,
  withManifest,
} from '../helpers/crafted-zip';
import { until, withTrainer } from '../helpers/trainer-channel';

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

const GiB = 1024 ** 3;

/** What the import was refused with (fails if it was accepted). */
async function refusal(
  call: () => Promise<unknown>,
): Promise<{ problem?: string; message: string }> {
  try {
    await call();
  } catch (error) {
    return error as { problem?: string; message: string };
  }
  throw new Error('the file was accepted');
}

/**
 * A trainer that has taken two steps, and a valid export of its run: each test crafts its file
 * from the export, hands it over, and checks that the trainer still holds step 2 and steps on.
 */
function withExport(
  body: (remote: Comlink.Remote<TrainerApi>, files: Record<string, Uint8Array>) => Promise<void>,
) {
  return withTrainer({ settings }, async ({ remote }) => {
    await remote.step();
    await remote.step();
    const files = unzipSync((await remote.exportRun()).bytes);
    await body(remote, files);
  });
}

async function expectStillSteps(remote: Comlink.Remote<TrainerApi>) {
  const status = await remote.getStatus();
  expect(status.step).toBe(2);
  expect(status.settings).toEqual(settings);
  expect(await remote.step()).toBe(3);
}

describe('crafted run zips are refused in bounded time, and the run still steps', () => {
  it('a manifest that claims step 1e15', () =>
    withExport(async (remote, files) => {
      const error = await refusal(() => remote.importRun(withManifest(files, { step: 1e15 })));
      expect(error.problem).toBe('bad-manifest');
      expect(error.message).toMatch(/step must be a whole number from 0 to 1e\+12/);
      await expectStillSteps(remote);
    }));

  it('a manifest that claims 1e308 noise draws', () =>
    withExport(async (remote, files) => {
      const error = await refusal(() =>
        remote.importRun(withManifest(files, { noiseDraws: 1e308 })),
      );
      expect(error.message).toMatch(/noiseDraws must be a whole number from 0 to 2\^50/);
      await expectStillSteps(remote);
    }));

  it('a training time that is negative, and an image shape this app never trains on', () =>
    withExport(async (remote, files) => {
      const time = await refusal(() => remote.importRun(withManifest(files, { trainingMs: -5 })));
      expect(time.message).toMatch(/trainingMs must be a number of milliseconds/);
      const shape = await refusal(() =>
        remote.importRun(withManifest(files, { imageShape: [256, 256, 3] })),
      );
      expect(shape.message).toMatch(
        /imageShape \[256,256,3\] is not one of \[28, 28, 1\] or \[32, 32, 3\]/,
      );
      await expectStillSteps(remote);
    }));

  it('a 102-byte zip whose zip64 end record claims 4,294,967,295 entries', () =>
    withExport(async (remote) => {
      const error = await refusal(() => remote.importRun(zipClaimingEntries(4_294_967_295)));
      expect(error.problem).toBe('too-large');
      expect(error.message).toMatch(/^The zip lists 4,294,967,295 entries; at most 256 are read\./);
      await expectStillSteps(remote);
    }));

  it('a history.json of 10 million points: refused from its declared size', () =>
    withExport(async (remote, files) => {
      const history = await deflatedStream(historyJson(10_000_000));
      // 14 columns of 10 million values ("1," each) and 188 bytes of keys and brackets:
      // 280 MB of text in under a megabyte.
      expect(history.size).toBe(28 * 10_000_000 + 188);
      expect(history.data.length).toBeLessThan(1_000_000);
      const { 'history.json': _, ...rest } = files;
      const zip = craftZip([...entriesOf(rest), { name: 'history.json', method: 8, ...history }]);
      const error = await refusal(() => remote.importRun(zip));
      expect(error.problem).toBe('too-large');
      expect(error.message).toMatch(
        /^history\.json declares 280,000,188 bytes; at most 16,777,216 are read from it\./,
      );
      await expectStillSteps(remote);
    }));

  it('four weight entries of 1 GiB of zeros each: refused from their declared size', () =>
    withExport(async (remote, files) => {
      const zeros = deflatedZeros(GiB);
      const big = ['encoder', 'decoder', 'discriminator'].map((n) => `${n}/weights.bin`);
      big.push('optimizers/vae.bin');
      const kept = Object.fromEntries(Object.entries(files).filter(([n]) => !big.includes(n)));
      const zip = craftZip([
        ...entriesOf(kept),
        ...big.map((name) => ({ name, method: 8 as const, ...zeros })),
      ]);
      const error = await refusal(() => remote.importRun(zip));
      expect(error.problem).toBe('too-large');
      expect(error.message).toMatch(
        /^encoder\/weights\.bin declares 1,073,741,824 bytes; at most 134,217,728 are read/,
      );
      await expectStillSteps(remote);
    }));

  it('entries that declare 4 GiB each, and one that lies about its size', () =>
    withExport(async (remote, files) => {
      const zeros = deflatedZeros(GiB);
      const { 'decoder/weights.bin': weights, ...rest } = files;
      const huge = craftZip([
        ...entriesOf(rest),
        { name: 'decoder/weights.bin', data: zeros.data, method: 8, size: 0xffffffff },
      ]);
      const declared = await refusal(() => remote.importRun(huge));
      expect(declared.message).toMatch(/^decoder\/weights\.bin declares 4,294,967,295 bytes/);
      // Declares its true size, but inflates to a gibibyte: stopped one input chunk past it.
      const liar = craftZip([
        ...entriesOf(rest),
        { name: 'decoder/weights.bin', data: zeros.data, method: 8, size: weights!.length },
      ]);
      const lied = await refusal(() => remote.importRun(liar));
      expect(lied.problem).toBe('too-large');
      expect(lied.message).toMatch(
        /^decoder\/weights\.bin inflates to more than the [\d,]+ bytes its directory declares/,
      );
      await expectStillSteps(remote);
    }));

  it('a model.json that lists one shard many times', () =>
    withExport(async (remote, files) => {
      const model = JSON.parse(strFromU8(files['encoder/model.json']!)) as {
        weightsManifest: { paths: string[] }[];
      };
      model.weightsManifest[0]!.paths = new Array(1000).fill('weights.bin');
      const zip = zipSync({ ...files, 'encoder/model.json': strToU8(JSON.stringify(model)) });
      const error = await refusal(() => remote.importRun(zip));
      expect(error.message).toMatch(/encoder\/model\.json lists encoder\/weights\.bin twice/);
      await expectStillSteps(remote);
    }));
});

describe('what is within bounds is restored', () => {
  it('a run at the largest step allowed is restored at once and trains on', () =>
    withExport(async (remote, files) => {
      const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as {
        optimizers: Record<string, { iterations: number }>;
      };
      // Adam's counts may not pass the step; at 1e12 its beta powers are long at their floor.
      for (const entry of Object.values(manifest.optimizers)) entry.iterations = MAX_STEPS;
      const zip = withManifest(files, {
        step: MAX_STEPS,
        noiseDraws: 3 * MAX_STEPS,
        optimizers: manifest.optimizers,
      });
      const restored = await remote.importRun(zip);
      expect(restored.step).toBe(MAX_STEPS);
      expect(await remote.step()).toBe(MAX_STEPS + 1);
    }));

  it('a history of 100,000 points is merged to at most 20,000, as the live curves are', () =>
    withTrainer({ settings }, async ({ remote, events }) => {
      await remote.step();
      const files = unzipSync((await remote.exportRun()).bytes);
      const n = 100_000;
      const column = (f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
      const history = {
        step: column((i) => i + 1),
        time: column((i) => i * 10),
        stepsPerSec: column(() => 10),
        imagesPerSec: column(() => 160),
        values: Object.fromEntries(METRIC_NAMES.map((k) => [k, column((i) => i % 2)])),
      };
      const zip = zipSync({
        ...files,
        'history.json': strToU8(JSON.stringify(history)),
      });
      await remote.importRun(zip);
      // Events come by their own channel: the answer to importRun may arrive first.
      await until(() => events.some((e) => e.type === 'history'), 'the curves');
      const sent = events.filter((e) => e.type === 'history').at(-1);
      if (sent?.type !== 'history') throw new Error('no history event');
      expect(sent.points.length).toBeLessThanOrEqual(MAX_HISTORY_POINTS);
      expect(sent.points.length).toBeGreaterThan(MAX_HISTORY_POINTS / 2);
      // Merged in pairs, each the mean over its steps: values alternating 0 and 1 average 1/2.
      expect(sent.points[0]!.values.kl).toBeCloseTo(0.5, 12);
      expect(sent.points.at(-1)!.step).toBe(n);
    }));
});
