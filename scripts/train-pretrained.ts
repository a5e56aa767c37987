// Trains the runs "Start from a trained model" loads: the app's default model (its default
// settings and learning rates, its batch order and kernels: tfjs on the wasm backend in Node),
// one per built-in data set, then measures it as the quality panel does and writes it to
// public/pretrained/<data set>.safetensors with float16 weights and no optimiser moments (small:
// fetched only when a user asks; the discriminator is left out and starts afresh from the seed),
// recording how it was trained and what it scores, and lists it in public/pretrained/manifest.json.
// Run: npm run train:pretrained [-- --datasets mnist,fashion-mnist --epochs 20]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  CLASSIFIER_CLASSES,
  CLASSIFIER_FEATURES,
  classifyAll,
  parseClassifierManifest,
  weightsFromArray,
} from '../src/model/classifier';
import { fitGaussian, frechetDistance, modeCoverage } from '../src/model/frechet';
import { binarize, likelihoodBounds, mean, priorSamples } from '../src/model/quality';
import { VaeGan } from '../src/model/vaegan';
import { DEFAULT_HYPERPARAMS } from '../src/shared/config';
import { type BuiltinDatasetId, imageShapeOf, loadDataset } from '../src/shared/dataset';
import { toUnitFloats } from '../src/shared/image-grid';
import { DEFAULT_RUN_SETTINGS } from '../src/shared/settings';
import { METRIC_NAMES } from '../src/shared/metrics';
import {
  BINARIZE_SEED,
  IWAE_SEED,
  SAMPLES_SEED,
} from '../src/features/quality/shared/quality-protocol';
import { parseRunArchive } from '../src/features/run-archive/shared/parse';
import { runToTorch, type TrainedRecord } from '../src/features/run-archive/shared/torch-run';
import { encodeRun, snapshotRun } from '../src/features/run-archive/worker/encode';
import type { MetricsPoint, RunSettings } from '../src/features/training/shared/protocol';
import { BatchSampler } from '../src/features/training/worker/batch-sampler';
import { makeDisplay, disposeDisplay } from '../src/features/training/worker/pictures';
import { stepsPerEpoch } from '../src/features/training/shared/budget';
import {
  PRETRAINED_FORMAT_VERSION,
  type PretrainedEntry,
  type PretrainedManifest,
} from '../src/features/warm-start/shared/pretrained';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';

export const PRETRAINED_DIR = path.resolve('public/pretrained');
/** A curve point every this many steps. */
const REPORT_EVERY = 200;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function readManifest(): Promise<PretrainedManifest> {
  try {
    return JSON.parse(
      await readFile(path.join(PRETRAINED_DIR, 'manifest.json'), 'utf8'),
    ) as PretrainedManifest;
  } catch {
    return { formatVersion: PRETRAINED_FORMAT_VERSION, runs: [] };
  }
}

/** The quality panel's figures for a model: ELBO and NLL (IWAE), FCD and coverage. */
async function figures(model: VaeGan, id: BuiltinDatasetId, images: number, k: number) {
  const data = await loadDataset(id, '/datasets/', nodeFetchBytes);
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  const bounds = await likelihoodBounds(
    {
      latentDim: model.config.latentDim,
      encode: (x) => model.encoder.predict(x) as tf.Tensor2D,
      decode: (z) => model.decoder.predict(z) as tf.Tensor2D,
    },
    binarize(data.test.images, first(images), BINARIZE_SEED),
    images,
    { k, seed: IWAE_SEED },
  );
  const manifest = parseClassifierManifest(
    JSON.parse(await readFile(path.resolve('public/classifiers/manifest.json'), 'utf8')),
  );
  const entry = manifest.classifiers[id]!;
  const bytes = await readFile(path.resolve('public/classifiers', entry.weights));
  const classifier = weightsFromArray(
    new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  );
  const samples = 1000;
  const real = await classifyAll(
    classifier,
    toUnitFloats(data.test.images, first(samples)),
    samples,
  );
  const fakeImages = await priorSamples(
    (z) => model.generator.predict(z) as tf.Tensor2D,
    model.config.latentDim,
    samples,
    SAMPLES_SEED,
  );
  const fake = await classifyAll(classifier, fakeImages, samples);
  const fcd = frechetDistance(
    fitGaussian(real.features, samples, CLASSIFIER_FEATURES),
    fitGaussian(fake.features, samples, CLASSIFIER_FEATURES),
  );
  const coverage = modeCoverage(fake.predictions, CLASSIFIER_CLASSES);
  tf.dispose(classifier);
  return {
    testElbo: Number(mean(bounds.elbo).toFixed(2)),
    testNll: Number((-mean(bounds.iwae)).toFixed(2)),
    measuredOn: `the first ${images} test images, dynamically binarised (seed ${BINARIZE_SEED}), k = ${k}`,
    fcd: Number(fcd.toFixed(2)),
    fcdSamples: samples,
    classesCovered: coverage.present,
  };
}

async function trainOne(id: BuiltinDatasetId, epochs: number, k: number, images: number) {
  const data = await loadDataset(id, '/datasets/', nodeFetchBytes);
  const settings: RunSettings = { ...DEFAULT_RUN_SETTINGS, dataset: id };
  const hp = { ...DEFAULT_HYPERPARAMS };
  const image = imageShapeOf(data.info);
  const model = new VaeGan({ ...settings, image }, hp);
  const sampler = new BatchSampler(data.train.images, data.train.count, settings.seed, 784);
  const steps = Math.round(epochs * stepsPerEpoch(data.train.count, settings.batchSize));
  const history: MetricsPoint[] = [];
  const sums = new Float64Array(METRIC_NAMES.length);
  const counts = new Float64Array(METRIC_NAMES.length);
  const t0 = performance.now();
  let mark = t0;
  for (let step = 1; step <= steps; step++) {
    const x = sampler.next(settings.batchSize);
    const metrics = model.trainStep(x, hp);
    x.dispose();
    if (step % 25 === 0 || step === steps) {
      // Every 25th step's metrics stand for the point (a readback per step would slow training).
      const values = await metrics.data();
      values.forEach((v, i) => {
        if (Number.isFinite(v)) {
          sums[i]! += v;
          counts[i]! += 1;
        }
      });
    }
    metrics.dispose();
    if (step % REPORT_EVERY === 0 || step === steps) {
      const now = performance.now();
      const rate = (step % REPORT_EVERY || REPORT_EVERY) / ((now - mark) / 1000);
      history.push({
        step,
        time: now - t0,
        stepsPerSec: rate,
        imagesPerSec: rate * settings.batchSize,
        values: Object.fromEntries(
          METRIC_NAMES.map((name, i) => [
            name,
            counts[i]! > 0 ? sums[i]! / counts[i]! : Number.NaN,
          ]),
        ) as MetricsPoint['values'],
      });
      sums.fill(0);
      counts.fill(0);
      mark = now;
      if (step % (REPORT_EVERY * 10) === 0) console.log(`${id}: step ${step} of ${steps}`);
    }
  }
  const trainingMs = performance.now() - t0;
  const measured = await figures(model, id, images, k);
  console.log(`${id}:`, measured);
  const display = makeDisplay(data, settings);
  const noise = (await display.sampleZ.data()) as Float32Array;
  disposeDisplay(display);
  const snapshot = snapshotRun(model, {
    settings,
    image,
    hyperparams: hp,
    step: steps,
    trainingMs,
    history,
  });
  const { bytes: zip } = await encodeRun(snapshot);
  const trained: TrainedRecord = {
    script: 'scripts/train-pretrained.ts',
    steps,
    epochs,
    trainingSeconds: Math.round(trainingMs / 1000),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, tfjs ${tf.version.tfjs} wasm (one thread, the app's kernels)`,
    date: new Date().toISOString().slice(0, 10),
    figures: measured,
    omitted: ['discriminator'],
  };
  const bytes = runToTorch(parseRunArchive(zip), {
    precision: 'F16',
    optimizers: false,
    history: true,
    sampleNoise: noise,
    trained,
    // A third less to fetch; the discriminator catches up within a few hundred steps.
    omitDiscriminator: true,
  });
  model.dispose();
  const file = `${id}.safetensors`;
  await writeFile(path.join(PRETRAINED_DIR, file), bytes);
  console.log(`wrote public/pretrained/${file} (${bytes.byteLength} bytes)`);
  const entry: PretrainedEntry = { dataset: id, file, bytes: bytes.byteLength, settings, trained };
  return entry;
}

export async function main(args: string[]) {
  const ids = option(args, 'datasets', 'mnist,fashion-mnist').split(',') as BuiltinDatasetId[];
  const epochs = Number(option(args, 'epochs', '20'));
  const k = Number(option(args, 'k', '1000'));
  const images = Number(option(args, 'images', '1000'));
  installAppWasmKernels();
  await tf.setBackend('wasm');
  installAfterWasmStart();
  await tf.ready();
  await mkdir(PRETRAINED_DIR, { recursive: true });
  for (const id of ids) {
    const entry = await trainOne(id, epochs, k, images);
    const manifest = await readManifest();
    manifest.runs = [...manifest.runs.filter((r) => r.dataset !== id), entry].sort((a, b) =>
      a.dataset.localeCompare(b.dataset),
    );
    await writeFile(
      path.join(PRETRAINED_DIR, 'manifest.json'),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
  }
}
