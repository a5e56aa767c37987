// To PyTorch and back: the app exports a run as .safetensors (PyTorch's names and layouts), and
// python/vaegan.py, run by Debian's /usr/bin/python3 with python3-torch, loads it and checks
// itself against what the app computed on the same inputs (python/check_roundtrip.py): the
// sample grid of the file's noise, the test binarisation, the log-weights of the ELBO and IWAE
// bounds for the same draws, the batch order, and one three-phase step on the same batch and
// noise (every weight, batch-norm statistic and Adam moment after it). Python then trains on and
// writes a file, which the app's own import path restores and trains on.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { BINARIZE_SEED } from '../../src/features/quality/shared/quality-protocol';
import { parseRunArchive } from '../../src/features/run-archive/shared/parse';
import { parseRunFile } from '../../src/features/run-archive/shared/run-file';
import {
  float32Bytes,
  writeSafetensors,
  type SafeTensor,
} from '../../src/features/run-archive/shared/safetensors';
import { torchToRun } from '../../src/features/run-archive/shared/torch-import';
import { runToTorch } from '../../src/features/run-archive/shared/torch-run';
import { encodeRun, snapshotRun } from '../../src/features/run-archive/worker/encode';
import { restoreRun } from '../../src/features/run-archive/worker/restore';
import type { RunSettings } from '../../src/features/training/shared/protocol';
import { BatchSampler } from '../../src/features/training/worker/batch-sampler';
import { makeDisplay } from '../../src/features/training/worker/pictures';
import { binarize, logWeightsFor } from '../../src/model/quality';
import { VaeGan } from '../../src/model/vaegan';
import { DEFAULT_HYPERPARAMS, type Hyperparams, MNIST_IMAGE } from '../../src/shared/config';
import { type Dataset, loadDataset } from '../../src/shared/dataset';
import { seedStream } from '../../src/shared/random';
import { cachedFetchBytes, withTrainer } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env.VAEGAN_PYTHON ?? '/usr/bin/python3';
const STEPS_BEFORE = 3;
const PYTHON_STEPS = 4;

let data: Dataset;
const dirs: string[] = [];

beforeAll(async () => {
  await prepareDatasets({ root });
  await tf.setBackend('cpu');
  data = await loadDataset('mnist', '/datasets/', cachedFetchBytes);
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import torch and numpy (${probe.stderr || probe.error?.message}). ` +
        'Install them: apt-get install python3-torch libopenblas0-pthread (.ci/run does).',
    );
  }
});

afterAll(() => {
  if (process.env.KEEP_FIXTURES) return;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const f32 = (values: Float32Array | number[], shape: number[]): SafeTensor => ({
  dtype: 'F32',
  shape,
  data: float32Bytes(Float32Array.from(values)),
});

/** The model's whole run as the app exports it for PyTorch. */
async function exportTorch(
  model: VaeGan,
  settings: RunSettings,
  hp: Hyperparams,
  noise: Float32Array,
) {
  const snapshot = snapshotRun(model, {
    settings,
    image: MNIST_IMAGE,
    hyperparams: hp,
    step: model.steps,
    trainingMs: 1000,
    history: [],
  });
  const { bytes } = await encodeRun(snapshot);
  return runToTorch(parseRunArchive(bytes), {
    precision: 'F32',
    optimizers: true,
    history: true,
    sampleNoise: noise,
    ...(model.config.convFilters ? { convFilters: model.config.convFilters } : {}),
  });
}

/** Everything python/check_roundtrip.py needs, for one model; returns the folder. */
async function writeFixture(
  settings: RunSettings,
  hp: Hyperparams,
  convFilters?: [number, number],
): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vaegan-torch-'));
  dirs.push(dir);
  const config = { ...settings, image: MNIST_IMAGE, ...(convFilters ? { convFilters } : {}) };
  const model = new VaeGan(config, hp);
  const sampler = new BatchSampler(data.train.images, data.train.count, settings.seed, 784);
  for (let i = 0; i < STEPS_BEFORE; i++) {
    const x = sampler.next(settings.batchSize);
    tf.dispose([await model.trainStepAsync(x, hp), x]);
  }
  const display = makeDisplay(data, settings);
  const noise = (await display.sampleZ.data()) as Float32Array;
  writeFileSync(path.join(dir, 'run.safetensors'), await exportTorch(model, settings, hp, noise));

  const tensors: { name: string; tensor: SafeTensor }[] = [];
  const put = (name: string, values: Float32Array | number[], shape: number[]) =>
    tensors.push({ name, tensor: f32(values, shape) });
  const samples = model.generate(display.sampleZ);
  put('samples', (await samples.data()) as Float32Array, [64, 1, 28, 28]);
  const m = 6;
  const s = 5;
  const d = settings.latentDim;
  const xBin = binarize(data.test.images, [0, 1, 2, 3, 4, 5], BINARIZE_SEED);
  put('x_bin', xBin, [m, 1, 28, 28]);
  const x = tf.tensor2d(xBin, [m, 784]);
  const eps = tf.randomNormal([s, m, d], 0, 1, 'float32', 99) as tf.Tensor3D;
  const vae = {
    latentDim: d,
    encode: (v: tf.Tensor2D) => model.encoder.predict(v) as tf.Tensor2D,
    decode: (z: tf.Tensor2D) => model.decoder.predict(z) as tf.Tensor2D,
  };
  const stats = vae.encode(x);
  const lw = (await logWeightsFor(vae, x, stats, eps).data()) as Float32Array; // [s, m]
  put('eps', (await eps.data()) as Float32Array, [s, m, d]);
  put('log_weights', lw, [s, m]);
  const elbo: number[] = [];
  const iwae: number[] = [];
  for (let j = 0; j < m; j++) {
    const col = Array.from({ length: s }, (_, i) => lw[i * m + j]!);
    const max = Math.max(...col);
    elbo.push(col.reduce((a, b) => a + b, 0) / s);
    iwae.push(max + Math.log(col.reduce((a, v) => a + Math.exp(v - max), 0)) - Math.log(s));
  }
  put('elbo', elbo, [m]);
  put('iwae', iwae, [m]);

  // The noise the next step will draw: the model's seed stream from where it is.
  const seeds = seedStream(settings.seed ^ 0x5eed, model.noiseDraws);
  const b = settings.batchSize;
  const draws = ['eps_vae', 'eps_fakes', 'z_prior'].map((name) => ({
    name,
    tensor: tf.randomNormal([b, d], 0, 1, 'float32', seeds()),
  }));
  const stepX = sampler.next(b);
  const metrics = await model.trainStepAsync(stepX, hp);
  put('step_x', (await stepX.data()) as Float32Array, [b, 1, 28, 28]);
  for (const draw of draws) put(draw.name, (await draw.tensor.data()) as Float32Array, [b, d]);
  put('metrics', (await metrics.data()) as Float32Array, [metrics.size]);
  const next = sampler.next(b);
  put('next_batch', (await next.data()) as Float32Array, [b, 1, 28, 28]);
  writeFileSync(path.join(dir, 'expect.safetensors'), writeSafetensors(tensors));
  writeFileSync(path.join(dir, 'after.safetensors'), await exportTorch(model, settings, hp, noise));
  tf.dispose([samples, x, eps, stats, stepX, metrics, next, ...draws.map((t) => t.tensor)]);
  tf.dispose([display.reconX, display.sampleZ, display.pairX]);
  model.dispose();
  return dir;
}

/** Runs the Python check on a fixture; returns its report. */
function runPython(dir: string) {
  const result = spawnSync(
    PYTHON,
    [path.join(root, 'python/check_roundtrip.py'), dir, '--train-steps', String(PYTHON_STEPS)],
    { encoding: 'utf8', cwd: root, timeout: 300_000 },
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: { report: Record<string, number>; failures: string[] } | undefined;
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    // Reported below with Python's own output.
  }
  if (!parsed)
    throw new Error(`python/check_roundtrip.py failed:\n${result.stdout}\n${result.stderr}`);
  return parsed;
}

const base: RunSettings = {
  dataset: 'mnist',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 32,
  hiddenLayers: 1,
  batchSize: 16,
  seed: 11,
};

describe('to PyTorch and back', () => {
  it('python/vaegan.py matches the app on an MLP run, and its file trains on in the app', async () => {
    const hp = { ...DEFAULT_HYPERPARAMS, gamma: 0.5 };
    const settings = { ...base, hiddenLayers: 2 };
    const dir = await writeFixture(settings, hp);
    const { report, failures } = runPython(dir);
    expect(failures).toEqual([]);
    expect(report.samples).toBeLessThan(2e-5);
    expect(report.binarized_bits_differing).toBe(0);
    expect(report.next_batch).toBe(0);
    expect(report.out_step).toBe(STEPS_BEFORE + 1 + PYTHON_STEPS);

    // The app's import path (the trainer's, as the Export panel uses it) takes Python's file.
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'out.safetensors')));
    await withTrainer({ settings: { ...base, seed: 1 } }, async ({ remote }) => {
      const restored = await remote.importRun(bytes);
      expect(restored.step).toBe(STEPS_BEFORE + 1 + PYTHON_STEPS);
      expect(restored.settings).toEqual(settings);
      expect(restored.hyperparams.gamma).toBe(0.5);
      expect(await remote.step()).toBe(STEPS_BEFORE + 2 + PYTHON_STEPS);
      const status = await remote.getStatus();
      expect(status.status).toBe('paused');
      // The app writes it out again: Python's curve point came along, and training went on.
      const { manifest } = await remote.exportRun();
      expect(manifest.step).toBe(STEPS_BEFORE + 2 + PYTHON_STEPS);
      expect(manifest.metrics.points).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(manifest.metrics.last?.reconstruction)).toBe(true);
    });
  });

  it('a plain VAE trained phase 1 alone (D never stepped) goes to PyTorch, trains there and comes back', async () => {
    const hp = { ...DEFAULT_HYPERPARAMS, gamma: 0, dWatches: false, binarize: true };
    const model = new VaeGan(
      {
        architecture: 'mlp',
        variant: 'shared',
        latentDim: base.latentDim,
        hiddenUnits: base.hiddenUnits,
        image: MNIST_IMAGE,
        seed: base.seed,
      },
      hp,
    );
    const sampler = new BatchSampler(data.train.images, data.train.count, base.seed, 784);
    for (let i = 0; i < 3; i++) {
      const x = sampler.next(base.batchSize, i);
      tf.dispose([x, model.trainStep(x, hp)]);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'vaegan-phase1-'));
    dirs.push(dir);
    const file = path.join(dir, 'run.safetensors');
    writeFileSync(file, await exportTorch(model, base, hp, new Float32Array(4 * base.latentDim)));
    model.dispose();
    const python = (args: string[]) => {
      const r = spawnSync(PYTHON, [path.join(root, 'python/vaegan.py'), ...args], {
        encoding: 'utf8',
        cwd: root,
        timeout: 300_000,
      });
      if (r.status !== 0) throw new Error(`python/vaegan.py ${args[0]}: ${r.stderr}`);
      return r.stdout;
    };
    const datasets = ['--datasets', path.join(root, 'public/datasets')];
    const bounds = JSON.parse(python(['elbo', file, ...datasets, '--images', '4', '--k', '5']));
    expect(Number.isFinite(bounds.nll)).toBe(true);
    const out = path.join(dir, 'out.safetensors');
    python(['train', file, ...datasets, '--steps', '2', '--out', out]);
    const bytes = new Uint8Array(readFileSync(out));
    await withTrainer({ settings: { ...base, seed: 1 } }, async ({ remote }) => {
      const restored = await remote.importRun(bytes);
      expect(restored.step).toBe(5);
      expect(restored.hyperparams).toMatchObject({ gamma: 0, dWatches: false, binarize: true });
      expect(await remote.step()).toBe(6);
    });
  });

  it('python/train_ddp.py trains the run in two DistributedDataParallel processes; the app takes it', async () => {
    const dir = await writeFixture(base, DEFAULT_HYPERPARAMS);
    const out = path.join(dir, 'ddp.safetensors');
    const ddp = spawnSync(
      PYTHON,
      [
        path.join(root, 'python/train_ddp.py'),
        path.join(dir, 'run.safetensors'),
        '--nproc',
        '2',
        '--steps',
        '3',
        '--out',
        out,
      ],
      { encoding: 'utf8', cwd: root, timeout: 300_000 },
    );
    expect(ddp.status, ddp.stderr).toBe(0);
    expect(ddp.stdout).toContain(`at step ${STEPS_BEFORE + 3} (2 processes)`);
    await withTrainer({ settings: { ...base, seed: 1 } }, async ({ remote }) => {
      const restored = await remote.importRun(new Uint8Array(readFileSync(out)));
      expect(restored.step).toBe(STEPS_BEFORE + 3);
      expect(await remote.step()).toBe(STEPS_BEFORE + 4);
    });
  });

  it('matches the app on a conv run with four networks, the feature loss and the gate', async () => {
    const settings: RunSettings = {
      ...base,
      architecture: 'conv',
      variant: 'separate',
      batchSize: 8,
    };
    const hp: Hyperparams = {
      ...DEFAULT_HYPERPARAMS,
      reconstructionLoss: 'mixed',
      equilibriumGate: true,
      gamma: 1,
    };
    // Narrow conv blocks (the layout is the same at any width): the CPU backend's convolutions
    // are slow.
    const dir = await writeFixture(settings, hp, [4, 8]);
    const { report, failures } = runPython(dir);
    expect(failures).toEqual([]);
    expect(report.weights_after_step).toBeLessThan(2e-5);
    // The app restores Python's conv file (layouts converted back) and trains a step on it.
    const run = parseRunFile(new Uint8Array(readFileSync(path.join(dir, 'out.safetensors'))));
    expect(run.convFilters).toEqual([4, 8]);
    const model = restoreRun(run);
    expect(model.steps).toBe(STEPS_BEFORE + 1 + PYTHON_STEPS);
    const x = tf.tensor2d(data.test.images.subarray(0, 8 * 784), [8, 784]).div(255) as tf.Tensor2D;
    const metrics = await model.trainStep(x, hp).data();
    expect(Array.from(metrics.slice(0, 4)).every(Number.isFinite)).toBe(true);
    tf.dispose(x);
    model.dispose();
  });

  it('converts every layout to PyTorch and back bit for bit, float16 within half precision', async () => {
    const settings: RunSettings = {
      ...base,
      architecture: 'conv',
      variant: 'separate',
      batchSize: 8,
    };
    const model = new VaeGan(
      { ...settings, image: MNIST_IMAGE, convFilters: [4, 8] },
      DEFAULT_HYPERPARAMS,
    );
    const x = tf.tensor2d(data.train.images.subarray(0, 8 * 784), [8, 784]).div(255) as tf.Tensor2D;
    tf.dispose(model.trainStep(x, DEFAULT_HYPERPARAMS));
    const snapshot = snapshotRun(model, {
      settings,
      image: MNIST_IMAGE,
      hyperparams: DEFAULT_HYPERPARAMS,
      step: 1,
      trainingMs: 5,
      history: [],
    });
    const zip = parseRunArchive((await encodeRun(snapshot)).bytes);
    const back = torchToRun(
      runToTorch(zip, { precision: 'F32', optimizers: true, history: false, convFilters: [4, 8] }),
    );
    for (const name of ['encoder', 'decoder', 'generator', 'discriminator'] as const) {
      expect(new Uint8Array(back.networks[name]!.data)).toEqual(
        new Uint8Array(zip.networks[name]!.data),
      );
      expect(back.networks[name]!.specs).toEqual(zip.networks[name]!.specs);
    }
    for (const name of ['vae', 'discriminator', 'generator'] as const) {
      expect(new Uint8Array(back.optimizers[name]!.data)).toEqual(
        new Uint8Array(zip.optimizers[name]!.data),
      );
      expect(back.optimizers[name]!.iterations).toBe(zip.optimizers[name]!.iterations);
    }
    const half = torchToRun(
      runToTorch(zip, { precision: 'F16', optimizers: false, history: false, convFilters: [4, 8] }),
    );
    expect(half.optimizers).toEqual({});
    const a = new Float32Array(zip.networks.decoder!.data);
    const h = new Float32Array(half.networks.decoder!.data);
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i]! - h[i]!) / Math.max(Math.abs(a[i]!), 2 ** -14));
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    tf.dispose(x);
    model.dispose();
  });
});
