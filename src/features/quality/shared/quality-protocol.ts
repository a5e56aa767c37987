/**
 * What crosses the quality worker's boundary: requests, results and their limits. No tfjs, so
 * the page may import values from here.
 */
import type { DatasetId } from '../../../shared/dataset';
import type { BackendRequest, ImageGrid } from '../../training/shared/protocol';

/** Seed of the dynamic binarisation of the test images: fixed, so every measurement sees the same bits. */
export const BINARIZE_SEED = 20_151_101;
/** Seed of the importance-sampling draws. */
export const IWAE_SEED = 5000;
/** Seed of the prior samples for the FCD and the mode coverage. */
export const SAMPLES_SEED = 1000;
export const K_RANGE = { min: 1, max: 5000 } as const;
export const SAMPLES_RANGE = { min: 100, max: 10_000 } as const;
/**
 * Precision, recall, density and coverage use at most this many samples and test images: their
 * cost and memory grow with the square of the count (three distance matrices).
 */
export const MANIFOLD_MAX_SAMPLES = 2000;
/** Neighbours per k-NN ball (Kynkäänniemi et al. 2019). */
export const MANIFOLD_K = 3;
/** Prior samples (and as many test images) of the memorisation check. */
export const MEMORISATION_RANGE = { min: 4, max: 256 } as const;
/** Samples of one class shown when a class of the coverage histogram is clicked. */
export const CLASS_SAMPLES_MAX = 48;

export type RunKey = 'main' | 'comparison';

export interface QualityInit {
  backend: BackendRequest;
  /** Absolute URL of the folder holding the data sets' manifest.json. */
  datasetsBaseUrl: string;
  /** Absolute URL of the folder holding the classifiers' manifest.json. */
  classifiersBaseUrl: string;
}

export interface QualityRequest {
  run: RunKey;
  /** Importance samples per test image. */
  k: number;
  /** Test images for the ELBO and IWAE (the first ones of the test split). */
  images: number;
  /** Prior samples for the FCD and the coverage (and as many test images for the FCD). */
  samples: number;
}

export interface QualityResult {
  run: RunKey;
  step: number;
  modelId: number;
  dataset: DatasetId;
  k: number;
  images: number;
  samples: number;
  /** Mean over the test images, nats per image. */
  elbo: number;
  iwae: number;
  /** null when no classifier is shipped for the data set (`classifierError` says why). */
  fcd: number | null;
  histogram: number[] | null;
  classesPresent: number | null;
  /**
   * Improved precision and recall (k-NN balls, k = MANIFOLD_K) and density and coverage of the
   * first `manifoldCount` samples against as many test images, in the classifier's features.
   */
  precision: number | null;
  recall: number | null;
  density: number | null;
  coverage: number | null;
  manifoldCount: number | null;
  classes: string[];
  classifierAccuracy: number | null;
  classifierError: string;
  ms: number;
}

/** The samples of one class, as the classifier sorted the last measurement's prior samples. */
export interface ClassSamples {
  run: RunKey;
  step: number;
  label: number;
  /** How many of the measurement's samples the classifier put in this class. */
  total: number;
  /** The first of them (up to CLASS_SAMPLES_MAX), in one picture; null when there are none. */
  grid: ImageGrid | null;
}

/** The memorisation check: each prior sample beside its nearest training image. */
export interface MemorisationResult {
  run: RunKey;
  step: number;
  modelId: number;
  count: number;
  /** Pairs (sample, nearest training image), 8 pairs a row. */
  grid: ImageGrid;
  /** Euclidean pixel distance (pixels in [0, 1]) of each sample to its nearest training image. */
  distances: number[];
  /** Index of that training image. */
  indices: number[];
  /** The same figures for the first `count` test images, never trained on: the yardstick. */
  sampleMedian: number;
  testMedian: number;
  testMin: number;
  /** Samples closer to a training image than any of the test images comes. */
  closerThanTest: number;
  ms: number;
}
