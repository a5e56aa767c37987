/**
 * A `.safetensors` run (written by torch-run.ts or python/vaegan.py) read back into the app's
 * own layout: a ParsedRun, as a run zip gives, so it restores and trains on like an imported
 * zip. Every tensor is checked against a model of the file's config before anything is built.
 * No tfjs, no DOM.
 */
import {
  ARCHITECTURES,
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  imageSize,
  MNIST_IMAGE,
  sanitizeHyperparams,
} from '../../../shared/config';
import { runSettingsProblems } from '../../../shared/settings';
import type { RunSettings } from '../../training/shared/protocol';
import {
  networkNames,
  type NetworkName,
  OPTIMIZER_NAMES,
  refuse,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  type RunManifest,
  type WeightSpec,
} from './format';
import { readHistory } from './history-file';
import { MAX_NOISE_DRAWS, MAX_STEPS, MAX_TRAINING_MS, RUN_IMAGE_SHAPES } from './limits';
import { isUserDatasetRef, type ParsedRun, type WeightBlock } from './parse';
import { readAutoStop, readBudget } from './budget-fields';
import { readSafetensors, SafetensorsError, toFloat32 } from './safetensors';
import { networkLayouts, type TensorLayout } from './torch-layout';
import {
  DEFAULT_FILTERS,
  layoutConfigOf,
  optimizerLayouts,
  TORCH_FORMAT,
  TORCH_FORMAT_VERSION,
  type TorchConfig,
  type TrainedRecord,
} from './torch-run';

/** A run read from a safetensors file, with what it records besides the ParsedRun. */
export interface TorchRun extends ParsedRun {
  config: TorchConfig;
  trained: TrainedRecord | null;
  /** The file's fixed prior noise, when it has one. */
  sampleNoise: Float32Array | null;
}

function parseMeta(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    return refuse(
      'bad-manifest',
      `The safetensors metadata "${key}" is not valid JSON (${(error as Error).message}).`,
    );
  }
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function readConfig(value: unknown): TorchConfig {
  const whole = (v: unknown, lo: number, hi: number) =>
    Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const c = value as Partial<TorchConfig>;
  const ok =
    isObject(value) &&
    ARCHITECTURES.includes(c.architecture as 'mlp') &&
    (c.variant === 'shared' || c.variant === 'separate') &&
    whole(c.latentDim, 1, 4096) &&
    whole(c.hiddenUnits, 1, 65_536) &&
    whole(c.hiddenLayers, 1, 16) &&
    Array.isArray(c.imageShape) &&
    c.imageShape.length === 3 &&
    whole(c.imageShape[0], 4, 256) &&
    whole(c.imageShape[1], 4, 256) &&
    (c.imageShape[2] === 1 || c.imageShape[2] === 3) &&
    Array.isArray(c.convFilters) &&
    c.convFilters.length === 2 &&
    c.convFilters.every((f) => whole(f, 1, 4096));
  if (!ok) refuse('bad-manifest', 'The safetensors metadata "config" does not describe a model.');
  return c as TorchConfig;
}

/**
 * Reads a safetensors file written by runToTorch or by python/vaegan.py into the app's layout.
 * Every tensor a model of the file's config needs must be there, with its shape, finite, and
 * nothing else may be; Adam's moments are all there or all absent (then training starts Adam
 * afresh). Throws RunArchiveError with a message for people; creates no tensors.
 */
export function torchToRun(bytes: Uint8Array): TorchRun {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) return refuse('not-a-run', error.message);
    throw error;
  }
  const { tensors, metadata } = file;
  if (metadata.format !== TORCH_FORMAT) {
    refuse(
      'not-a-run',
      `This safetensors file was not written for VAEGAN Playground (its metadata has no format "${TORCH_FORMAT}"): export it with python/vaegan.py or the app.`,
    );
  }
  const version = Number(metadata.format_version);
  if (!Number.isInteger(version) || version < 1 || version > TORCH_FORMAT_VERSION) {
    refuse(
      'unknown-version',
      `This safetensors run has format version ${JSON.stringify(metadata.format_version)}; this app reads version ${TORCH_FORMAT_VERSION}.`,
    );
  }
  const config = readConfig(parseMeta(metadata, 'config'));
  const runMeta = parseMeta(metadata, 'run');
  if (!isObject(runMeta)) refuse('bad-manifest', 'The safetensors metadata lacks the run ("run").');
  const r = runMeta as Record<string, unknown>;
  const image = {
    height: config.imageShape[0],
    width: config.imageShape[1],
    channels: config.imageShape[2] as 1 | 3,
  };
  const settings: RunSettings = {
    dataset: r.dataset as RunSettings['dataset'],
    architecture: config.architecture,
    variant: config.variant,
    latentDim: config.latentDim,
    hiddenUnits: config.hiddenUnits,
    hiddenLayers: config.hiddenLayers,
    batchSize: r.batchSize as number,
    seed: r.seed as number,
  };
  const step = r.step;
  const problems = runSettingsProblems(settings);
  // The same bounds as a run zip's manifest (limits.ts): whatever the file says, restoring
  // costs the same as at step 1.
  const wholeUpTo = (v: unknown, max: number) =>
    Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
  if (!wholeUpTo(step, MAX_STEPS)) {
    problems.push(`step must be a whole number from 0 to ${MAX_STEPS.toExponential()}`);
  }
  if (r.noiseDraws !== undefined && !wholeUpTo(r.noiseDraws, MAX_NOISE_DRAWS)) {
    problems.push(`noiseDraws must be a whole number from 0 to 2^50`);
  }
  if (
    r.trainingMs !== undefined &&
    !(typeof r.trainingMs === 'number' && r.trainingMs >= 0 && r.trainingMs <= MAX_TRAINING_MS)
  ) {
    problems.push('trainingMs must be a number of milliseconds from 0 to 1e13');
  }
  if (
    !RUN_IMAGE_SHAPES.some(
      (s) => s.height === image.height && s.width === image.width && s.channels === image.channels,
    )
  ) {
    problems.push(`image shape [${config.imageShape.join(', ')}] is not one the app trains on`);
  }
  if (settings.dataset !== 'user' && imageSize(image) !== imageSize(MNIST_IMAGE)) {
    problems.push(`image shape must be [28, 28, 1] for ${settings.dataset}`);
  }
  if (settings.dataset === 'user' && !isUserDatasetRef(r.userDataset)) {
    problems.push('a run on your own images must name them (userDataset)');
  }
  if (problems.length > 0) {
    refuse('bad-manifest', `The safetensors run has invalid settings: ${problems.join('; ')}.`);
  }
  const hyperparams: Hyperparams = sanitizeHyperparams(
    isObject(r.hyperparams) ? (r.hyperparams as Partial<Hyperparams>) : {},
    DEFAULT_HYPERPARAMS,
  );
  const budget = readBudget(r.budget);
  const autoStop = readAutoStop(r.autoStop, step as number);

  const lc = layoutConfigOf(config);
  const nets = networkNames(config.variant);
  const layouts = Object.fromEntries(nets.map((n) => [n, networkLayouts(n, lc)])) as Record<
    NetworkName,
    TensorLayout[]
  >;
  const used = new Set<string>();
  /** The tfjs-layout float32 values of one tensor, checked. */
  const take = (name: string, l: TensorLayout, what: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) refuse('missing-file', `The safetensors file has no ${name} (${what}).`);
    if (t!.shape.join() !== l.torchShape.join()) {
      refuse(
        'model-mismatch',
        `${name} has shape [${t!.shape.join(', ')}], but the file's config (${config.architecture}, latent size ${config.latentDim}, ${config.hiddenUnits} hidden units) needs [${l.torchShape.join(', ')}].`,
      );
    }
    if (t!.dtype === 'I32') refuse('bad-manifest', `${name} is I32; weights are F32 or F16.`);
    used.add(name);
    const values = l.toTf(toFloat32(t!));
    let bad = 0;
    for (const v of values) if (!Number.isFinite(v)) bad += 1;
    if (bad > 0) {
      refuse(
        'non-finite',
        `${name} holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'}: the run had diverged or the file is corrupt.`,
      );
    }
    return values;
  };
  const block = (
    path: string,
    entries: { name: string; shape: number[]; values: Float32Array }[],
  ) => {
    const total = entries.reduce((n, e) => n + e.values.length, 0);
    const data = new Float32Array(total);
    let at = 0;
    const specs: WeightSpec[] = entries.map((e) => {
      data.set(e.values, at);
      at += e.values.length;
      return { name: e.name, shape: e.shape, dtype: 'float32' };
    });
    return { path, specs, data: data.buffer } satisfies WeightBlock;
  };

  const omitted = parseMeta(metadata, 'omitted');
  if (
    omitted !== undefined &&
    !(Array.isArray(omitted) && omitted.length === 1 && omitted[0] === 'discriminator')
  ) {
    refuse('bad-manifest', 'The safetensors metadata "omitted" may name the discriminator only.');
  }
  const networks: ParsedRun['networks'] = {};
  for (const n of nets) {
    // A shipped warm start leaves D out: restoring builds it afresh from the seed.
    if (n === 'discriminator' && omitted !== undefined) continue;
    networks[n] = block(
      n,
      layouts[n].map((l) => ({
        name: l.tf,
        shape: l.tfShape,
        values: take(l.torch, l, `the ${n}'s weights`),
      })),
    );
  }
  const iterations = parseMeta(metadata, 'optimizers');
  const optimizers: ParsedRun['optimizers'] = {};
  const hasMoments = [...tensors.keys()].some((k) => k.startsWith('adam.'));
  if ((hasMoments || iterations !== undefined) && omitted !== undefined) {
    refuse(
      'bad-manifest',
      'A safetensors run without its discriminator cannot carry Adam moments.',
    );
  }
  if (hasMoments || iterations !== undefined) {
    if (!isObject(iterations)) {
      refuse(
        'bad-manifest',
        'The safetensors metadata has Adam moments but no "optimizers" counts.',
      );
    }
    for (const phase of OPTIMIZER_NAMES) {
      const count = (iterations as Record<string, unknown>)[phase];
      if (
        !Number.isSafeInteger(count) ||
        (count as number) < 0 ||
        (count as number) > (step as number)
      ) {
        refuse(
          'bad-manifest',
          `The safetensors metadata: the ${phase} optimiser's count is invalid.`,
        );
      }
      const params = optimizerLayouts(phase, layouts, config.variant);
      const entries: { name: string; shape: number[]; values: Float32Array }[] = [];
      for (const [moment, prefix] of [
        ['m', 'exp_avg'],
        ['v', 'exp_avg_sq'],
      ] as const) {
        params.forEach((l, i) =>
          entries.push({
            name: `${moment}/${i}`,
            shape: l.tfShape,
            values: take(`adam.${phase}.${prefix}.${l.torch}`, l, `the ${phase} optimiser's state`),
          }),
        );
      }
      optimizers[phase] = {
        ...block(`adam.${phase}`, entries),
        iterations: count as number,
        weightSpecs: entries.map((e) => ({ name: e.name, shape: e.shape, dtype: 'float32' })),
      };
    }
  }
  let sampleNoise: Float32Array | null = null;
  const noise = tensors.get('pictures.noise');
  if (noise) {
    used.add('pictures.noise');
    if (noise.dtype === 'I32' || noise.shape.length !== 2 || noise.shape[1] !== config.latentDim) {
      refuse('bad-manifest', `pictures.noise must be [rows, ${config.latentDim}] floats.`);
    }
    sampleNoise = toFloat32(noise).slice();
  }
  const extra = [...tensors.keys()].filter((k) => !used.has(k));
  if (extra.length > 0) {
    refuse(
      'extra-shard',
      `The safetensors file holds tensor${extra.length === 1 ? '' : 's'} that a model of its config has no place for: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}.`,
    );
  }
  const historyJson = parseMeta(metadata, 'history');
  const history =
    historyJson === undefined ? [] : readHistory(historyJson, 'the safetensors history');
  const trainedJson = parseMeta(metadata, 'trained');
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    formatVersion: RUN_FORMAT_VERSION,
    appVersion: typeof r.appVersion === 'string' ? r.appVersion : 'unknown',
    createdAt: typeof r.createdAt === 'string' ? r.createdAt : '',
    dataset: settings.dataset,
    architecture: settings.architecture,
    variant: settings.variant,
    latentDim: settings.latentDim,
    hiddenUnits: settings.hiddenUnits,
    hiddenLayers: config.hiddenLayers,
    imageShape: config.imageShape,
    ...(isUserDatasetRef(r.userDataset) ? { userDataset: r.userDataset } : {}),
    batchSize: settings.batchSize,
    seed: settings.seed,
    step: step as number,
    trainingMs:
      typeof r.trainingMs === 'number' && Number.isFinite(r.trainingMs) ? r.trainingMs : 0,
    noiseDraws: r.noiseDraws === undefined ? 0 : (r.noiseDraws as number),
    hyperparams,
    ...(budget ? { budget } : {}),
    ...(autoStop ? { autoStop } : {}),
    metrics: { points: history.length, last: null },
    networks: [],
  };
  const narrow =
    config.convFilters[0] !== DEFAULT_FILTERS[0] || config.convFilters[1] !== DEFAULT_FILTERS[1];
  return {
    manifest,
    settings,
    image,
    hyperparams,
    ...(config.architecture === 'conv' && narrow ? { convFilters: config.convFilters } : {}),
    ...(budget ? { budget } : {}),
    ...(autoStop ? { autoStop } : {}),
    networks,
    optimizers,
    history,
    config,
    trained: isObject(trainedJson) ? (trainedJson as unknown as TrainedRecord) : null,
    sampleNoise,
  };
}
