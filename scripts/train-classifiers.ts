// Trains the quality panel's classifiers (src/model/classifier.ts), one per data set, with tfjs
// on the wasm backend in Node, and writes their weights and test accuracy into
// public/classifiers/. Each training image is shifted by a random whole number of pixels, up to
// --shift in each direction (zeros fill in), a fresh shift every epoch.
// Run: npm run train:classifiers [-- --datasets mnist --epochs 10 --shift 2]
// After every epoch it measures the whole test split and writes the files, so an interrupted
// run still leaves a usable classifier.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  CLASSIFIER_ARCHITECTURE,
  classify,
  initClassifierWeights,
  parseClassifierManifest,
  weightsToArray,
  type ClassifierManifest,
} from '../src/model/classifier';
import { mulberry32 } from '../src/shared/random';
import { type BuiltinDatasetId, loadDataset } from '../src/shared/dataset';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';

export const CLASSIFIER_DIR = path.resolve('public/classifiers');

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

/** Learning rate of each epoch: Adam at 2e-3, then 0.75 times the last one per epoch. */
const learningRate = (epoch: number) => 2e-3 * 0.75 ** epoch;

/** Copies a 28x28 image into `out` at `offset`, moved by (dx, dy) pixels, scaled to [0, 1]. */
function shiftedImage(
  images: Uint8Array,
  index: number,
  dx: number,
  dy: number,
  out: Float32Array,
  offset: number,
) {
  const src = index * 784;
  for (let y = 0; y < 28; y++) {
    const sy = y - dy;
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      out[offset + y * 28 + x] =
        sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? images[src + sy * 28 + sx]! / 255 : 0;
    }
  }
}

async function accuracy(weights: tf.Tensor[], images: Uint8Array, labels: Uint8Array) {
  let correct = 0;
  const count = labels.length;
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const pred = tf.tidy(() => {
      const x = tf.tensor2d(images.subarray(start * 784, (start + n) * 784), [n, 784], 'int32');
      return tf.argMax(classify(weights, tf.div(x, 255)).logits, 1);
    });
    const p = await pred.data();
    pred.dispose();
    for (let i = 0; i < n; i++) if (p[i] === labels[start + i]) correct++;
  }
  return correct / count;
}

async function readManifest(): Promise<ClassifierManifest> {
  try {
    const text = await readFile(path.join(CLASSIFIER_DIR, 'manifest.json'), 'utf8');
    return parseClassifierManifest(JSON.parse(text));
  } catch {
    return { formatVersion: 1, classifiers: {} };
  }
}

async function train(
  id: BuiltinDatasetId,
  epochs: number,
  batch: number,
  seed: number,
  shift: number,
) {
  const data = await loadDataset(id, '/datasets/', nodeFetchBytes);
  const { images, labels, count } = data.train;
  const weights = initClassifierWeights(seed);
  const optimizer = tf.train.adam(learningRate(0));
  const random = mulberry32(seed);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  const xBuf = new Float32Array(batch * 784);
  const yBuf = new Int32Array(batch);
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate(epoch);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const steps = Math.floor(count / batch);
    let lossSum = 0;
    let tick = performance.now();
    for (let step = 0; step < steps; step++) {
      for (let b = 0; b < batch; b++) {
        const k = order[step * batch + b]!;
        const dx = Math.floor(random() * (2 * shift + 1)) - shift;
        const dy = Math.floor(random() * (2 * shift + 1)) - shift;
        shiftedImage(images, k, dx, dy, xBuf, b * 784);
        yBuf[b] = labels[k]!;
      }
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(xBuf, [batch, 784]);
        const y = tf.oneHot(tf.tensor1d(yBuf, 'int32'), 10);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, classify(weights, x).logits) as tf.Scalar,
          true,
          weights,
        )!;
      });
      lossSum += (await loss.data())[0]!;
      loss.dispose();
      if ((step + 1) % 100 === 0) {
        const now = performance.now();
        console.log(
          `${id} epoch ${epoch + 1}/${epochs} step ${step + 1}/${steps} loss ${(lossSum / 100).toFixed(4)} ` +
            `${((100 * batch) / ((now - tick) / 1000)).toFixed(0)} images/s`,
        );
        lossSum = 0;
        tick = now;
      }
    }
    const acc = await accuracy(weights, data.test.images, data.test.labels);
    console.log(`${id} epoch ${epoch + 1}: test accuracy ${(acc * 100).toFixed(2)}%`);
    await mkdir(CLASSIFIER_DIR, { recursive: true });
    const file = `${id}.bin`;
    const values = await weightsToArray(weights);
    await writeFile(path.join(CLASSIFIER_DIR, file), new Uint8Array(values.buffer));
    // Reread so that a parallel run for the other data set keeps its entry.
    const manifest = await readManifest();
    manifest.classifiers[id] = {
      weights: file,
      architecture: CLASSIFIER_ARCHITECTURE,
      testAccuracy: acc,
      testCount: data.test.count,
      epochs: epoch + 1,
      trainImages: count,
      seed,
      shift,
    };
    await writeFile(
      path.join(CLASSIFIER_DIR, 'manifest.json'),
      JSON.stringify(manifest, null, 2) + '\n',
    );
  }
  console.log(`${id}: ${((performance.now() - started) / 60000).toFixed(1)} min`);
  weights.forEach((w) => w.dispose());
  optimizer.dispose();
}

export async function main(args: string[]) {
  // The conv weight gradient (tfjs-backend-wasm has none) and fast transposed products.
  installAppWasmKernels();
  await tf.setBackend('wasm');
  installAfterWasmStart();
  await tf.ready();
  const ids = option(args, 'datasets', 'mnist,fashion-mnist').split(',') as BuiltinDatasetId[];
  const epochs = Number(option(args, 'epochs', '10'));
  const shift = Number(option(args, 'shift', '2'));
  const batch = Number(option(args, 'batch', '64'));
  const seed = Number(option(args, 'seed', '1'));
  for (const id of ids) await train(id, epochs, batch, seed, shift);
}
