// The run zip: export then import gives the same model, the exported decoder loads in plain
// TensorFlow.js, and every kind of bad file is refused with its own message.
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, type Hyperparams, MNIST_IMAGE } from '../../src/shared/config';
import { VaeGan } from '../../src/model/vaegan';
import {
  RUN_FORMAT_VERSION,
  RunArchiveError,
  type RunArchiveProblem,
} from '../../src/features/run-archive/shared/format';
import { parseRunArchive } from '../../src/features/run-archive/shared/parse';
import {
  disposeSnapshot,
  encodeRun,
  snapshotRun,
} from '../../src/features/run-archive/worker/encode';
import { restoreRun } from '../../src/features/run-archive/worker/restore';
import type { MetricsPoint, RunSettings } from '../../src/features/training/shared/protocol';

const settings: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 3,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 8,
  seed: 11,
};
// Every option away from its default, the KL warm-up and free bits included, so the manifest
// and the restored run are seen to carry each.
const hp: Hyperparams = {
  ...DEFAULT_HYPERPARAMS,
  beta: 0.5,
  gamma: 0.3,
  klWarmup: 300,
  freeBits: 0.25,
};

function makeModel(s: RunSettings = settings) {
  return new VaeGan(
    {
      architecture: s.architecture,
      variant: s.variant,
      latentDim: s.latentDim,
      hiddenUnits: s.hiddenUnits,
      image: MNIST_IMAGE,
      seed: s.seed,
    },
    hp,
  );
}

function train(model: VaeGan, steps: number) {
  for (let i = 0; i < steps; i++) {
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 100 + model.steps) as tf.Tensor2D;
    tf.dispose([model.trainStep(x, hp), x]);
  }
}

const history: MetricsPoint[] = [1, 2, 3].map((step) => ({
  step,
  time: step * 10,
  stepsPerSec: 5,
  imagesPerSec: 40,
  values: {
    reconstruction: 500 - step,
    kl: step,
    discriminator: step === 2 ? Number.NaN : 1.3,
    generator: 0.7,
    dReal: 0.5,
    dRecon: 0.5,
    dPrior: 0.5,
    featureRec: Number.NaN,
    skipD: 0,
    skipG: 0,
  },
}));

async function exportModel(model: VaeGan, s: RunSettings = settings) {
  const snapshot = snapshotRun(model, {
    settings: s,
    image: MNIST_IMAGE,
    hyperparams: hp,
    step: model.steps,
    trainingMs: 1234,
    history,
  });
  try {
    return await encodeRun(snapshot);
  } finally {
    disposeSnapshot(snapshot);
  }
}

async function decodeFixed(model: VaeGan): Promise<Float32Array> {
  const z = tf.randomNormal([6, model.config.latentDim], 0, 1, 'float32', 42) as tf.Tensor2D;
  const images = model.decode(z);
  const data = (await images.data()) as Float32Array;
  tf.dispose([z, images]);
  return data;
}

/** Rewrites some entries of a zip; `undefined` deletes one. */
function edit(
  bytes: Uint8Array,
  changes: Record<string, Uint8Array<ArrayBuffer> | undefined>,
): Uint8Array {
  const files = unzipSync(bytes);
  for (const [name, data] of Object.entries(changes)) {
    if (data === undefined) delete files[name];
    else files[name] = data;
  }
  return zipSync(files);
}

function editJson(
  bytes: Uint8Array,
  path: string,
  change: (json: Record<string, unknown>) => void,
) {
  const json = JSON.parse(strFromU8(unzipSync(bytes)[path]!)) as Record<string, unknown>;
  change(json);
  return edit(bytes, { [path]: strToU8(JSON.stringify(json)) });
}

function refusal(bytes: Uint8Array): { problem: RunArchiveProblem; message: string } {
  try {
    restoreRun(parseRunArchive(bytes)).dispose();
  } catch (error) {
    if (error instanceof RunArchiveError) return { problem: error.problem, message: error.message };
    throw error;
  }
  throw new Error('the archive was accepted');
}

let model: VaeGan;
let zip: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = makeModel();
  train(model, 3);
  zip = (await exportModel(model)).bytes;
});

afterAll(() => model.dispose());

describe('run archive: export and import', () => {
  it('holds every network in Layers format, the optimiser state, the curves and a manifest', () => {
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.txt',
        'decoder/model.json',
        'decoder/weights.bin',
        'discriminator/model.json',
        'discriminator/weights.bin',
        'encoder/model.json',
        'encoder/weights.bin',
        'history.json',
        'manifest.json',
        'optimizers/discriminator.bin',
        'optimizers/generator.bin',
        'optimizers/vae.bin',
      ].sort(),
    );
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    expect(manifest).toMatchObject({
      format: 'vaegan-playground-run',
      formatVersion: RUN_FORMAT_VERSION,
      appVersion: '0.1.0',
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 3,
      hiddenUnits: 32,
      hiddenLayers: 1,
      batchSize: 8,
      seed: 11,
      step: 3,
      hyperparams: hp,
      metrics: { points: 3, last: { reconstruction: 497, kl: 3 } },
    });
    // Three Adam steps on each phase.
    expect(manifest.optimizers.vae.iterations).toBe(3);
    const decoder = JSON.parse(strFromU8(files['decoder/model.json']!));
    expect(decoder.format).toBe('layers-model');
    expect(decoder.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(files['decoder/weights.bin']!.byteLength).toBe(4 * (3 * 32 + 32 + 32 * 784 + 784));
  });

  it('restores a model whose decoder gives exactly the same images on fixed z', async () => {
    const restored = restoreRun(parseRunArchive(zip));
    expect(restored.steps).toBe(3);
    expect(Array.from(await decodeFixed(restored))).toEqual(Array.from(await decodeFixed(model)));
    restored.dispose();
  });

  it('restores the curves, NaN included, and the hyperparameters in force', () => {
    const run = parseRunArchive(zip);
    expect(run.history).toHaveLength(3);
    expect(run.history[2]!.values.reconstruction).toBe(497);
    expect(run.history[1]!.values.discriminator).toBeNaN();
    expect(run.hyperparams).toEqual(hp);
  });

  it('reads a run saved before the KL warm-up and free bits with both off', () => {
    const older = editJson(zip, 'manifest.json', (m) => {
      const { klWarmup: _w, freeBits: _f, ...rest } = m.hyperparams as Hyperparams;
      m.hyperparams = rest;
    });
    const run = parseRunArchive(older);
    expect([run.hyperparams.klWarmup, run.hyperparams.freeBits]).toEqual([0, 0]);
    expect(run.hyperparams.beta).toBe(0.5);
  });

  it('continues training exactly as the original would (weights, Adam moments, noise)', async () => {
    const restored = restoreRun(parseRunArchive(zip));
    const twin = makeModel();
    train(twin, 3);
    train(twin, 2);
    train(restored, 2);
    expect(Array.from(await decodeFixed(restored))).toEqual(Array.from(await decodeFixed(twin)));
    const a = unzipSync((await exportModel(restored)).bytes);
    const b = unzipSync((await exportModel(twin)).bytes);
    for (const path of ['encoder/weights.bin', 'discriminator/weights.bin', 'optimizers/vae.bin']) {
      expect(Buffer.from(a[path]!).equals(Buffer.from(b[path]!)), path).toBe(true);
    }
    restored.dispose();
    twin.dispose();
  });

  it('round-trips a conv model, batch-norm statistics included, and its manifest says conv', async () => {
    const convSettings: RunSettings = { ...settings, architecture: 'conv' };
    const original = makeModel(convSettings);
    // Move the decoder's batch-norm statistics away from their initial values.
    tf.tidy(() => {
      original.decoder.apply(tf.randomNormal([4, 3], 0, 1, 'float32', 8), { training: true });
    });
    const { bytes, manifest } = await exportModel(original, convSettings);
    expect(manifest.architecture).toBe('conv');
    const parsed = parseRunArchive(bytes);
    expect(parsed.settings.architecture).toBe('conv');
    const restored = restoreRun(parsed);
    expect(restored.config.architecture).toBe('conv');
    expect(Array.from(await decodeFixed(restored))).toEqual(
      Array.from(await decodeFixed(original)),
    );
    const moving = (m: VaeGan) =>
      m.decoder.weights
        .find((w) => w.originalName.includes('moving_mean'))!
        .read()
        .data();
    expect(Array.from(await moving(restored))).toEqual(Array.from(await moving(original)));
    // An mlp manifest over conv networks is refused, not half-loaded.
    const mislabelled = editJson(bytes, 'manifest.json', (m) => (m.architecture = 'mlp'));
    expect(refusal(mislabelled).problem).toBe('model-mismatch');
    original.dispose();
    restored.dispose();
  });

  it('round-trips the separate variant (four networks, own generator optimiser)', async () => {
    const separate = { ...settings, variant: 'separate' as const };
    const m = makeModel(separate);
    train(m, 2);
    const bytes = (await exportModel(m, separate)).bytes;
    expect(Object.keys(unzipSync(bytes))).toContain('generator/weights.bin');
    const restored = restoreRun(parseRunArchive(bytes));
    const z = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const [want, got] = [m.generate(z), restored.generate(z)];
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
    tf.dispose([z, want, got]);
    m.dispose();
    restored.dispose();
  });

  it('leaves no tensors behind when exporting, importing, or refusing a file', async () => {
    const before = tf.memory().numTensors;
    await exportModel(model);
    restoreRun(parseRunArchive(zip)).dispose();
    const nan = new Uint8Array(unzipSync(zip)['decoder/weights.bin']!);
    new Float32Array(nan.buffer)[0] = Number.NaN;
    expect(() => restoreRun(parseRunArchive(edit(zip, { 'decoder/weights.bin': nan })))).toThrow();
    const other = editJson(zip, 'manifest.json', (m) => (m.latentDim = 5));
    expect(() => restoreRun(parseRunArchive(other))).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the exported decoder in plain TensorFlow.js', () => {
  let server: Server;
  let base = '';

  beforeAll(async () => {
    const files = unzipSync(zip);
    server = createServer((req, res) => {
      const data = files[(req.url ?? '/').slice(1)];
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(data));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tf.loadLayersModel(decoder/model.json) gives the same images as the app', async () => {
    const decoder = await tf.loadLayersModel(`${base}/decoder/model.json`);
    expect(decoder.inputs[0]!.shape).toEqual([null, 3]);
    expect(decoder.outputs[0]!.shape).toEqual([null, 784]);
    const z = tf.randomNormal([6, 3], 0, 1, 'float32', 42) as tf.Tensor2D;
    const images = decoder.predict(z) as tf.Tensor;
    const got = (await images.data()) as Float32Array;
    expect(Math.min(...got)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...got)).toBeLessThanOrEqual(1);
    expect(Array.from(got)).toEqual(Array.from(await decodeFixed(model)));
    tf.dispose([z, images]);
    decoder.dispose();
  });
});

describe('bad files: each refused with its own message', () => {
  const cases: [string, () => Uint8Array, RunArchiveProblem, RegExp][] = [
    ['an empty file', () => new Uint8Array(0), 'empty', /empty/],
    [
      'a file that is not a zip',
      () => strToU8('{"this": "is json, not a zip"}'),
      'not-zip',
      /not a zip archive/,
    ],
    ['a truncated zip', () => zip.slice(0, Math.floor(zip.length / 2)), 'truncated', /truncated/],
    [
      'a zip without a manifest',
      () => edit(zip, { 'manifest.json': undefined }),
      'not-a-run',
      /no manifest\.json/,
    ],
    [
      'a manifest that is not JSON',
      () => edit(zip, { 'manifest.json': strToU8('{oops') }),
      'bad-manifest',
      /not valid JSON/,
    ],
    [
      'an unknown format version',
      () => editJson(zip, 'manifest.json', (m) => (m.formatVersion = RUN_FORMAT_VERSION + 1)),
      'unknown-version',
      /format version 2.*reads version 1/,
    ],
    [
      'a manifest of another architecture',
      () => editJson(zip, 'manifest.json', (m) => (m.architecture = 'capsule')),
      'other-architecture',
      /"capsule" architecture/,
    ],
    [
      'a manifest of another latent size',
      () => editJson(zip, 'manifest.json', (m) => (m.latentDim = 8)),
      'model-mismatch',
      /encoder_mu_logvar\/kernel has shape \[32, 6\].*latent size 8.*needs \[32, 16\]/,
    ],
    [
      'a manifest of another hidden size',
      () => editJson(zip, 'manifest.json', (m) => (m.hiddenUnits = 64)),
      'model-mismatch',
      /64 hidden units/,
    ],
    [
      'a missing network',
      () => edit(zip, { 'encoder/model.json': undefined }),
      'missing-file',
      /encoder network is missing/,
    ],
    [
      'a missing weight shard',
      () => edit(zip, { 'decoder/weights.bin': undefined }),
      'missing-shard',
      /decoder\/weights\.bin.*missing/,
    ],
    [
      'a missing optimiser shard',
      () => edit(zip, { 'optimizers/vae.bin': undefined }),
      'missing-shard',
      /optimizers\/vae\.bin.*missing/,
    ],
    [
      'an extra weight shard',
      () => edit(zip, { 'decoder/group1-shard2of2.bin': new Uint8Array(64) }),
      'extra-shard',
      /no model\.json lists: decoder\/group1-shard2of2\.bin/,
    ],
    [
      'a shard of the wrong byte length',
      () =>
        edit(zip, {
          'decoder/weights.bin': unzipSync(zip)['decoder/weights.bin']!.slice(0, 1000),
        }),
      'byte-length',
      /decoder weights are 1,000 bytes/,
    ],
    [
      'NaN weights',
      () => {
        const w = new Uint8Array(unzipSync(zip)['encoder/weights.bin']!);
        new Float32Array(w.buffer)[5] = Number.NaN;
        return edit(zip, { 'encoder/weights.bin': w });
      },
      'non-finite',
      /encoder weight encoder_hidden\/kernel holds 1 NaN or infinite value/,
    ],
    [
      'infinite weights',
      () => {
        const w = new Uint8Array(unzipSync(zip)['discriminator/weights.bin']!);
        const f = new Float32Array(w.buffer);
        f[f.length - 1] = Number.POSITIVE_INFINITY;
        return edit(zip, { 'discriminator/weights.bin': w });
      },
      'non-finite',
      /discriminator weight discriminator_logit\/bias holds 1 NaN/,
    ],
    [
      'a malformed curve history',
      () => edit(zip, { 'history.json': strToU8('{"step": [1, 2], "values": {}}') }),
      'bad-history',
      /history\.json is malformed/,
    ],
  ];

  const messages = new Set<string>();
  for (const [what, make, problem, pattern] of cases) {
    it(`refuses ${what}`, () => {
      const got = refusal(make());
      expect(got.problem).toBe(problem);
      expect(got.message).toMatch(pattern);
      messages.add(got.message);
    });
  }

  it('gave a different message for every case', () => {
    expect(messages.size).toBe(cases.length);
  });
});
