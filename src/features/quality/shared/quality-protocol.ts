/**
 * What crosses the quality worker's boundary: requests, results and their limits. No tfjs, so
 * the page may import values from here.
 */
import type { DatasetId } from '../../../shared/dataset';
import type { BackendRequest } from '../../training/shared/protocol';

/** Seed of the dynamic binarisation of the test images: fixed, so every measurement sees the same bits. */
export const BINARIZE_SEED = 20_151_101;
/** Seed of the importance-sampling draws. */
export const IWAE_SEED = 5000;
/** Seed of the prior samples for the FCD and the mode coverage. */
export const SAMPLES_SEED = 1000;
export const K_RANGE = { min: 1, max: 5000 } as const;
export const SAMPLES_RANGE = { min: 100, max: 10_000 } as const;

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
  classes: string[];
  classifierAccuracy: number | null;
  classifierError: string;
  ms: number;
}
