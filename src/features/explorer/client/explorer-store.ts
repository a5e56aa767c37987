/**
 * State of the latent explorer, apart from the training store so the two can change without
 * touching each other. Written by the explorer's client modules (worker answers) and the explorer's
 * controls; high-frequency data (the pad's handle, the decoded image) is delivered to the DOM by
 * subscription, not by React renders.
 */
import { create } from 'zustand';
import type { InterpolationMode } from '../../../shared/latent';
import type {
  DiscriminatorMap,
  DrawingView,
  InterpolationResult,
  LoadedWeights,
  PosteriorStats,
  ScatterResult,
  TestImageView,
  TraversalResult,
} from '../shared/protocol';
import type { BackendInfo, ImageGrid } from '../../training/shared/protocol';

export type ExplorerStatus = 'off' | 'starting' | 'waiting' | 'ready' | 'error';

/** The plane the user picked. */
export interface PlaneSettings {
  mode: 'pca' | 'axes';
  /** Zero-based latent axes for mode 'axes'. */
  axes: [number, number];
  /** Other coordinates held at the origin or at the code of this test image. */
  base: 'origin' | number;
}

/** Where an end of the interpolation comes from: its test image, or the drawing. */
export type EndSource = 'test' | 'drawing';

export interface InterpolationSettings {
  a: number;
  b: number;
  steps: number;
  mode: InterpolationMode;
  /** The drawing replaces test image a (or b) while its end's source is 'drawing'. */
  aFrom: EndSource;
  bFrom: EndSource;
}

export const DEFAULT_INTERPOLATION: InterpolationSettings = {
  a: 0,
  b: 1,
  steps: 10,
  mode: 'linear',
  aFrom: 'test',
  bFrom: 'test',
};

/** The traversal the user picked. */
export interface TraversalSettings {
  mode: 'dims' | 'pca';
  /** Around the origin, the selected test image's code, or the drawing's. */
  around: 'origin' | 'selected' | 'drawing';
  steps: number;
  scale: 'codes' | 'prior';
}

export const DEFAULT_TRAVERSAL: TraversalSettings = {
  mode: 'dims',
  around: 'origin',
  steps: 7,
  scale: 'codes',
};

/** One point of the active units over training. */
export interface PosteriorPoint {
  step: number;
  active: number;
  /** Sum of the per-dimension KLs (nats per image) on the embedded test images. */
  kl: number;
}

/** Default plane for a latent size: z itself when it is 2-D, else the top principal axes. */
export function defaultPlane(latentDim: number): PlaneSettings {
  return { mode: latentDim === 2 ? 'axes' : 'pca', axes: [0, 1], base: 'origin' };
}

export interface ExplorerState {
  status: ExplorerStatus;
  /** Why the explorer cannot show something, in words (worker errors included). */
  error: string;
  backend: BackendInfo | null;
  loaded: LoadedWeights | null;
  plane: PlaneSettings;
  /** The embedded test set on the current plane, with the plane itself and the pad's range. */
  scatter: ScatterResult | null;
  /** The handle, in plane coordinates of `scatter.plane`. */
  point: { x: number; y: number };
  /** Where the pad's code is decoded, in words. */
  padDecoder: string;
  /** Step of the weights the decoded image comes from. */
  decodedStep: number | null;
  selected: number | null;
  selectedView: TestImageView | null;
  showManifold: boolean;
  manifoldSize: number;
  manifold: ImageGrid | null;
  interpolation: InterpolationSettings;
  interpolationResult: InterpolationResult | null;
  /** The drawing as the encoder sees it (28 x 28 in [0, 1]), or null when the pad is blank. */
  drawing: Float32Array | null;
  /** Its code and reconstruction, from the newest weights. */
  drawingView: DrawingView | null;
  traversal: TraversalSettings;
  traversalResult: TraversalResult | null;
  /** Paint D(Dec(z)) over the pad. */
  showDMap: boolean;
  /** D's map for the plane and range of `scatter` it was asked for. */
  dMap: (DiscriminatorMap & { scatter: ScatterResult }) | null;
  /** The newest posterior statistics, and their history for this model. */
  posterior: PosteriorStats | null;
  posteriorPoints: PosteriorPoint[];
}

export const useExplorerStore = create<ExplorerState>()(() => ({
  status: 'off',
  error: '',
  backend: null,
  loaded: null,
  plane: defaultPlane(16),
  scatter: null,
  point: { x: 0, y: 0 },
  padDecoder: '',
  decodedStep: null,
  selected: null,
  selectedView: null,
  showManifold: false,
  manifoldSize: 15,
  manifold: null,
  interpolation: DEFAULT_INTERPOLATION,
  interpolationResult: null,
  drawing: null,
  drawingView: null,
  traversal: DEFAULT_TRAVERSAL,
  traversalResult: null,
  showDMap: false,
  dMap: null,
  posterior: null,
  posteriorPoints: [],
}));
