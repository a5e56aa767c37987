// VAE vs VAEGAN at equal steps: trains the app's default model with gamma = 0 (a plain VAE) and
// with the default gamma, from the same seed and batch order, on MNIST with tfjs on the wasm
// backend in Node, then measures both with the quality panel's code (src/model/quality.ts,
// frechet.ts, classifier.ts): NLL = -IWAE bound with k draws on the first test images
// (dynamically binarised, fixed seed), the ELBO from the same draws, FCD and mode coverage.
// Writes bench/quality.md. Run: npm run bench:quality [-- --steps 2000 --k 5000 --nll-images 100]
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
import { binarize, likelihoodBounds, mean, priorSamples } from '../src/model/quality';
import { VaeGan } from '../src/model/vaegan';
import { loadDataset } from '../src/shared/dataset';
import { toUnitFloats } from '../src/shared/image-grid';
import {
  BINARIZE_SEED,
  IWAE_SEED,
  SAMPLES_SEED,
} from '../src/features/quality/shared/quality-protocol';
import { BatchSampler } from '../src/features/training/worker/batch-sampler';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return v;
}

const BATCH = 64;

export async function main(args: string[]) {
  const steps = option(args, 'steps', 2000);
  const k = option(args, 'k', 5000);
  const nllImages = option(args, 'nll-images', 100);
  const samples = option(args, 'samples', 1000);
  // The app's own wasm kernels, as its training worker has them (src/runtime/wasm/tfjs/install.ts).
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
  const testFirst = (n: number) => Array.from({ length: n }, (_, i) => i);
  const real = await classifyAll(
    classifier,
    toUnitFloats(data.test.images, testFirst(samples)),
    samples,
  );
  const realGaussian = fitGaussian(real.features, samples, CLASSIFIER_FEATURES);
  const binary = binarize(data.test.images, testFirst(nllImages), BINARIZE_SEED);

  const rows: string[] = [];
  for (const [name, gamma] of [
    ['VAE (γ = 0)', 0],
    [`VAEGAN (γ = ${DEFAULT_HYPERPARAMS.gamma})`, DEFAULT_HYPERPARAMS.gamma],
  ] as const) {
    const hp: Hyperparams = { ...DEFAULT_HYPERPARAMS, gamma };
    const model = new VaeGan(DEFAULT_MODEL_CONFIG, hp);
    const sampler = new BatchSampler(
      data.train.images,
      data.train.count,
      DEFAULT_MODEL_CONFIG.seed,
      784,
    );
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      const x = sampler.next(BATCH);
      const metrics = model.trainStep(x, hp);
      x.dispose();
      if (step % 250 === 0) await metrics.data(); // keep the queue short
      metrics.dispose();
      if (step % 500 === 0) console.log(`${name}: step ${step}/${steps}`);
    }
    const trainS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const bounds = await likelihoodBounds(
      {
        latentDim: model.config.latentDim,
        encode: (x) => model.encoder.predict(x) as tf.Tensor2D,
        decode: (z) => model.decoder.predict(z) as tf.Tensor2D,
      },
      binary,
      nllImages,
      { k, seed: IWAE_SEED },
    );
    const evalS = (performance.now() - t1) / 1000;
    const images = await priorSamples(
      (z) => model.generator.predict(z) as tf.Tensor2D,
      model.config.latentDim,
      samples,
      SAMPLES_SEED,
    );
    const fake = await classifyAll(classifier, images, samples);
    const fcd = frechetDistance(
      realGaussian,
      fitGaussian(fake.features, samples, CLASSIFIER_FEATURES),
    );
    const coverage = modeCoverage(fake.predictions, CLASSIFIER_CLASSES);
    const row =
      `| ${name} | ${steps} | ${(-mean(bounds.iwae)).toFixed(2)} | ${mean(bounds.elbo).toFixed(2)} | ` +
      `${fcd.toFixed(2)} | ${coverage.present} of 10 (${coverage.histogram.join(' ')}) | ` +
      `${trainS.toFixed(0)} s | ${evalS.toFixed(0)} s |`;
    console.log(row);
    rows.push(row);
    model.dispose();
  }
  tf.dispose(classifier);

  const md = `# VAE vs VAEGAN at equal steps (quality measures)

\`npm run bench:quality -- --steps ${steps} --k ${k} --nll-images ${nllImages} --samples ${samples}\`, ${new Date().toISOString().slice(0, 10)}.
Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, tfjs ${tf.version.tfjs} wasm backend (one thread).

Both runs: the app's default model (MNIST, shared decoder = generator, latent 16, hidden 512,
batch ${BATCH}, seed ${DEFAULT_MODEL_CONFIG.seed}, β = ${DEFAULT_HYPERPARAMS.beta}, Adam lrs ${DEFAULT_HYPERPARAMS.lrVae} / ${DEFAULT_HYPERPARAMS.lrD} / ${DEFAULT_HYPERPARAMS.lrG}), the same
batches, ${steps} steps each; only γ differs.

- **NLL**: −IWAE bound with k = ${k} draws per image on the first ${nllImages} MNIST test images, dynamically
  binarised with a fixed seed (nats; lower is better). Literature: 86.76 nats for a VAE with one
  stochastic layer after full training (Burda et al. 2015, Table 1, k = 5,000, all 10,000 test images).
- **ELBO**: mean of log p(x|z) + log p(z) − log q(z|x) over the same draws (nats; higher is better).
- **FCD**: Fréchet distance between the classifier features (64, penultimate layer of
  public/classifiers/mnist.bin, test accuracy ${(entry.testAccuracy * 100).toFixed(2)}%) of the first ${samples} test images
  and ${samples} prior samples (lower is better).
- **Coverage**: classes that the classifier finds in at least 1% of the ${samples} prior samples, and the histogram.

| run | steps | NLL (−IWAE) | ELBO | FCD | coverage (histogram 0–9) | train | NLL eval |
| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |
${rows.join('\n')}

Times are wall-clock on the machine above; on a shared machine they measure the load as much as the code.
`;
  await writeFile(path.resolve('bench/quality.md'), md);
  console.log('wrote bench/quality.md');
}
