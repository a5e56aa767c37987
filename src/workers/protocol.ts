/**
 * What crosses the worker boundary, besides the API methods themselves (trainer-api.ts).
 * Types only: the page imports this file with `import type` and never loads tfjs.
 */
import type { Hyperparams, Variant } from '../model/config';
import type { MetricName } from '../model/vaegan';
import type { NetworkArtifacts } from '../model/serialize';
import type { DatasetId } from './dataset';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Lifecycle of the trainer, owned by the worker and mirrored in the page's store. */
export type RunStatus = 'idle' | 'loading' | 'ready' | 'training' | 'paused' | 'error';

export interface BackendInfo {
  /** The backend that runs. */
  name: BackendName;
  requested: BackendRequest;
  /** Adapter or renderer description, e.g. "google swiftshader" for software WebGPU. */
  detail: string;
  /** Backends tried before this one, each with the reason it was passed over. */
  skipped: { name: BackendName; reason: string }[];
  /** Threads of the wasm backend (1 without cross-origin isolation). */
  threads?: number;
}

/** Settings that define a model and its data: changing one starts a new model. */
export interface RunSettings {
  dataset: DatasetId;
  variant: Variant;
  latentDim: number;
  hiddenUnits: number;
  batchSize: number;
  seed: number;
}

export const BATCH_SIZE_RANGE = { min: 8, max: 512 } as const;

/** Curves: one point per report, each the mean over the steps since the previous point. */
export interface MetricsPoint {
  step: number;
  /** Milliseconds since the run started training. */
  time: number;
  values: Record<MetricName, number>;
  stepsPerSec: number;
  imagesPerSec: number;
}

/** An RGBA picture of image cells, drawn by the worker and painted as-is by the page. */
export interface ImageGrid {
  width: number;
  height: number;
  /** RGBA bytes, width * height * 4; transferred, not copied. */
  pixels: Uint8ClampedArray;
  cols: number;
  rows: number;
}

export interface ImagesUpdate {
  step: number;
  /** Fixed test images, each input beside its reconstruction. */
  reconstructions: ImageGrid;
  /** Decoded fixed prior noise (8 x 8), so one sample can be followed over training. */
  samples: ImageGrid;
  /** First test image, decodings along the line between the two encodings, second test image. */
  interpolation: ImageGrid;
}

/**
 * A copy of the encoder's and decoder's weights, sent every few seconds of training (and after
 * new settings, Reset, Step and Pause) so the latent explorer can decode outside the training loop.
 */
export interface WeightsSnapshot {
  /** Training step the weights are from. */
  step: number;
  /** Changes whenever the model is replaced (new settings, Reset). */
  modelId: number;
  dataset: DatasetId;
  latentDim: number;
  encoder: NetworkArtifacts;
  decoder: NetworkArtifacts;
  /** The generator, in the `separate` variant only (in `shared` it is the decoder). */
  generator?: NetworkArtifacts;
}

export type ProgressPhase = 'backend' | 'dataset' | 'model';

export type TrainerEvent =
  | { type: 'status'; status: RunStatus; step: number; message?: string }
  | { type: 'progress'; phase: ProgressPhase; fraction: number; label: string }
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'settings'; settings: RunSettings }
  | { type: 'metrics'; point: MetricsPoint }
  | { type: 'images'; images: ImagesUpdate }
  /** Weight buffers are transferred, not copied. */
  | { type: 'weights'; weights: WeightsSnapshot }
  /** Hyperparameters the worker accepted, in force from step `fromStep` on. */
  | { type: 'hyperparams'; hyperparams: Hyperparams; fromStep: number }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** The whole curve history, replacing the page's (after a run is imported). */
  | { type: 'history'; points: MetricsPoint[] };

export type TrainerListener = (event: TrainerEvent) => void;
