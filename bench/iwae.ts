// The careful likelihood of an exported run, as the literature measures it: the IWAE bound with
// k draws (5,000) on the first N (all 10,000) MNIST test images, dynamically binarised with the
// quality panel's seed, with the app's own code (src/model/quality.ts) on tfjs wasm in Node, and
// the FCD and coverage of M prior samples. NLL = -IWAE.
// Long (an hour or more for k = 5,000 on 10,000 images), so it works in chunks of images and
// keeps what it has done in a state file after each: run it again and it goes on where it
// stopped. --workers n splits the images between n processes (one per core).
// Run: node scripts/run-ts.mjs bench/iwae.ts run.zip [--k 5000 --images 10000 --workers 2
//      --samples 1000 --state bench/nll30/iwae-run.json]
// Prints one JSON line: nll, elbo, fcd, coverage, and the seconds the bounds took.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
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
import { binarize, likelihoodBounds, priorSamples } from '../src/model/quality';
import type { VaeGan } from '../src/model/vaegan';
import { loadDataset } from '../src/shared/dataset';
import { toUnitFloats } from '../src/shared/image-grid';
import {
  BINARIZE_SEED,
  IWAE_SEED,
  SAMPLES_SEED,
} from '../src/features/quality/shared/quality-protocol';
import { parseRunFile } from '../src/features/run-archive/shared/run-file';
import { restoreRun } from '../src/features/run-archive/worker/restore';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';

/** Images per chunk: a few seconds to a minute each, so little is lost when stopped. */
const CHUNK = 10;

interface State {
  /** The run file's SHA-256: a state file of another run is not reused. */
  run: string;
  k: number;
  from: number;
  to: number;
  /** Per image, from `from` on, as far as done. */
  elbo: number[];
  iwae: number[];
  /** Wall-clock seconds spent on the bounds so far, over every resumption. */
  seconds: number;
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function readState(file: string, fresh: State): Promise<State> {
  if (!existsSync(file)) return fresh;
  const s = JSON.parse(await readFile(file, 'utf8')) as State;
  const same = s.run === fresh.run && s.k === fresh.k && s.from === fresh.from && s.to === fresh.to;
  return same ? s : fresh;
}

async function writeState(file: string, s: State) {
  // Written whole, then renamed: a kill mid-write leaves the last good state.
  await writeFile(`${file}.tmp`, JSON.stringify(s));
  await rename(`${file}.tmp`, file);
}

async function startBackend() {
  installAppWasmKernels();
  await tf.setBackend('wasm');
  installAfterWasmStart();
  await tf.ready();
}

/** The bounds of images [from, to), chunk by chunk, resuming from the state file. */
async function bounds(
  model: VaeGan,
  runHash: string,
  k: number,
  from: number,
  to: number,
  stateFile: string,
) {
  const data = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
  const indices = Array.from({ length: to }, (_, i) => i);
  // The binarisation draws depend on the images before: binarise from image 0, keep [from, to).
  const binary = binarize(data.test.images, indices, BINARIZE_SEED).subarray(from * 784);
  const state = await readState(stateFile, {
    run: runHash,
    k,
    from,
    to,
    elbo: [],
    iwae: [],
    seconds: 0,
  });
  const vae = {
    latentDim: model.config.latentDim,
    encode: (x: tf.Tensor2D) => model.encoder.predict(x) as tf.Tensor2D,
    decode: (z: tf.Tensor2D) => model.decoder.predict(z) as tf.Tensor2D,
  };
  while (state.elbo.length < to - from) {
    const start = state.elbo.length;
    const m = Math.min(CHUNK, to - from - start);
    const t0 = performance.now();
    const b = await likelihoodBounds(vae, binary.subarray(start * 784, (start + m) * 784), m, {
      k,
      // A seed per chunk, so no two chunks share their draws.
      seed: IWAE_SEED + from + start,
    });
    state.elbo.push(...b.elbo);
    state.iwae.push(...b.iwae);
    state.seconds += (performance.now() - t0) / 1000;
    await writeState(stateFile, state);
    const done = state.elbo.length;
    if (done % (CHUNK * 10) === 0 || done === to - from) {
      console.error(`images ${from + done} of ${from}..${to}: ${state.seconds.toFixed(0)} s`);
    }
  }
  return state;
}

/** FCD and coverage of the run's prior samples against the first test images. */
async function fcd(model: VaeGan, samples: number) {
  const data = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
  const manifest = parseClassifierManifest(
    JSON.parse(await readFile(path.resolve('public/classifiers/manifest.json'), 'utf8')),
  );
  const entry = manifest.classifiers.mnist!;
  const bytes = await readFile(path.resolve('public/classifiers', entry.weights));
  const classifier = weightsFromArray(
    new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  );
  const first = Array.from({ length: samples }, (_, i) => i);
  const real = await classifyAll(classifier, toUnitFloats(data.test.images, first), samples);
  const images = await priorSamples(
    (z) => model.generator.predict(z) as tf.Tensor2D,
    model.config.latentDim,
    samples,
    SAMPLES_SEED,
  );
  const fake = await classifyAll(classifier, images, samples);
  const distance = frechetDistance(
    fitGaussian(real.features, samples, CLASSIFIER_FEATURES),
    fitGaussian(fake.features, samples, CLASSIFIER_FEATURES),
  );
  const coverage = modeCoverage(fake.predictions, CLASSIFIER_CLASSES);
  tf.dispose(classifier);
  return { fcd: distance, classes: coverage.present };
}

function child(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['scripts/run-ts.mjs', 'bench/iwae.ts', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`a worker exited with ${code}`)),
    );
  });
}

export async function main(args: string[]) {
  const file = args[0];
  if (!file || file.startsWith('--'))
    throw new Error('usage: bench/iwae.ts <run.zip|run.safetensors> [--k 5000 ...]');
  const k = Number(option(args, 'k', '5000'));
  const images = Number(option(args, 'images', '10000'));
  const workers = Number(option(args, 'workers', '1'));
  const samples = Number(option(args, 'samples', '1000'));
  const stateBase = option(args, 'state', `${file}.iwae.json`);
  const bytes = new Uint8Array(await readFile(file));
  const runHash = createHash('sha256').update(bytes).digest('hex');
  const shard = option(args, 'shard', '');
  await startBackend();
  const model = restoreRun(parseRunFile(bytes));
  if (shard) {
    // A worker: one contiguous share of the images.
    const [i, n] = shard.split('/').map(Number) as [number, number];
    const from = Math.floor((images * i) / n);
    const to = Math.floor((images * (i + 1)) / n);
    await bounds(model, runHash, k, from, to, `${stateBase}.${i}-of-${n}`);
    return;
  }
  const t0 = performance.now();
  if (workers > 1) {
    model.dispose();
    await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        child([
          file,
          '--k',
          String(k),
          '--images',
          String(images),
          '--state',
          stateBase,
          '--shard',
          `${i}/${workers}`,
        ]),
      ),
    );
  } else {
    await bounds(model, runHash, k, 0, images, `${stateBase}.0-of-1`);
  }
  const n = workers > 1 ? workers : 1;
  let elbo = 0;
  let iwae = 0;
  let seconds = 0;
  for (let i = 0; i < n; i++) {
    const s = JSON.parse(await readFile(`${stateBase}.${i}-of-${n}`, 'utf8')) as State;
    for (let j = 0; j < s.elbo.length; j++) {
      elbo += s.elbo[j]!;
      iwae += s.iwae[j]!;
    }
    seconds = Math.max(seconds, s.seconds);
  }
  const wallS = (performance.now() - t0) / 1000;
  const restored = workers > 1 ? restoreRun(parseRunFile(bytes)) : model;
  const quality = await fcd(restored, samples);
  restored.dispose();
  const result = {
    run: path.basename(file),
    k,
    images,
    nll: -iwae / images,
    elbo: elbo / images,
    fcd: quality.fcd,
    classes: quality.classes,
    samples,
    /** The longest worker's own time on the bounds, over every resumption. */
    boundsSeconds: Math.round(seconds),
    /** This invocation's wall time (less than boundsSeconds when it resumed). */
    wallSeconds: Math.round(wallS),
  };
  console.log(JSON.stringify(result));
}
