/**
 * Reads and checks a run zip (format.ts) byte by byte: the manifest, every network's and
 * optimiser's weights (shapes, byte lengths, finite values) and the curves. Creates no tensors
 * and needs no tfjs, so a bad file cannot disturb the model that is training, and the page
 * could check a file before sending it to the worker.
 */
import { strFromU8, unzipSync } from 'fflate';
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
import { METRIC_NAMES, type MetricName, OPTIONAL_METRICS } from '../../../shared/metrics';
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

/** The curves from history.json's columns; refuses malformed ones. */
export function readHistory(json: unknown, path: string): MetricsPoint[] {
  const bad = () => refuse('bad-history', `${path} is malformed: the curves cannot be read.`);
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
  if (bytes.byteLength === 0) refuse('empty', 'The file is empty (0 bytes).');
  const zipMagic = bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!zipMagic) {
    refuse(
      'not-zip',
      'This file is not a zip archive. Choose a .zip made by "Export weights" in VAEGAN Playground.',
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    return refuse(
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
    const modelBytes = entries[path];
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
        const data = entries[shardPath];
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
      const data = entries[entry.path];
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
    const h = entries[String(manifest.history)];
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
