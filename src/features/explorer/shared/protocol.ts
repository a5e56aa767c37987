/**
 * What crosses the explorer worker's boundary besides its methods (explorer-api.ts): requests,
 * results and limits. Types and constants only, so the page imports it freely.
 */
import type { ImageShape } from '../../../shared/config';
import type { DatasetId } from '../../../shared/settings';
import type { InterpolationMode, LatentPlane, PadRange } from '../../../shared/latent';
import type { BackendRequest, ImageGrid } from '../../training/shared/protocol';

/** Test images embedded for the scatter (the first ones of the test split). */
export const SCATTER_COUNT = 2500;
export const MANIFOLD_MAX = 30;
export const INTERPOLATION_MAX = 32;

export interface ExplorerInit {
  backend: BackendRequest;
  /** Absolute URL of the folder holding manifest.json. */
  datasetsBaseUrl: string;
}

/** What the explorer holds after a snapshot: enough for the page to lay out its controls. */
export interface LoadedWeights {
  step: number;
  modelId: number;
  latentDim: number;
  dataset: DatasetId;
  datasetName: string;
  classes: string[];
  testCount: number;
  /** Shape of the decoded images: 28 x 28 x 1, or 32 x 32 x 3 for a colour set of the user's. */
  image: ImageShape;
}

/** The plane the page asks for: two principal axes or two latent axes, through a base point. */
export interface PlaneRequest {
  mode: 'pca' | 'axes';
  /** Zero-based latent axes for mode 'axes'. */
  axes: [number, number];
  /** Other coordinates held at the origin or at the encoding (mu) of a test image. */
  base: 'origin' | number;
}

export interface ScatterResult {
  step: number;
  modelId: number;
  latentDim: number;
  plane: LatentPlane;
  /** Human names of the plane's two axes, e.g. "PC1" or "z3". */
  axisNames: [string, string];
  /** Share of the embedded codes' total variance along each axis (PCA only). */
  explained: [number, number] | null;
  /** [count * 2] plane coordinates of the embedded test images 0 .. count-1. */
  coords: Float32Array;
  labels: Uint8Array;
  count: number;
  range: PadRange;
}

export interface TestImageView {
  index: number;
  label: number;
  /** The test image and its reconstruction Dec(mu(x)), one image each. */
  input: ImageGrid;
  recon: ImageGrid;
  mu: Float32Array;
}

export interface InterpolationRequest {
  a: number;
  b: number;
  steps: number;
  mode: InterpolationMode;
}

export interface InterpolationResult {
  step: number;
  /** `steps` decodings in one row, 1 px apart; the ends are Dec(mu(a)) and Dec(mu(b)). */
  strip: ImageGrid;
  a: TestImageView;
  b: TestImageView;
}
