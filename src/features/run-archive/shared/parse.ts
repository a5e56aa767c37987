/**
 * Reads and checks a run zip (format.ts) byte by byte: the manifest, every network's and
 * optimiser's weights (shapes, byte lengths, finite values) and the curves. Creates no tensors
 * and needs no tfjs, so a bad file cannot disturb the model that is training, and the page
 * could check a file before sending it to the worker.
 */
import { strFromU8 } from 'fflate';
import { version as appVersion } from '../../../../package.json';
import {
  ARCHITECTURES,
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  type ImageShape,
  imageSize,
  MNIST_IMAGE,
  sanitizeHyperparams,
} from '../../../shared/config';
import { runSettingsProblems, type TrainingBudget } from '../../../shared/settings';
import type { AutoStopState } from '../../training/shared/budget';
import { readAutoStop, readBudget } from './budget-fields';
import type { MetricsPoint, RunSettings } from '../../training/shared/protocol';
import {
  networkNames,
  type NetworkName,
  OPTIMIZER_NAMES,
  type OptimizerEntry,
  type OptimizerName,
  refuse,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  type RunArchiveProblem,
  type RunManifest,
  type UserDatasetRef,
  type WeightSpec,
} from './format';
import { readHistory } from './history-file';
import { MAX_NOISE_DRAWS, MAX_STEPS, MAX_TRAINING_MS, RUN_IMAGE_SHAPES } from './limits';
import { openRunZip } from './run-zip';

/** Weights of one network or optimiser: specs and the bytes they describe, checked. */
export interface WeightBlock {
  path: string;
  specs: WeightSpec[];
  data: ArrayBuffer;
}

/** A run read from a zip and checked byte by byte; no tensors yet. */
export interface ParsedRun {
  manifest: RunManifest;
  settings: RunSettings;
  image: ImageShape;
  hyperparams: Hyperparams;
  /**
   * The conv blocks' filters when a file says they are not the app's 32 and 64 (a narrow model
   * of the tests or of python/vaegan.py); the trainer refuses such a run, restoreRun builds it.
   */
  convFilters?: [number, number];
  /** The run's training budget and auto-stop state; absent in files that have none. */
  budget?: TrainingBudget;
  autoStop?: AutoStopState;
  /** Every network of the variant; only a `.safetensors` warm start may lack the discriminator. */
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
    return refuse(problem, `${path} is not valid JSON (${(error as Error).message}).`);
  }
}

/** Checks specs, joins the shards, and checks the byte length and that every value is finite. */
function checkWeights(
  path: string,
  specs: unknown,
  shards: Uint8Array[],
  what: string,
): WeightBlock {
  if (!Array.isArray(specs)) return refuse('bad-manifest', `${path} lists no weights.`);
  let expected = 0;
  for (const spec of specs as WeightSpec[]) {
    const ok =
      isObject(spec) &&
      typeof spec.name === 'string' &&
      Array.isArray(spec.shape) &&
      spec.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      BYTES_PER[spec.dtype] !== undefined &&
      !(spec as { quantization?: unknown }).quantization;
    if (!ok) {
      return refuse(
        'bad-manifest',
        `${path}: weight ${JSON.stringify(spec?.name ?? spec)} has an unsupported shape, ` +
          'data type or quantisation (float32 or int32, unquantised).',
      );
    }
    expected += spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER[spec.dtype]!;
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  if (total !== expected) {
    refuse(
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
  for (const spec of specs as WeightSpec[]) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'float32') {
      const values = new Float32Array(data.buffer, offset, count);
      let bad = 0;
      for (let i = 0; i < count; i++) if (!Number.isFinite(values[i]!)) bad += 1;
      if (bad > 0) {
        refuse(
          'non-finite',
          `The ${what} weight ${spec.name} holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'}: ` +
            'the run had diverged or the file is corrupt.',
        );
      }
    }
    offset += count * BYTES_PER[spec.dtype]!;
  }
  return { path, specs: specs as WeightSpec[], data: data.buffer };
}

/**
 * Reads and checks a run zip. Throws RunArchiveError with a message for people on the first
 * problem found; creates no tensors.
 */
export function parseRunArchive(bytes: Uint8Array): ParsedRun {
  if (bytes.byteLength === 0) refuse('empty', 'The file is empty (0 bytes).');
  const zipMagic = bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!zipMagic) {
    refuse(
      'not-zip',
      'This file is not a zip archive. Choose a .zip made by "Export weights" in VAEGAN Playground.',
    );
  }
  const zip = openRunZip(bytes);
  const names = zip.names.filter(
    (n) => !n.endsWith('/') && !n.startsWith('__MACOSX/') && !n.endsWith('.DS_Store'),
  );
  const manifestBytes = zip.read('manifest.json', 'json');
  if (!manifestBytes) {
    refuse(
      'not-a-run',
      'This zip has no manifest.json, so it is not a run exported by VAEGAN Playground.',
    );
  }
  const m = parseJson(manifestBytes!, 'manifest.json', 'bad-manifest');
  if (!isObject(m) || m.format !== RUN_FORMAT) {
    refuse(
      'not-a-run',
      `manifest.json does not describe a VAEGAN Playground run (format "${RUN_FORMAT}").`,
    );
  }
  const manifest = m as unknown as RunManifest;
  if (!Number.isInteger(manifest.formatVersion) || manifest.formatVersion < 1) {
    refuse('unknown-version', `Unknown format version ${JSON.stringify(manifest.formatVersion)}.`);
  }
  if (manifest.formatVersion > RUN_FORMAT_VERSION) {
    refuse(
      'unknown-version',
      `This file has format version ${manifest.formatVersion}, made by app version ` +
        `${String(manifest.appVersion)}; this app (${appVersion}) reads version ` +
        `${RUN_FORMAT_VERSION}. Update the app to open it.`,
    );
  }
  if (!ARCHITECTURES.includes(manifest.architecture)) {
    refuse(
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
    // Files of earlier versions have the seed's one hidden layer.
    hiddenLayers: manifest.hiddenLayers ?? 1,
    batchSize: manifest.batchSize,
    seed: manifest.seed,
  };
  const problems = settingsProblems(settings);
  const wholeUpTo = (v: unknown, max: number) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
  if (!wholeUpTo(manifest.step, MAX_STEPS)) {
    problems.push(`step must be a whole number from 0 to ${MAX_STEPS.toExponential()}`);
  }
  // Older files may lack these two; present, they must be in range.
  if (manifest.noiseDraws !== undefined && !wholeUpTo(manifest.noiseDraws, MAX_NOISE_DRAWS)) {
    problems.push(`noiseDraws must be a whole number from 0 to 2^50`);
  }
  const ms = manifest.trainingMs as unknown;
  if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && ms <= MAX_TRAINING_MS)) {
    problems.push('trainingMs must be a number of milliseconds from 0 to 1e13');
  }
  const image = readImageShape(manifest.imageShape, problems);
  if (settings.dataset !== 'user' && imageSize(image) !== imageSize(MNIST_IMAGE)) {
    problems.push(`image shape must be [28, 28, 1] for ${settings.dataset}`);
  }
  if (settings.dataset === 'user' && !isUserDatasetRef(manifest.userDataset)) {
    problems.push('a run on your own images must name them (userDataset)');
  }
  if (problems.length > 0) {
    refuse('bad-manifest', `manifest.json has invalid settings: ${problems.join('; ')}.`);
  }
  const hyperparams = sanitizeHyperparams(
    isObject(manifest.hyperparams) ? (manifest.hyperparams as Partial<Hyperparams>) : {},
    DEFAULT_HYPERPARAMS,
  );
  const budget = readBudget(manifest.budget);
  const autoStop = readAutoStop(manifest.autoStop, manifest.step);

  const used = new Set<string>(['manifest.json']);
  const networks: ParsedRun['networks'] = {};
  for (const name of networkNames(settings.variant)) {
    const path = `${name}/model.json`;
    const modelBytes = zip.read(path, 'json');
    if (!modelBytes) {
      refuse('missing-file', `The ${name} network is missing: the zip has no ${path}.`);
    }
    used.add(path);
    const modelJson = parseJson(modelBytes!, path, 'bad-manifest');
    const groups = isObject(modelJson) ? modelJson.weightsManifest : undefined;
    if (!isObject(modelJson) || !isObject(modelJson.modelTopology) || !Array.isArray(groups)) {
      refuse(
        'bad-manifest',
        `${path} is not a TensorFlow.js Layers model (no topology or weights manifest).`,
      );
    }
    const shards: Uint8Array[] = [];
    const specs: unknown[] = [];
    for (const group of groups as { paths?: unknown; weights?: unknown }[]) {
      if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
        refuse('bad-manifest', `${path}: a weight group lacks its paths or weights.`);
      }
      for (const shard of group.paths as unknown[]) {
        const shardPath = `${name}/${String(shard)}`;
        if (used.has(shardPath)) refuse('bad-manifest', `${path} lists ${shardPath} twice.`);
        const data = zip.read(shardPath, 'weights');
        if (!data) {
          refuse(
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
      refuse('bad-manifest', 'manifest.json: "optimizers" is malformed.');
    for (const name of OPTIMIZER_NAMES) {
      const entry = manifest.optimizers[name];
      if (!isObject(entry) || typeof entry.path !== 'string') {
        return refuse('bad-manifest', `manifest.json lacks the state of the ${name} optimiser.`);
      }
      if (used.has(entry.path)) {
        refuse('bad-manifest', `manifest.json lists ${entry.path} for two purposes.`);
      }
      const data = zip.read(entry.path, 'weights');
      if (!data) {
        refuse(
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
        refuse('bad-manifest', `manifest.json: the ${name} optimiser's counters are invalid.`);
      optimizers[name] = {
        ...entry,
        ...checkWeights('manifest.json', entry.weightSpecs, [data!], `${name} optimiser`),
        path: entry.path,
      };
    }
  }
  const extra = names.filter((n) => n.endsWith('.bin') && !used.has(n));
  if (extra.length > 0) {
    refuse(
      'extra-shard',
      `The zip holds weight shard${extra.length === 1 ? '' : 's'} that no model.json lists: ` +
        `${extra.join(', ')}. It was altered after export; export it again.`,
    );
  }
  let history: MetricsPoint[] = [];
  if (manifest.history !== undefined) {
    const historyPath = String(manifest.history);
    if (used.has(historyPath)) {
      refuse('bad-manifest', `manifest.json lists ${historyPath} for two purposes.`);
    }
    const h = zip.read(historyPath, 'history');
    if (!h)
      refuse(
        'bad-history',
        `The curve history ${String(manifest.history)} is missing from the zip.`,
      );
    history = readHistory(
      parseJson(h!, String(manifest.history), 'bad-history'),
      String(manifest.history),
    );
  }
  return {
    manifest,
    settings,
    image,
    hyperparams,
    ...(budget ? { budget } : {}),
    ...(autoStop ? { autoStop } : {}),
    networks,
    optimizers,
    history,
  };
}

/** Problems with run settings (same rules as the trainer), in words. */
function settingsProblems(s: RunSettings): string[] {
  return runSettingsProblems(s);
}

/**
 * The manifest's [height, width, channels], or MNIST's when absent (first app versions); only
 * the shapes this app trains on (RUN_IMAGE_SHAPES) are accepted.
 */
function readImageShape(value: unknown, problems: string[]): ImageShape {
  if (value === undefined) return MNIST_IMAGE;
  const known = Array.isArray(value)
    ? RUN_IMAGE_SHAPES.find(
        (s) => value[0] === s.height && value[1] === s.width && value[2] === s.channels,
      )
    : undefined;
  if (!known || (value as unknown[]).length !== 3) {
    const shapes = RUN_IMAGE_SHAPES.map((s) => `[${s.height}, ${s.width}, ${s.channels}]`);
    problems.push(`imageShape ${JSON.stringify(value)} is not one of ${shapes.join(' or ')}`);
    return MNIST_IMAGE;
  }
  return { ...known };
}

/** Whether a manifest names a set of the user's images as runs record it. */
export function isUserDatasetRef(x: unknown): x is UserDatasetRef {
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
