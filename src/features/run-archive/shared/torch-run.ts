/**
 * A run as one `.safetensors` file in PyTorch's names and layouts (torch-layout.ts), for
 * python/vaegan.py, and such a file read back into the app's own layout (a ParsedRun, as a run
 * zip gives), so it restores and trains on like an imported zip.
 *
 *   <network>.<module>.<param>               every network's weights (and the conv decoder's
 *                                            batch-norm running statistics), float32 or float16
 *   adam.<phase>.exp_avg.<param name>        Adam's first and second moments of each phase
 *   adam.<phase>.exp_avg_sq.<param name>     (vae, discriminator, generator), when included
 *   pictures.noise                           the fixed prior noise of the app's sample grid
 *   __metadata__  format, format_version, config (the networks' structure), run (the run
 *                 manifest: data set, seed, step, hyperparameters, budget…), optimizers (Adam's
 *                 iteration counts), history (the curves), trained (how a shipped run was made)
 *
 * No tfjs, no DOM: the worker converts, and the page could.
 */
import { version as appVersion } from '../../../../package.json';
import {
  ARCHITECTURES,
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  imageSize,
  MNIST_IMAGE,
  sanitizeHyperparams,
} from '../../../shared/config';
import type { RunSettings } from '../../training/shared/protocol';
import {
  historyColumns,
  networkNames,
  type NetworkName,
  OPTIMIZER_NAMES,
  type OptimizerName,
  refuse,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  type RunManifest,
  type WeightSpec,
} from './format';
import {
  isUserDatasetRef,
  type ParsedRun,
  readAutoStop,
  readBudget,
  readHistory,
  type WeightBlock,
} from './parse';
import {
  float16Bytes,
  float32Bytes,
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
  toFloat32,
  writeSafetensors,
} from './safetensors';
import { type LayoutConfig, networkLayouts, type TensorLayout } from './torch-layout';
import { runSettingsProblems } from '../../../shared/settings';

export const TORCH_FORMAT = 'vaegan-playground-torch';
export const TORCH_FORMAT_VERSION = 1;
const DEFAULT_FILTERS: [number, number] = [32, 64];

/** The networks' structure, as the metadata's `config` holds it. */
export interface TorchConfig {
  architecture: 'mlp' | 'conv';
  variant: 'shared' | 'separate';
  latentDim: number;
  hiddenUnits: number;
  hiddenLayers: number;
  /** [height, width, channels]. */
  imageShape: [number, number, number];
  convFilters: [number, number];
}

/** How a shipped run was made (scripts/train-pretrained.ts): written for people and the page. */
export interface TrainedRecord {
  script: string;
  steps: number;
  epochs: number;
  trainingSeconds: number;
  machine: string;
  date: string;
  /** Figures measured on the trained model, e.g. test ELBO, NLL, FCD, with what they used. */
  figures: Record<string, number | string>;
  /** Networks left out of the file to keep it small; they start afresh from the seed. */
  omitted?: NetworkName[];
}

export interface TorchExportOptions {
  /** F16 halves the file (the shipped warm-start runs); F32 keeps every bit. */
  precision: 'F32' | 'F16';
  /** Adam's moments (three times the weights again); without them training restarts Adam. */
  optimizers: boolean;
  history: boolean;
  /** The app's fixed prior noise of the sample grid, [64 * latentDim]. */
  sampleNoise?: Float32Array;
  trained?: TrainedRecord;
  /** The conv blocks' filters when not the app's 32 and 64 (narrow test models). */
  convFilters?: [number, number];
  /**
   * Leave the discriminator out (a shipped warm start: a third less to fetch). Whoever loads
   * the file builds it afresh from the run's seed; no optimiser state may come with it.
   */
  omitDiscriminator?: boolean;
}

const layoutConfigOf = (c: TorchConfig): LayoutConfig => ({
  architecture: c.architecture,
  latentDim: c.latentDim,
  hiddenUnits: c.hiddenUnits,
  hiddenLayers: c.hiddenLayers,
  image: { height: c.imageShape[0], width: c.imageShape[1], channels: c.imageShape[2] as 1 | 3 },
  convFilters: c.convFilters,
});

const isMoving = (l: TensorLayout) => /\/moving_(mean|variance)$/.test(l.tf);

/** The parameters each phase's optimiser moves, in its order (the app's var lists). */
function optimizerLayouts(
  name: OptimizerName,
  layouts: Record<NetworkName, TensorLayout[]>,
  variant: 'shared' | 'separate',
): TensorLayout[] {
  const trainable = (n: NetworkName) => layouts[n].filter((l) => !isMoving(l));
  if (name === 'vae') return [...trainable('encoder'), ...trainable('decoder')];
  if (name === 'discriminator') return trainable('discriminator');
  return trainable(variant === 'shared' ? 'decoder' : 'generator');
}

/** Float32 values of each weight of a block, by name (the block's specs are float32). */
function valuesByName(block: WeightBlock): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of block.specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, new Float32Array(block.data, offset, n));
    offset += n * 4;
  }
  return out;
}

/** The config of a parsed run, for the layout. */
function torchConfigOf(run: ParsedRun, filters = run.convFilters): TorchConfig {
  return {
    architecture: run.settings.architecture,
    variant: run.settings.variant,
    latentDim: run.settings.latentDim,
    hiddenUnits: run.settings.hiddenUnits,
    hiddenLayers: run.manifest.hiddenLayers ?? 1,
    imageShape: [run.image.height, run.image.width, run.image.channels],
    convFilters: filters ?? DEFAULT_FILTERS,
  };
}

/**
 * A parsed run (from a zip, or the trainer's export) as a safetensors file in PyTorch's layout.
 */
export function runToTorch(run: ParsedRun, options: TorchExportOptions): Uint8Array {
  const config = torchConfigOf(run, options.convFilters);
  const lc = layoutConfigOf(config);
  const nets = networkNames(config.variant);
  const layouts = Object.fromEntries(nets.map((n) => [n, networkLayouts(n, lc)])) as Record<
    NetworkName,
    TensorLayout[]
  >;
  const tensor = (values: Float32Array, shape: number[]): SafeTensor =>
    options.precision === 'F16'
      ? { dtype: 'F16', shape, data: float16Bytes(values) }
      : { dtype: 'F32', shape, data: float32Bytes(values) };
  const out: { name: string; tensor: SafeTensor }[] = [];
  if (options.omitDiscriminator && options.optimizers) {
    throw new Error('a run without its discriminator cannot carry optimiser state');
  }
  for (const n of nets) {
    if (n === 'discriminator' && options.omitDiscriminator) continue;
    const values = valuesByName(run.networks[n]!);
    for (const l of layouts[n]) {
      const v = values.get(l.tf);
      if (!v) throw new Error(`the ${n} network has no weight ${l.tf}`);
      out.push({ name: l.torch, tensor: tensor(l.toTorch(v), l.torchShape) });
    }
  }
  const iterations: Partial<Record<OptimizerName, number>> = {};
  if (options.optimizers) {
    for (const phase of OPTIMIZER_NAMES) {
      const block = run.optimizers[phase];
      if (!block || block.specs.length === 0) continue;
      const params = optimizerLayouts(phase, layouts, config.variant);
      const values = valuesByName(block);
      for (const [moment, prefix] of [
        ['m', 'exp_avg'],
        ['v', 'exp_avg_sq'],
      ] as const) {
        params.forEach((l, i) => {
          const v = values.get(`${moment}/${i}`);
          if (!v) throw new Error(`the ${phase} optimiser has no ${moment}/${i}`);
          out.push({
            name: `adam.${phase}.${prefix}.${l.torch}`,
            tensor: tensor(l.toTorch(v), l.torchShape),
          });
        });
      }
      iterations[phase] = block.iterations;
    }
  }
  if (options.sampleNoise) {
    const rows = options.sampleNoise.length / config.latentDim;
    out.push({
      name: 'pictures.noise',
      tensor: {
        dtype: 'F32',
        shape: [rows, config.latentDim],
        data: float32Bytes(options.sampleNoise),
      },
    });
  }
  const { networks: _n, optimizers: _o, history: _h, ...manifest } = run.manifest;
  const metadata: Record<string, string> = {
    format: TORCH_FORMAT,
    format_version: String(TORCH_FORMAT_VERSION),
    config: JSON.stringify(config),
    run: JSON.stringify({
      ...manifest,
      hyperparams: run.hyperparams,
      ...(run.budget ? { budget: run.budget } : {}),
      ...(run.autoStop ? { autoStop: run.autoStop } : {}),
      exportedBy: `VAEGAN Playground ${appVersion}`,
    }),
  };
  if (options.optimizers) metadata.optimizers = JSON.stringify(iterations);
  if (options.omitDiscriminator) metadata.omitted = JSON.stringify(['discriminator']);
  if (options.history) metadata.history = JSON.stringify(historyColumns(run.history));
  if (options.trained) metadata.trained = JSON.stringify(options.trained);
  return writeSafetensors(out, metadata);
}

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
    batchSize: r.batchSize as number,
    seed: r.seed as number,
  };
  const step = r.step;
  const problems = runSettingsProblems(settings);
  if (!Number.isSafeInteger(step) || (step as number) < 0)
    problems.push('step must be a whole number');
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
    ...(config.hiddenLayers !== 1 ? { hiddenLayers: config.hiddenLayers } : {}),
    imageShape: config.imageShape,
    ...(isUserDatasetRef(r.userDataset) ? { userDataset: r.userDataset } : {}),
    batchSize: settings.batchSize,
    seed: settings.seed,
    step: step as number,
    trainingMs:
      typeof r.trainingMs === 'number' && Number.isFinite(r.trainingMs) ? r.trainingMs : 0,
    noiseDraws: Number.isSafeInteger(r.noiseDraws) ? (r.noiseDraws as number) : 0,
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
