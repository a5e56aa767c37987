/**
 * The run zip's format: its name and version, the network and optimiser names, the manifest's
 * types and the errors a file is refused with. Runs anywhere (no tfjs): the worker writes and
 * restores runs (../worker/encode.ts, ../worker/restore.ts), and parse.ts reads them.
 *
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
 */
import {
  type Architecture,
  type Hyperparams,
  type ImageShape,
  imageSize,
  type Variant,
} from '../../../shared/config';
import { METRIC_NAMES, type MetricName } from '../../../shared/metrics';
import type { MetricsPoint } from '../../training/shared/protocol';
import type { TrainingBudget } from '../../../shared/settings';
import type { AutoStopState } from '../../training/shared/budget';
import type { DatasetId } from '../../../shared/dataset';

export const RUN_FORMAT = 'vaegan-playground-run';
/** Bumped whenever a reader of the previous version could misread the new layout. */
export const RUN_FORMAT_VERSION = 1;

export type NetworkName = 'encoder' | 'decoder' | 'generator' | 'discriminator';
export type OptimizerName = 'vae' | 'discriminator' | 'generator';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['vae', 'discriminator', 'generator'];

/** What each exported network computes, written into the manifest for people reading it. */
const NETWORK_OUTPUTS: Record<NetworkName, string> = {
  encoder: 'x [n, 784] in [0,1] -> concat(mu, logvar) [n, 2 * latentDim]',
  decoder: 'z [n, latentDim] -> pixel probabilities [n, 784] (28x28 row-major, sigmoid output)',
  generator: 'z [n, latentDim] -> pixel probabilities [n, 784] (sigmoid output)',
  discriminator:
    'x [n, 784] -> [Dis_l features [n, hiddenUnits] (mlp) or [n, 7 * 7 * 64] (conv), logit of P(real) [n, 1]]',
};

/** NETWORK_OUTPUTS for an image shape (the same text for 28 x 28 x 1). */
export function networkOutput(name: NetworkName, image: ImageShape): string {
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
  weightSpecs: WeightSpec[];
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
  /** Hidden layers of the MLP encoder and decoder; absent in files of earlier versions: 1. */
  hiddenLayers?: number;
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
  /** The training budget in force (absent in files of earlier versions: none). */
  budget?: TrainingBudget;
  /** Auto-stop's best test ELBO so far and the measurements since (absent: none yet). */
  autoStop?: AutoStopState;
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

/** The networks a model of `variant` has, in the order they are written and read. */
export function networkNames(variant: Variant): NetworkName[] {
  return variant === 'separate'
    ? ['encoder', 'decoder', 'generator', 'discriminator']
    : ['encoder', 'decoder', 'discriminator'];
}

/**
 * One weight as a Layers weights manifest lists it: tf.io.WeightsManifestEntry as far as this
 * app writes and reads it (never quantised), spelled out here so that reading needs no tfjs.
 */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
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
  | 'bad-history'
  | 'too-large';

export class RunArchiveError extends Error {
  constructor(
    readonly problem: RunArchiveProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RunArchiveError';
  }
}

/** Refuses a file: throws a RunArchiveError with a message for people. */
export function refuse(problem: RunArchiveProblem, message: string): never {
  throw new RunArchiveError(problem, message);
}

/** JSON has no NaN or infinity: a diverged value is written as null. */
export const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** The curves as columns, as history.json holds them. */
export function historyColumns(points: MetricsPoint[]): RunHistory {
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
