/**
 * State of the latent explorer, apart from the training store so the two can change without
 * touching each other. Written by the explorer's client modules (worker answers) and the explorer's
 * controls; high-frequency data (the pad's handle, the decoded image) is delivered to the DOM by
 * subscription, not by React renders.
 */
import { create } from 'zustand';
import type { InterpolationMode } from '../../../shared/latent';
import type {
  InterpolationResult,
  LoadedWeights,
  ScatterResult,
  TestImageView,
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

export interface InterpolationSettings {
  a: number;
  b: number;
  steps: number;
  mode: InterpolationMode;
}

export const DEFAULT_INTERPOLATION: InterpolationSettings = {
  a: 0,
  b: 1,
  steps: 10,
  mode: 'linear',
};

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
}));
