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
  /** Index in the test split; -1 for the drawing. */
  index: number;
  /** Class of the test image; -1 for the drawing. */
  label: number;
  /** The test image and its reconstruction Dec(mu(x)), one image each. */
  input: ImageGrid;
  recon: ImageGrid;
  mu: Float32Array;
  /** Set when this is the user's drawing, not a test image. */
  drawing?: boolean;
}

/** An end of the interpolation: a test image by index, or the drawing's image ([pixels] in [0, 1]). */
export type PathEnd = number | { drawing: Float32Array };

export interface InterpolationRequest {
  a: PathEnd;
  b: PathEnd;
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

/**
 * Posterior collapse on the embedded test images: the KL of each latent dimension (nats per
 * image; they sum to the KL term) and Cov_x(E_q[z_j]), with the count of active units.
 */
export interface PosteriorStats {
  step: number;
  modelId: number;
  latentDim: number;
  /** Test images the figures average over. */
  count: number;
  kl: number[];
  activity: number[];
  active: number;
  /** Burda et al.'s threshold on Cov_x(E_q[z_j]) for an active unit. */
  threshold: number;
}

/** The drawing as the encoder sees it: its 28 x 28 image, the code and the reconstruction. */
export interface DrawingView {
  step: number;
  modelId: number;
  input: ImageGrid;
  recon: ImageGrid;
  mu: Float32Array;
  /** exp(logvar / 2): the posterior's standard deviation per dimension. */
  sigma: Float32Array;
}

/** The code a traversal varies around: the origin, a test image's, or the drawing's. */
export type TraversalBase = 'origin' | number | { drawing: Float32Array };

export interface TraversalRequest {
  /** Each latent dimension (largest KL first), or the top principal axes of the codes. */
  mode: 'dims' | 'pca';
  base: TraversalBase;
  /** Decodings per row, from -3 sigma to +3 sigma. */
  steps: number;
  /** sigma of a row: the spread of the test codes along it, or the prior's 1. */
  scale: 'codes' | 'prior';
}

export interface TraversalRow {
  /** "z3" or "PC1". */
  name: string;
  /** The step between -3 sigma and +3 sigma is in units of this. */
  sigma: number;
  /** The dimension's KL (mode 'dims'). */
  kl: number | null;
  /** Share of the codes' variance along the axis (mode 'pca'). */
  explained: number | null;
}

export interface TraversalResult {
  step: number;
  /** rows x steps decodings, 1 px apart. */
  grid: ImageGrid;
  rows: TraversalRow[];
  /** Multiples of sigma of the columns, from -3 to 3. */
  offsets: number[];
  /** Latent dimensions left out (beyond TRAVERSAL_MAX_ROWS, smallest KL). */
  hidden: number;
}

export const TRAVERSAL_STEPS = { min: 3, max: 15 } as const;
export const TRAVERSAL_MAX_ROWS = 24;
export const TRAVERSAL_PCA_ROWS = 8;

/** D's map over the pad: D(Dec(z)) on an n x n grid of the plane, row by row from the top. */
export interface DiscriminatorMap {
  step: number;
  n: number;
  scores: Float32Array;
}

export const D_MAP_SIZE = 24;
