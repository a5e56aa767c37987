// The likelihood levers one at a time, at reduced scale: trains one model with the app's model
// code, kernels and batch order (tfjs wasm in Node, one thread) for a number of steps, then
// measures NLL = -IWAE (k draws on the first test images, dynamically binarised with the quality
// panel's seed) and the ELBO. Appends one JSON line to bench/nll-levers.jsonl.
// Run: nice -n 10 node scripts/run-ts.mjs bench/nll-levers.ts --steps 5000 [--latent 32]
//   [--hidden 512] [--layers 1] [--batch 64] [--lr 0.001] [--schedule none|cosine|step]
//   [--binarize 0|1] [--gamma 0.1] [--warmup 0] [--k 1000] [--images 500] [--label text]
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_HYPERPARAMS, type Hyperparams, MNIST_IMAGE } from '../src/shared/config';
import { binarize, likelihoodBounds, mean } from '../src/model/quality';
import { VaeGan } from '../src/model/vaegan';
import { loadDataset } from '../src/shared/dataset';
import { BINARIZE_SEED, IWAE_SEED } from '../src/features/quality/shared/quality-protocol';
import { BatchSampler } from '../src/features/training/worker/batch-sampler';
import { installAfterWasmStart, installAppWasmKernels } from '../src/runtime/wasm/tfjs/install';
import { nodeFetchBytes } from '../tests/helpers/node-fetch-bytes';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number`);
  return v;
}

function text(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? String(args[i + 1]) : fallback;
}

/** Learning-rate factor at fraction `f` of the run. */
function schedule(kind: string, f: number): number {
  if (kind === 'cosine') return 0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * f));
  if (kind === 'step') return f < 0.5 ? 1 : f < 0.75 ? 0.3 : 0.1;
  if (kind === 'linear') return 1 - 0.95 * f;
  return 1;
}

export async function main(args: string[]) {
  const steps = option(args, 'steps', 5000);
  const latentDim = option(args, 'latent', 16);
  const hiddenUnits = option(args, 'hidden', 512);
  const hiddenLayers = option(args, 'layers', 1);
  const batch = option(args, 'batch', 64);
  const lr = option(args, 'lr', DEFAULT_HYPERPARAMS.lrVae);
  const gamma = option(args, 'gamma', 0);
  const warmup = option(args, 'warmup', 0);
  const binarized = option(args, 'binarize', 0) === 1;
  const kind = text(args, 'schedule', 'none');
  const k = option(args, 'k', 1000);
  const nImages = option(args, 'images', 500);
  const label = text(args, 'label', '');
  installAppWasmKernels();
  await tf.setBackend('wasm');
  installAfterWasmStart();
  await tf.ready();
  const data = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
  const config = {
    architecture: 'mlp' as const,
    variant: 'shared' as const,
    latentDim,
    hiddenUnits,
    hiddenLayers,
    image: MNIST_IMAGE,
    seed: 1,
  };
  const hp: Hyperparams = { ...DEFAULT_HYPERPARAMS, gamma, lrVae: lr };
  const model = new VaeGan(config, hp);
  const sampler = new BatchSampler(data.train.images, data.train.count, 1, 784);
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const f = (step - 1) / steps;
    const factor = schedule(kind, f);
    const live: Hyperparams = {
      ...hp,
      lrVae: lr * factor,
      lrD: hp.lrD * factor,
      lrG: hp.lrG * factor,
      beta: warmup > 0 ? Math.min(1, step / warmup) : 1,
    };
    const grey = sampler.next(batch);
    const x = binarized
      ? tf.tidy(
          () =>
            tf.cast(
              tf.less(tf.randomUniform(grey.shape, 0, 1, 'float32', step), grey),
              'float32',
            ) as tf.Tensor2D,
        )
      : grey;
    const metrics = model.trainStep(x, live);
    tf.dispose([grey, x]);
    if (step % 250 === 0) await metrics.data();
    metrics.dispose();
    if (step % 2000 === 0) console.log(`${label}: step ${step}/${steps}`);
  }
  const trainS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const binary = binarize(
    data.test.images,
    Array.from({ length: nImages }, (_, i) => i),
    BINARIZE_SEED,
  );
  const bounds = await likelihoodBounds(
    {
      latentDim,
      encode: (x) => model.encoder.predict(x) as tf.Tensor2D,
      decode: (z) => model.decoder.predict(z) as tf.Tensor2D,
    },
    binary,
    nImages,
    { k, seed: IWAE_SEED },
  );
  const result = {
    label,
    date: new Date().toISOString(),
    steps,
    latentDim,
    hiddenUnits,
    hiddenLayers,
    batch,
    lr,
    schedule: kind,
    binarized,
    gamma,
    warmup,
    k,
    images: nImages,
    nll: -mean(bounds.iwae),
    elbo: mean(bounds.elbo),
    trainS,
    stepsPerS: steps / trainS,
    evalS: (performance.now() - t1) / 1000,
  };
  console.log(JSON.stringify(result));
  await appendFile(path.resolve('bench/nll-levers.jsonl'), `${JSON.stringify(result)}\n`);
  model.dispose();
}
