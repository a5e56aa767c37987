// Inside the model after equal steps: trains the app's default model (β = 1) and the same model
// with β = 4, from the same seed and batch order, on MNIST with tfjs on the wasm backend in Node
// and the app's own kernels, then measures what the "see inside" panels show:
// - the KL of each latent dimension (nats per image) and the active units, Cov_x(E_q[z_j]) > 0.01
//   (Burda et al. 2015), over the whole test set (src/model/posterior.ts);
// - improved precision and recall (k = 3) and density and coverage of prior samples against test
//   images in the classifier's 64 features (src/model/manifold.ts), with the FCD beside them;
// - the memorisation check: each prior sample's nearest training image by pixel distance, against
//   the same for held-out test images (src/model/nearest.ts), and a picture of the pairs.
// Writes bench/inside.md and bench/inside-nearest-*.png.
// Run: npm run bench:inside [-- --steps 2000 --samples 1000 --nearest 200] (niced: it is CPU-heavy)
import { readFile, writeFile } from 'node:fs/promises';
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
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG, type Hyperparams } from '../src/shared/config';
import { fitGaussian, frechetDistance, modeCoverage } from '../src/model/frechet';
import { manifoldScores } from '../src/model/manifold';
import { median, nearestImages } from '../src/model/nearest';
import { activeUnits, klPerDimension, meanActivity } from '../src/model/posterior';
import { priorSamples } from '../src/model/quality';
import { VaeGan } from '../src/model/vaegan';
import { loadDataset } from '../src/shared/dataset';
import { composeGrid, interleave, toUnitFloats } from '../src/shared/image-grid';
import { SAMPLES_SEED } from '../src/features/quality/shared/quality-protocol';
import { BatchSampler } from '../src/features/training/worker/batch-sampler';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';
import { encodePng } from '../tests/helpers/png';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return v;
}

const BATCH = 64;
const PIXELS = 784;
/** Pairs (sample, nearest training image) in each picture. */
const PICTURE_PAIRS = 24;

/** mu and logvar of q(z|x) for `count` test images, [count * latentDim] each. */
async function encodeAll(model: VaeGan, images: Uint8Array, count: number) {
  const d = model.config.latentDim;
  const mu = new Float32Array(count * d);
  const logvar = new Float32Array(count * d);
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const indices = Array.from({ length: n }, (_, i) => start + i);
    const x = tf.tensor2d(toUnitFloats(images, indices), [n, PIXELS]);
    const out = model.encode(x);
    mu.set(await out.mu.data(), start * d);
    logvar.set(await out.logvar.data(), start * d);
    tf.dispose([x, out.mu, out.logvar]);
  }
  return { mu, logvar };
}

const f = (v: number, digits = 3) => v.toFixed(digits);

export async function main(args: string[]) {
  const steps = option(args, 'steps', 2000);
  const samples = option(args, 'samples', 1000);
  const nearestCount = option(args, 'nearest', 200);
  installAppWasmKernels();
  await tf.setBackend('wasm');
  installAfterWasmStart();
  await tf.ready();
  const data = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
  const manifest = parseClassifierManifest(
    JSON.parse(await readFile(path.resolve('public/classifiers/manifest.json'), 'utf8')),
  );
  const entry = manifest.classifiers.mnist;
  if (!entry) throw new Error('No MNIST classifier: run npm run train:classifiers');
  const bytes = await readFile(path.resolve('public/classifiers', entry.weights));
  const classifier = weightsFromArray(
    new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  );
  const first = (n: number) => Array.from({ length: n }, (_, i) => i);
  const realImages = toUnitFloats(data.test.images, first(samples));
  const real = await classifyAll(classifier, realImages, samples);
  const realGaussian = fitGaussian(real.features, samples, CLASSIFIER_FEATURES);
  // Held-out digits are new to every model: how near they come to a training image is the
  // yardstick for the samples.
  const t0 = performance.now();
  const testNearest = await nearestImages(
    toUnitFloats(data.test.images, first(nearestCount)),
    nearestCount,
    data.train.images,
    data.train.count,
    PIXELS,
  );
  const testMedian = median(testNearest.distance);
  const testMin = Math.min(...testNearest.distance);
  console.log(
    `test images: median nearest-training distance ${f(testMedian)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );

  const sections: string[] = [];
  const summary: string[] = [];
  for (const [name, beta] of [
    ['default (β = 1)', 1],
    ['β = 4', 4],
  ] as const) {
    const hp: Hyperparams = { ...DEFAULT_HYPERPARAMS, beta };
    const model = new VaeGan(DEFAULT_MODEL_CONFIG, hp);
    const sampler = new BatchSampler(
      data.train.images,
      data.train.count,
      DEFAULT_MODEL_CONFIG.seed,
      PIXELS,
    );
    const tTrain = performance.now();
    let last: Float32Array = new Float32Array();
    for (let step = 1; step <= steps; step++) {
      const x = sampler.next(BATCH);
      const metrics = model.trainStep(x, hp);
      x.dispose();
      if (step % 250 === 0 || step === steps) last = (await metrics.data()) as Float32Array;
      metrics.dispose();
      if (step % 500 === 0) console.log(`${name}: step ${step}/${steps}`);
    }
    const trainS = (performance.now() - tTrain) / 1000;
    const tMeasure = performance.now();
    const d = model.config.latentDim;
    const count = data.test.count;
    const { mu, logvar } = await encodeAll(model, data.test.images, count);
    const kl = klPerDimension(mu, logvar, count, d);
    const activity = meanActivity(mu, count, d);
    const active = activeUnits(mu, count, d);
    const klTotal = kl.reduce((a, b) => a + b, 0);
    const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => kl[b]! - kl[a]!);

    const fakeImages = await priorSamples(
      (z) => model.generator.predict(z) as tf.Tensor2D,
      d,
      samples,
      SAMPLES_SEED,
    );
    const fake = await classifyAll(classifier, fakeImages, samples);
    const scores = manifoldScores(
      real.features,
      samples,
      fake.features,
      samples,
      CLASSIFIER_FEATURES,
      3,
    );
    const fcd = frechetDistance(
      realGaussian,
      fitGaussian(fake.features, samples, CLASSIFIER_FEATURES),
    );
    const coverage = modeCoverage(fake.predictions, CLASSIFIER_CLASSES);
    const near = await nearestImages(
      fakeImages,
      nearestCount,
      data.train.images,
      data.train.count,
      PIXELS,
    );
    const sampleMedian = median(near.distance);
    const closer = near.distance.filter((v) => v < testMin).length;
    const measureS = (performance.now() - tMeasure) / 1000;

    // The first pairs as a picture: each sample beside its nearest training image.
    const pairs = Math.min(PICTURE_PAIRS, nearestCount);
    const neighbours = toUnitFloats(data.train.images, Array.from(near.index.subarray(0, pairs)));
    const grid = composeGrid(
      interleave(fakeImages.subarray(0, pairs * PIXELS), neighbours, PIXELS),
      2 * pairs,
      { cols: 12, gap: 1, groupEvery: 2, groupGap: 4 },
    );
    const pngName = `inside-nearest-beta${beta}.png`;
    await writeFile(
      path.resolve('bench', pngName),
      encodePng(grid.width, grid.height, new Uint8Array(grid.pixels.buffer)),
    );

    const line = `| ${name} | ${active} of ${d} | ${f(klTotal, 2)} | ${f(scores.precision)} | ${f(scores.recall)} | ${f(scores.density)} | ${f(scores.coverage)} | ${f(fcd, 2)} | ${coverage.present} of 10 | ${f(sampleMedian)} (${f(sampleMedian / testMedian, 2)}×) | ${closer} of ${nearestCount} |`;
    console.log(line);
    summary.push(line);
    sections.push(`### ${name}

After ${steps} steps (${trainS.toFixed(0)} s training, ${measureS.toFixed(0)} s measuring): L_rec ${f(last[0]!, 1)}, KL ${f(last[1]!, 2)} nats per image on the last batch.

Per-dimension KL over the ${count.toLocaleString('en')} test images (nats per image), largest first, with Cov_x(E_q[z_j]):

| dimension | ${order.map((j) => `z${j + 1}`).join(' | ')} |
| --- | ${order.map(() => '---:').join(' | ')} |
| KL | ${order.map((j) => f(kl[j]!, 3)).join(' | ')} |
| Cov_x(E_q[z_j]) | ${order.map((j) => f(activity[j]!, 3)).join(' | ')} |

Nearest training images of the first ${pairs} prior samples (sample, then its neighbour): \`bench/${pngName}\`.
`);
    model.dispose();
  }
  tf.dispose(classifier);

  const md = `# Inside the model: default vs β = 4 at ${steps.toLocaleString('en')} steps

\`npm run bench:inside -- --steps ${steps} --samples ${samples} --nearest ${nearestCount}\`, ${new Date().toISOString().slice(0, 10)}.
Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, tfjs ${tf.version.tfjs} wasm backend with the app's kernels (one thread), load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}.

Both runs: the app's default model (MNIST, shared decoder = generator, mlp 784-512-16, batch ${BATCH},
seed ${DEFAULT_MODEL_CONFIG.seed}, γ = ${DEFAULT_HYPERPARAMS.gamma}, Adam lrs ${DEFAULT_HYPERPARAMS.lrVae} / ${DEFAULT_HYPERPARAMS.lrD} / ${DEFAULT_HYPERPARAMS.lrG}, no KL warm-up, no free bits), the
same batches in the app's order, ${steps} steps each; only β differs.

- **Active units**: latent dimensions whose posterior mean varies over the test set,
  Cov_x(E_q[z_j]) > 0.01 (Burda et al. 2015); **KL**: the sum of the per-dimension KLs, i.e. the
  KL term of the ELBO, averaged over all ${data.test.count.toLocaleString('en')} test images.
- **Precision, recall** (Kynkäänniemi et al. 2019, k = 3) and **density, coverage** (Naeem et
  al. 2020) of ${samples} prior samples against the first ${samples} test images, in the 64 features of
  the shipped classifier (test accuracy ${(entry.testAccuracy * 100).toFixed(2)}%); the FCD and the classes present in the same
  features, as the quality panel shows them.
- **Nearest training image**: the median Euclidean pixel distance (pixels in [0, 1]) from each of
  the first ${nearestCount} prior samples to its nearest of the ${data.train.count.toLocaleString('en')} training images, and its ratio to the same
  median for the first ${nearestCount} test images (${f(testMedian)}; the nearest any test image comes is ${f(testMin)}).
  A sample closer to a training image than any held-out digit comes would be a likely copy.

| run | active units | KL (nats) | precision | recall | density | coverage | FCD | classes | median nearest distance (vs test) | samples closer than any test image |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |
${summary.join('\n')}

${sections.join('\n')}
Times are wall-clock on a machine shared with other work; they measure the load as much as the code.
`;
  await writeFile(path.resolve('bench/inside.md'), md);
  console.log('wrote bench/inside.md');
}
