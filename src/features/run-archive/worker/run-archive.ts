/**
 * A run as one zip file: every network in the standard TensorFlow.js Layers format
 * (`<network>/model.json` + `<network>/weights.bin`), the three Adam optimisers' moments, the
 * curve history and a manifest of everything needed to continue the run.
 *
 *   manifest.json            format, app version, data set, architecture, sizes, seed, step,
 *                            hyperparameters in force, metrics summary, optimiser layout
 *   encoder/model.json       x [n, 784] -> [mu, logvar] concatenated, [n, 2 * latentDim]
 *   decoder/model.json       z [n, latentDim] -> pixel probabilities [n, 784] (sigmoid output)
 *                            (784 = 28 x 28 x 1; a colour set of the user's: 32 x 32 x 3 = 3072)
 *   generator/model.json     (`separate` only) z -> pixel probabilities
 *   discriminator/model.json x -> [Dis_l features, logit]
 *   optimizers/<phase>.bin   Adam first then second moments, float32
 *   history.json             the curves, one column per metric
 *   README.txt               how to load the decoder with plain TensorFlow.js
 *
 * The app trains on logits and applies the sigmoid itself; the exported decoder and generator
 * carry the sigmoid in their last layer so that `tf.loadLayersModel(...).predict(z)` gives
 * images. Reading back ignores the activation in the file: the app rebuilds its own networks
 * from the manifest and only takes the weights, after checking every shape and value.
 *
 * Runs in the worker and under Node (no DOM). Parsing never creates tensors, so a bad file
 * cannot disturb the model that is training.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { version as appVersion } from '../../../../package.json';
import { runSettingsProblems } from '../../../shared/settings';
import {
  ARCHITECTURES,
  type Architecture,
  type Hyperparams,
  type ImageShape,
  imageSize,
  MNIST_IMAGE,
  sanitizeHyperparams,
  DEFAULT_HYPERPARAMS,
  type Variant,
} from '../../../shared/config';
import {
  type AdamSnapshot,
  disposeAdamSnapshot,
  adamStateAt,
  restoreAdam,
  snapshotAdam,
} from '../../../model/optimizer-state';
import { OPTIONAL_METRICS } from '../../../shared/metrics';
import { METRIC_NAMES, type MetricName, VaeGan } from '../../../model/vaegan';
import type { DatasetId } from '../../../shared/dataset';
import type { MetricsPoint, RunSettings } from '../../training/shared/protocol';

export const RUN_FORMAT = 'vaegan-playground-run';
/** Bumped whenever a reader of the previous version could misread the new layout. */
export const RUN_FORMAT_VERSION = 1;

export type NetworkName = 'encoder' | 'decoder' | 'generator' | 'discriminator';
export type OptimizerName = 'vae' | 'discriminator' | 'generator';
const OPTIMIZER_NAMES: readonly OptimizerName[] = ['vae', 'discriminator', 'generator'];

/** What each exported network computes, written into the manifest for people reading it. */
const NETWORK_OUTPUTS: Record<NetworkName, string> = {
  encoder: 'x [n, 784] in [0,1] -> concat(mu, logvar) [n, 2 * latentDim]',
  decoder: 'z [n, latentDim] -> pixel probabilities [n, 784] (28x28 row-major, sigmoid output)',
  generator: 'z [n, latentDim] -> pixel probabilities [n, 784] (sigmoid output)',
  discriminator:
    'x [n, 784] -> [Dis_l features [n, hiddenUnits] (mlp) or [n, 7 * 7 * 64] (conv), logit of P(real) [n, 1]]',
};

/** NETWORK_OUTPUTS for an image shape (the same text for 28 x 28 x 1). */
function networkOutput(name: NetworkName, image: ImageShape): string {
  const { height, width, channels } = image;
  const layout = channels === 1 ? `${height}x${width}` : `${height}x${width}x${channels} HWC`;
  return NETWORK_OUTPUTS[name].replaceAll('784', String(imageSize(image))).replace('28x28', layout);
}

/** The curves, one column per quantity (JSON has no NaN: a diverged value is null). */
export interface RunHistory {
  step: number[];
  time: number[];
  stepsPerSec: number[];
  imagesPerSec: number[];
  values: Record<MetricName, (number | null)[]>;
}

export interface OptimizerEntry {
  path: string;
  iterations: number;
  /**
   * beta1^(t+1) and beta2^(t+1) as Adam kept them (float32 values; 0 once they underflow, after
   * about 150 updates at beta 0.5). Written for readers; restoring derives them from
   * `iterations` (adamBetaPower), which cannot underflow.
   */
  accBeta1?: number;
  accBeta2?: number;
  /** First moments m/0.. then second moments v/0.., one per variable of the phase. */
  weightSpecs: tf.io.WeightsManifestEntry[];
}

export interface RunManifest {
  format: typeof RUN_FORMAT;
  formatVersion: number;
  appVersion: string;
  createdAt: string;
  dataset: DatasetId;
  architecture: Architecture;
  variant: Variant;
  latentDim: number;
  hiddenUnits: number;
  /** [height, width, channels]; absent in files of the first app versions: [28, 28, 1]. */
  imageShape: [number, number, number];
  /**
   * Runs on the user's own images (dataset "user"): which set it was. The images themselves are
   * not in the zip; restoring needs the same set loaded (same fingerprint).
   */
  userDataset?: UserDatasetRef;
  batchSize: number;
  seed: number;
  /** Training steps taken. */
  step: number;
  /** Milliseconds spent training. */
  trainingMs: number;
  /** Noise seeds drawn so far (so a resumed run continues the same noise stream). */
  noiseDraws: number;
  /** Hyperparameters in force when the run was saved. */
  hyperparams: Hyperparams;
  metrics: { points: number; last: Record<MetricName, number | null> | null };
  networks: { name: NetworkName; path: string; output: string }[];
  optimizers?: Record<OptimizerName, OptimizerEntry>;
  history?: string;
}

/** The user's image set a run was trained on: enough to recognise it when loaded again. */
export interface UserDatasetRef {
  name: string;
  fingerprint: string;
  classes: string[];
  trainCount: number;
  testCount: number;
}

/** The state of a run copied out synchronously; tensors are clones owned by the snapshot. */
export interface RunSnapshot {
  settings: RunSettings;
  image: ImageShape;
  userDataset?: UserDatasetRef;
  hyperparams: Hyperparams;
  step: number;
  trainingMs: number;
  noiseDraws: number;
  history: MetricsPoint[];
  networks: {
    name: NetworkName;
    topology: object;
    weights: { name: string; tensor: tf.Tensor }[];
  }[];
  optimizers: Record<OptimizerName, AdamSnapshot>;
}

export function networkNames(variant: Variant): NetworkName[] {
  return variant === 'separate'
    ? ['encoder', 'decoder', 'generator', 'discriminator']
    : ['encoder', 'decoder', 'discriminator'];
}

function networkOf(model: VaeGan, name: NetworkName): tf.LayersModel {
  return model[name];
}

function optimizerVars(model: VaeGan, name: OptimizerName): tf.LayersModel[] {
  if (name === 'vae') return [model.encoder, model.decoder];
  return [name === 'discriminator' ? model.discriminator : model.generator];
}

/** Layers-format topology of a network; decoder and generator get a sigmoid output layer. */
function exportTopology(model: tf.LayersModel, name: NetworkName): object {
  const topology = model.toJSON(null, false) as {
    config: { layers: { config: { activation?: string } }[] };
  };
  if (name === 'decoder' || name === 'generator') {
    const layers = topology.config.layers;
    const last = layers[layers.length - 1];
    if (last) last.config.activation = 'sigmoid';
  }
  return topology;
}

/**
 * Copies the weights and optimiser state of a model in one synchronous pass, so a training
 * step running between two awaits of the export cannot tear the snapshot.
 */
export function snapshotRun(
  model: VaeGan,
  meta: Omit<RunSnapshot, 'networks' | 'optimizers' | 'noiseDraws'>,
): RunSnapshot {
  const networks = networkNames(model.config.variant).map((name) => {
    const net = networkOf(model, name);
    return {
      name,
      topology: exportTopology(net, name),
      weights: net.weights.map((w) => ({ name: w.originalName, tensor: tf.clone(w.read()) })),
    };
  });
  const opts = model.optimizers;
  return {
    ...meta,
    history: meta.history.slice(),
    noiseDraws: model.noiseDraws,
    networks,
    optimizers: {
      vae: snapshotAdam(opts.vae),
      discriminator: snapshotAdam(opts.discriminator),
      generator: snapshotAdam(opts.generator),
    },
  };
}

export function disposeSnapshot(s: RunSnapshot) {
  for (const n of s.networks) tf.dispose(n.weights.map((w) => w.tensor));
  for (const name of OPTIMIZER_NAMES) disposeAdamSnapshot(s.optimizers[name]);
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function historyColumns(points: MetricsPoint[]): RunHistory {
  const values = Object.fromEntries(
    METRIC_NAMES.map((k) => [k, points.map((p) => finiteOrNull(p.values[k]))]),
  ) as RunHistory['values'];
  return {
    step: points.map((p) => p.step),
    time: points.map((p) => p.time),
    stepsPerSec: points.map((p) => p.stepsPerSec),
    imagesPerSec: points.map((p) => p.imagesPerSec),
    values,
  };
}

const README = `VAEGAN Playground run export
=============================

Each network is in the TensorFlow.js Layers format (model.json + weights.bin); manifest.json
says what the run was (data set, sizes, seed, step, hyperparameters) and what each network maps.

Generate images with plain TensorFlow.js (serve the unzipped folder over HTTP):

  const decoder = await tf.loadLayersModel('http://localhost:8080/decoder/model.json');
  const z = tf.randomNormal([16, latentDim]);            // latentDim: see manifest.json
  const images = decoder.predict(z).reshape([16, 28, 28, 1]); // values in [0, 1]
  // (for a set of your own, reshape to [16, ...imageShape] from manifest.json, e.g. 32, 32, 3)

The decoder and generator end in a sigmoid, so they output pixel probabilities.
Import this zip back into VAEGAN Playground to continue training (optimizer state and curves
are included).
`;

/** Encodes a snapshot as a zip (weights stored uncompressed: float noise barely deflates). */
export async function encodeRun(
  s: RunSnapshot,
): Promise<{ bytes: Uint8Array; manifest: RunManifest }> {
  const files: Zippable = {};
  const networks: RunManifest['networks'] = [];
  for (const net of s.networks) {
    const { data, specs } = await tf.io.encodeWeights(net.weights);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
      convertedBy: `VAEGAN Playground ${appVersion}`,
      modelTopology: net.topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    };
    files[`${net.name}/model.json`] = strToU8(JSON.stringify(modelJson));
    files[`${net.name}/weights.bin`] = [new Uint8Array(data), { level: 0 }];
    networks.push({
      name: net.name,
      path: `${net.name}/model.json`,
      output: networkOutput(net.name, s.image),
    });
  }
  const optimizers = {} as Record<OptimizerName, OptimizerEntry>;
  for (const name of OPTIMIZER_NAMES) {
    const state = s.optimizers[name];
    const named = [
      ...state.m.map((tensor, i) => ({ name: `m/${i}`, tensor })),
      ...state.v.map((tensor, i) => ({ name: `v/${i}`, tensor })),
    ];
    const { data, specs } = await tf.io.encodeWeights(named);
    const path = `optimizers/${name}.bin`;
    files[path] = [new Uint8Array(data), { level: 0 }];
    optimizers[name] = {
      path,
      iterations: state.iterations,
      accBeta1: (await state.accBeta1.data())[0]!,
      accBeta2: (await state.accBeta2.data())[0]!,
      weightSpecs: specs,
    };
  }
  const last = s.history[s.history.length - 1];
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    formatVersion: RUN_FORMAT_VERSION,
    appVersion,
    createdAt: new Date().toISOString(),
    dataset: s.settings.dataset,
    architecture: s.settings.architecture,
    variant: s.settings.variant,
    latentDim: s.settings.latentDim,
    hiddenUnits: s.settings.hiddenUnits,
    imageShape: [s.image.height, s.image.width, s.image.channels],
    ...(s.userDataset ? { userDataset: { ...s.userDataset } } : {}),
    batchSize: s.settings.batchSize,
    seed: s.settings.seed,
    step: s.step,
    trainingMs: Math.round(s.trainingMs),
    noiseDraws: s.noiseDraws,
    hyperparams: { ...s.hyperparams },
    metrics: {
      points: s.history.length,
      last: last
        ? (Object.fromEntries(METRIC_NAMES.map((k) => [k, finiteOrNull(last.values[k])])) as Record<
            MetricName,
            number | null
          >)
        : null,
    },
    networks,
    optimizers,
    history: 'history.json',
  };
  files['manifest.json'] = strToU8(JSON.stringify(manifest, null, 2));
  files['history.json'] = strToU8(JSON.stringify(historyColumns(s.history)));
  files['README.txt'] = strToU8(README);
  return { bytes: zipSync(files, { level: 6 }), manifest };
}

/** Why a file was refused; each code has its own message. */
export type RunArchiveProblem =
  | 'empty'
  | 'not-zip'
  | 'truncated'
  | 'not-a-run'
  | 'bad-manifest'
  | 'unknown-version'
  | 'other-architecture'
  | 'missing-file'
  | 'missing-shard'
  | 'extra-shard'
  | 'byte-length'
  | 'non-finite'
  | 'model-mismatch'
  | 'bad-history';

export class RunArchiveError extends Error {
  constructor(
    readonly problem: RunArchiveProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RunArchiveError';
  }
}

const fail = (problem: RunArchiveProblem, message: string): never => {
  throw new RunArchiveError(problem, message);
};

/** Weights of one network or optimiser: specs and the bytes they describe, checked. */
export interface WeightBlock {
  path: string;
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

/** A run read from a zip and checked byte by byte; no tensors yet. */
export interface ParsedRun {
  manifest: RunManifest;
  settings: RunSettings;
  image: ImageShape;
  hyperparams: Hyperparams;
  networks: Partial<Record<NetworkName, WeightBlock>>;
  optimizers: Partial<Record<OptimizerName, WeightBlock & OptimizerEntry>>;
  history: MetricsPoint[];
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4 };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseJson(bytes: Uint8Array, path: string, problem: RunArchiveProblem): unknown {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch (error) {
    return fail(problem, `${path} is not valid JSON (${(error as Error).message}).`);
  }
}

/** Checks specs, joins the shards, and checks the byte length and that every value is finite. */
function checkWeights(
  path: string,
  specs: unknown,
  shards: Uint8Array[],
  what: string,
): WeightBlock {
  if (!Array.isArray(specs)) return fail('bad-manifest', `${path} lists no weights.`);
  let expected = 0;
  for (const spec of specs as tf.io.WeightsManifestEntry[]) {
    const ok =
      isObject(spec) &&
      typeof spec.name === 'string' &&
      Array.isArray(spec.shape) &&
      spec.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      BYTES_PER[spec.dtype] !== undefined &&
      !spec.quantization;
    if (!ok) {
      return fail(
        'bad-manifest',
        `${path}: weight ${JSON.stringify(spec?.name ?? spec)} has an unsupported shape, ` +
          'data type or quantisation (float32 or int32, unquantised).',
      );
    }
    expected += spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER[spec.dtype]!;
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  if (total !== expected) {
    fail(
      'byte-length',
      `The ${what} weights are ${total.toLocaleString('en-US')} bytes, but ${path} describes ` +
        `${expected.toLocaleString('en-US')} bytes: a shard has the wrong length.`,
    );
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    data.set(s, offset);
    offset += s.byteLength;
  }
  offset = 0;
  for (const spec of specs as tf.io.WeightsManifestEntry[]) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'float32') {
      const values = new Float32Array(data.buffer, offset, count);
      let bad = 0;
      for (let i = 0; i < count; i++) if (!Number.isFinite(values[i]!)) bad += 1;
      if (bad > 0) {
        fail(
          'non-finite',
          `The ${what} weight ${spec.name} holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'}: ` +
            'the run had diverged or the file is corrupt.',
        );
      }
    }
    offset += count * BYTES_PER[spec.dtype]!;
  }
  return { path, specs: specs as tf.io.WeightsManifestEntry[], data: data.buffer };
}

function readHistory(json: unknown, path: string): MetricsPoint[] {
  const bad = () => fail('bad-history', `${path} is malformed: the curves cannot be read.`);
  if (!isObject(json) || !isObject(json.values)) return bad();
  const cols = [json.step, json.time, json.stepsPerSec, json.imagesPerSec];
  const values = json.values as Record<string, unknown>;
  const n = Array.isArray(json.step) ? json.step.length : -1;
  const numeric = (c: unknown) =>
    Array.isArray(c) && c.length === n && c.every((v) => v === null || typeof v === 'number');
  // Curves added later (feature distance, gate skips) may be absent from older files.
  const absentOptional = (k: MetricName) => OPTIONAL_METRICS.includes(k) && values[k] === undefined;
  if (
    n < 0 ||
    !cols.every(numeric) ||
    !METRIC_NAMES.every((k) => absentOptional(k) || numeric(values[k]))
  )
    bad();
  const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  const points: MetricsPoint[] = [];
  for (let i = 0; i < n; i++) {
    points.push({
      step: num((json.step as unknown[])[i]),
      time: num((json.time as unknown[])[i]),
      stepsPerSec: num((json.stepsPerSec as unknown[])[i]),
      imagesPerSec: num((json.imagesPerSec as unknown[])[i]),
      values: Object.fromEntries(
        METRIC_NAMES.map((k) => [k, num((values[k] as unknown[] | undefined)?.[i])]),
      ) as Record<MetricName, number>,
    });
  }
  return points;
}

/**
 * Reads and checks a run zip. Throws RunArchiveError with a message for people on the first
 * problem found; creates no tensors.
 */
export function parseRunArchive(bytes: Uint8Array): ParsedRun {
  if (bytes.byteLength === 0) fail('empty', 'The file is empty (0 bytes).');
  const zipMagic = bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!zipMagic) {
    fail(
      'not-zip',
      'This file is not a zip archive. Choose a .zip made by "Export weights" in VAEGAN Playground.',
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    return fail(
      'truncated',
      `The zip archive is truncated or damaged (${(error as Error).message}). ` +
        'Download or copy the file again.',
    );
  }
  const names = Object.keys(entries).filter(
    (n) => !n.endsWith('/') && !n.startsWith('__MACOSX/') && !n.endsWith('.DS_Store'),
  );
  const manifestBytes = entries['manifest.json'];
  if (!manifestBytes) {
    fail(
      'not-a-run',
      'This zip has no manifest.json, so it is not a run exported by VAEGAN Playground.',
    );
  }
  const m = parseJson(manifestBytes!, 'manifest.json', 'bad-manifest');
  if (!isObject(m) || m.format !== RUN_FORMAT) {
    fail(
      'not-a-run',
      `manifest.json does not describe a VAEGAN Playground run (format "${RUN_FORMAT}").`,
    );
  }
  const manifest = m as unknown as RunManifest;
  if (!Number.isInteger(manifest.formatVersion) || manifest.formatVersion < 1) {
    fail('unknown-version', `Unknown format version ${JSON.stringify(manifest.formatVersion)}.`);
  }
  if (manifest.formatVersion > RUN_FORMAT_VERSION) {
    fail(
      'unknown-version',
      `This file has format version ${manifest.formatVersion}, made by app version ` +
        `${String(manifest.appVersion)}; this app (${appVersion}) reads version ` +
        `${RUN_FORMAT_VERSION}. Update the app to open it.`,
    );
  }
  if (!ARCHITECTURES.includes(manifest.architecture)) {
    fail(
      'other-architecture',
      `This run is of the "${String(manifest.architecture)}" architecture; this version of the ` +
        `app builds ${ARCHITECTURES.map((a) => `"${a}"`).join(' and ')} models only.`,
    );
  }
  const settings: RunSettings = {
    dataset: manifest.dataset,
    architecture: manifest.architecture,
    variant: manifest.variant,
    latentDim: manifest.latentDim,
    hiddenUnits: manifest.hiddenUnits,
    batchSize: manifest.batchSize,
    seed: manifest.seed,
  };
  const problems = settingsProblems(settings);
  if (!Number.isSafeInteger(manifest.step) || manifest.step < 0)
    problems.push('step must be a whole number');
  const image = readImageShape(manifest.imageShape, problems);
  if (settings.dataset !== 'user' && imageSize(image) !== imageSize(MNIST_IMAGE)) {
    problems.push(`image shape must be [28, 28, 1] for ${settings.dataset}`);
  }
  if (settings.dataset === 'user' && !isUserDatasetRef(manifest.userDataset)) {
    problems.push('a run on your own images must name them (userDataset)');
  }
  if (problems.length > 0) {
    fail('bad-manifest', `manifest.json has invalid settings: ${problems.join('; ')}.`);
  }
  const hyperparams = sanitizeHyperparams(
    isObject(manifest.hyperparams) ? (manifest.hyperparams as Partial<Hyperparams>) : {},
    DEFAULT_HYPERPARAMS,
  );

  const used = new Set<string>(['manifest.json']);
  const networks: ParsedRun['networks'] = {};
  for (const name of networkNames(settings.variant)) {
    const path = `${name}/model.json`;
    const modelBytes = entries[path];
    if (!modelBytes) {
      fail('missing-file', `The ${name} network is missing: the zip has no ${path}.`);
    }
    used.add(path);
    const modelJson = parseJson(modelBytes!, path, 'bad-manifest');
    const groups = isObject(modelJson) ? modelJson.weightsManifest : undefined;
    if (!isObject(modelJson) || !isObject(modelJson.modelTopology) || !Array.isArray(groups)) {
      fail(
        'bad-manifest',
        `${path} is not a TensorFlow.js Layers model (no topology or weights manifest).`,
      );
    }
    const shards: Uint8Array[] = [];
    const specs: unknown[] = [];
    for (const group of groups as { paths?: unknown; weights?: unknown }[]) {
      if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
        fail('bad-manifest', `${path}: a weight group lacks its paths or weights.`);
      }
      for (const shard of group.paths as unknown[]) {
        const shardPath = `${name}/${String(shard)}`;
        const data = entries[shardPath];
        if (!data) {
          fail(
            'missing-shard',
            `Weight shard ${shardPath}, listed in ${path}, is missing from the zip.`,
          );
        }
        used.add(shardPath);
        shards.push(data!);
      }
      specs.push(...(group.weights as unknown[]));
    }
    networks[name] = checkWeights(path, specs, shards, name);
  }
  const optimizers: ParsedRun['optimizers'] = {};
  if (manifest.optimizers !== undefined) {
    if (!isObject(manifest.optimizers))
      fail('bad-manifest', 'manifest.json: "optimizers" is malformed.');
    for (const name of OPTIMIZER_NAMES) {
      const entry = manifest.optimizers[name];
      if (!isObject(entry) || typeof entry.path !== 'string') {
        return fail('bad-manifest', `manifest.json lacks the state of the ${name} optimiser.`);
      }
      const data = entries[entry.path];
      if (!data) {
        fail(
          'missing-shard',
          `Optimiser shard ${entry.path}, listed in manifest.json, is missing from the zip.`,
        );
      }
      used.add(entry.path);
      // The count is what restoring uses (the beta powers follow from it); a stored power may
      // legitimately be 0 or denormal after a long run, and is only checked for range.
      const numbersOk =
        Number.isSafeInteger(entry.iterations) &&
        entry.iterations >= 0 &&
        entry.iterations <= manifest.step &&
        [entry.accBeta1, entry.accBeta2].every(
          (b) => b === undefined || (typeof b === 'number' && b >= 0 && b <= 1),
        );
      if (!numbersOk)
        fail('bad-manifest', `manifest.json: the ${name} optimiser's counters are invalid.`);
      optimizers[name] = {
        ...entry,
        ...checkWeights('manifest.json', entry.weightSpecs, [data!], `${name} optimiser`),
        path: entry.path,
      };
    }
  }
  const extra = names.filter((n) => n.endsWith('.bin') && !used.has(n));
  if (extra.length > 0) {
    fail(
      'extra-shard',
      `The zip holds weight shard${extra.length === 1 ? '' : 's'} that no model.json lists: ` +
        `${extra.join(', ')}. It was altered after export; export it again.`,
    );
  }
  let history: MetricsPoint[] = [];
  if (manifest.history !== undefined) {
    const h = entries[String(manifest.history)];
    if (!h)
      fail('bad-history', `The curve history ${String(manifest.history)} is missing from the zip.`);
    history = readHistory(
      parseJson(h!, String(manifest.history), 'bad-history'),
      String(manifest.history),
    );
  }
  return { manifest, settings, image, hyperparams, networks, optimizers, history };
}

/** Problems with run settings (the settings table's rules, as the trainer's), in words. */
function settingsProblems(s: RunSettings): string[] {
  return runSettingsProblems(s);
}

/** The manifest's [height, width, channels], or MNIST's when absent (first app versions). */
function readImageShape(value: unknown, problems: string[]): ImageShape {
  if (value === undefined) return MNIST_IMAGE;
  const side = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 4 && v <= 256;
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    !side(value[0]) ||
    !side(value[1]) ||
    (value[2] !== 1 && value[2] !== 3)
  ) {
    problems.push(`imageShape ${JSON.stringify(value)} is not [height, width, 1 or 3]`);
    return MNIST_IMAGE;
  }
  return { height: value[0] as number, width: value[1] as number, channels: value[2] as 1 | 3 };
}

function isUserDatasetRef(x: unknown): x is UserDatasetRef {
  return (
    isObject(x) &&
    typeof x.name === 'string' &&
    typeof x.fingerprint === 'string' &&
    Array.isArray(x.classes) &&
    x.classes.every((c) => typeof c === 'string') &&
    Number.isInteger(x.trainCount) &&
    Number.isInteger(x.testCount)
  );
}

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/**
 * Builds a model for the parsed run's settings and loads its weights and optimiser state.
 * Throws RunArchiveError (the new model disposed) when a weight's name or shape does not fit
 * a model of the manifest's architecture and sizes.
 */
export function restoreRun(run: ParsedRun): VaeGan {
  const { settings, manifest } = run;
  const model = new VaeGan(
    {
      architecture: settings.architecture,
      variant: settings.variant,
      latentDim: settings.latentDim,
      hiddenUnits: settings.hiddenUnits,
      image: run.image,
      seed: settings.seed,
    },
    run.hyperparams,
  );
  const created: tf.Tensor[] = [];
  try {
    const sizes = `${settings.architecture}, latent size ${settings.latentDim}, ${settings.hiddenUnits} hidden units, ${settings.variant} variant`;
    for (const name of networkNames(settings.variant)) {
      const block = run.networks[name]!;
      const net = networkOf(model, name);
      const byName = new Map(block.specs.map((s) => [s.name, s]));
      for (const w of net.weights) {
        const spec = byName.get(w.originalName);
        if (!spec) {
          fail(
            'model-mismatch',
            `${block.path} has no weight ${w.originalName}, which a ${manifest.architecture} ` +
              `model needs: the networks belong to another architecture than the manifest says.`,
          );
        }
        if (shapeText(spec!.shape) !== shapeText(w.shape)) {
          fail(
            'model-mismatch',
            `The ${name} weight ${w.originalName} has shape ${shapeText(spec!.shape)}, but the ` +
              `manifest (${sizes}) needs ${shapeText(w.shape)}: the manifest belongs to another ` +
              'model (another latent size or architecture).',
          );
        }
      }
      if (block.specs.length !== net.weights.length) {
        fail(
          'model-mismatch',
          `${block.path} has ${block.specs.length} weights; the manifest's model (${sizes}) has ${net.weights.length}.`,
        );
      }
    }
    // Optimiser shapes before any weight moves, so a mismatch leaves nothing half-loaded.
    const optStates: Partial<Record<OptimizerName, AdamSnapshot>> = {};
    for (const name of OPTIMIZER_NAMES) {
      const block = run.optimizers[name];
      if (!block) continue;
      const vars = optimizerVars(model, name).flatMap((m) => m.trainableWeights);
      const moments = block.specs.length / 2;
      const shapesOk =
        block.specs.length === 0 ||
        (moments === vars.length &&
          block.specs.every(
            (s, i) => shapeText(s.shape) === shapeText(vars[i % vars.length]!.shape),
          ));
      if (!shapesOk) {
        fail(
          'model-mismatch',
          `The ${name} optimiser's state does not fit the manifest's model (${sizes}).`,
        );
      }
      const decoded = tf.io.decodeWeights(block.data, block.specs);
      const tensors = block.specs.map((s) => decoded[s.name]!);
      created.push(...tensors);
      optStates[name] = adamStateAt(
        model.optimizers[name],
        block.iterations,
        tensors.slice(0, moments),
        tensors.slice(moments),
      );
      created.push(optStates[name].accBeta1, optStates[name].accBeta2);
    }
    for (const name of networkNames(settings.variant)) {
      const block = run.networks[name]!;
      const decoded = tf.io.decodeWeights(block.data, block.specs);
      const net = networkOf(model, name);
      created.push(...Object.values(decoded));
      net.setWeights(net.weights.map((w) => decoded[w.originalName]!));
    }
    for (const name of OPTIMIZER_NAMES) {
      const state = optStates[name];
      if (!state) continue;
      const names = optimizerVars(model, name).flatMap((m) =>
        m.trainableWeights.map((w) => w.originalName),
      );
      restoreAdam(model.optimizers[name], state, names);
    }
    model.resumeAt(
      manifest.step,
      Number.isSafeInteger(manifest.noiseDraws) && manifest.noiseDraws > 0
        ? manifest.noiseDraws
        : 0,
    );
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(created);
  }
}
