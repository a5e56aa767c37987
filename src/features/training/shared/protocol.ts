/**
 * What crosses the worker boundary, besides the API methods themselves (trainer-api.ts).
 * Types only: the page imports this file with `import type` and never loads tfjs.
 */
import type { Hyperparams } from '../../../shared/config';
import type { MetricName } from '../../../model/vaegan';
import type { NormNetwork } from '../../../shared/metrics';
import type { NetworkArtifacts } from '../../../model/serialize';
import type { DatasetId } from '../../../shared/dataset';
import type { BudgetState } from './budget';
import {
  type BackendName,
  type BackendRequest,
  rangeOf,
  type RunSettings,
} from '../../../shared/settings';

export { BACKEND_NAMES } from '../../../shared/settings';
export type { BackendName, BackendRequest, RunSettings } from '../../../shared/settings';

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
  /** The start-up measurement of the automatic choice, when more than one fast backend ran. */
  race?: {
    speeds: { name: BackendName; imagesPerSec: number }[];
    /** ISO time of the measurement; older than this visit when it came from the cache. */
    measuredAt: string;
    fromCache: boolean;
  };
  /**
   * Kernels the conv architecture needs for training that this backend lacks (tf.getKernel),
   * e.g. ['Conv2DBackpropFilter'] on wasm opened with ?conv=tfjs; empty where conv trains.
   */
  missingConvKernels: string[];
  /**
   * The app's matrix product at its peak on this backend's threads, measured once its helper
   * threads have started (src/runtime/wasm/step/peak.ts; it arrives in a 'gemm-peak' event a
   * moment after 'backend'): the yardstick of the training speed in GFLOP/s. Only on wasm with
   * the app's kernels.
   */
  gemmPeak?: { gflops: number; threads: number };
}

export const BATCH_SIZE_RANGE = rangeOf('batchSize');

/** Curves: one point per report, each the mean over the steps since the previous point. */
export interface MetricsPoint {
  step: number;
  /** Milliseconds since the run started training. */
  time: number;
  values: Record<MetricName, number>;
  stepsPerSec: number;
  imagesPerSec: number;
  /** Weight and gradient norms per network at this report (not in run files). */
  norms?: NetworkNorms;
}

/** The norms chart's figures at one report. */
export interface NetworkNorms {
  /** ‖W‖: the Euclidean norm of all of a network's trainable weights. */
  weights: Record<NormNetwork, number>;
  /**
   * ‖∇‖ of the network's gradient at the last step before the report, in its own phase (the
   * generator's is phase 3's, of L_G); null when its phase did not train in that step.
   */
  gradients: Record<NormNetwork, number | null>;
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
  /** D's probability that each sample is real, D(G(z)), in the samples' grid order. */
  sampleScores: number[];
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
  /** User sets only: which one, so the explorer embeds the right test images. */
  fingerprint?: string;
  latentDim: number;
  encoder: NetworkArtifacts;
  decoder: NetworkArtifacts;
  /** The generator, in the `separate` variant only (in `shared` it is the decoder). */
  generator?: NetworkArtifacts;
  /** The discriminator, for the explorer's map of D(Dec(z)) over the pad's plane. */
  discriminator?: NetworkArtifacts;
  /**
   * A second copy of the decoder's weight bytes, made in the trainer worker, for the page's own
   * pad decoder: the page reads its weights in place from it and moves `encoder` and `decoder`
   * on to the explorer worker, so it never copies megabytes itself (tens of milliseconds, a
   * dropped frame under the pointer).
   */
  pageDecoderData?: ArrayBuffer;
  /**
   * Copies of the networks for the quality worker, made in the trainer worker (the page would
   * otherwise copy megabytes on its own thread every few seconds).
   */
  qualityCopy?: Pick<WeightsSnapshot, 'encoder' | 'decoder' | 'generator'>;
}

export type ProgressPhase = 'backend' | 'dataset' | 'model';

export type TrainerEvent =
  | { type: 'status'; status: RunStatus; step: number; message?: string }
  | { type: 'progress'; phase: ProgressPhase; fraction: number; label: string }
  | { type: 'backend'; backend: BackendInfo }
  /** The running backend's gemmPeak, measured once its helper threads are up. */
  | { type: 'gemm-peak'; gemmPeak: NonNullable<BackendInfo['gemmPeak']> }
  | { type: 'settings'; settings: RunSettings }
  /**
   * A curve point; `gflops`: the training's matrix products per second at its speed
   * (src/shared/flops.ts; MLP only), against the backend's gemmPeak.
   */
  | { type: 'metrics'; point: MetricsPoint; gflops?: number }
  | { type: 'images'; images: ImagesUpdate }
  /** Weight buffers are transferred, not copied. */
  | { type: 'weights'; weights: WeightsSnapshot }
  /** Hyperparameters the worker accepted, in force from step `fromStep` on. */
  | {
      type: 'hyperparams';
      hyperparams: Hyperparams;
      fromStep: number;
      /** Set when the divergence guard changed them (a learning rate halved): the sliders follow. */
      byGuard?: boolean;
    }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** The whole curve history, replacing the page's (after a run is imported). */
  | { type: 'history'; points: MetricsPoint[] }
  /** The training budget in force, auto-stop's state, and why training stopped by itself. */
  | { type: 'budget'; state: BudgetState };

export type TrainerListener = (event: TrainerEvent) => void;
