/**
 * State of the quality panel and of the plain-VAE comparison run, apart from the training store
 * so that neither changes the other. Written by quality-client.ts and comparison-client.ts.
 */
import { create } from 'zustand';
import type {
  ClassSamples,
  MemorisationResult,
  QualityResult,
  RunKey,
} from '../shared/quality-protocol';
import type { BackendInfo, ImageGrid, RunStatus } from '../../training/shared/protocol';

/** One measurement, as plotted over training steps. */
export interface QualityPoint {
  step: number;
  elbo: number;
  iwae: number;
  k: number;
  fcd: number | null;
  classesPresent: number | null;
  precision: number | null;
  recall: number | null;
  density: number | null;
  coverage: number | null;
}

export interface RunQuality {
  points: QualityPoint[];
  latest: QualityResult | null;
  /** The model the points belong to; a new model (Reset, new settings) clears them. */
  modelId: number | null;
  /** Step of the newest weights the quality worker holds. */
  weightsStep: number | null;
}

export interface QualitySettings {
  /** Importance samples per test image. */
  k: number;
  /** Test images for ELBO and IWAE. */
  images: number;
  /** Prior samples (and test images) for FCD and coverage. */
  samples: number;
  /** Measure on a new weight copy once this many seconds have passed since the last measurement. */
  auto: boolean;
}

export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
  // Small by default: automatic measurements share the CPU with training. The panel says what
  // was used; k = 5,000 on more images gives the careful figure.
  k: 10,
  images: 100,
  samples: 1000,
  auto: true,
};

/** Seconds between automatic measurements while training. */
export const AUTO_INTERVAL_S = 20;

export const K_CHOICES = [1, 10, 50, 100, 500, 1000, 5000] as const;

const emptyRun = (): RunQuality => ({ points: [], latest: null, modelId: null, weightsStep: null });

export interface ComparisonState {
  active: boolean;
  status: RunStatus | 'off';
  message: string;
  step: number;
  stepsPerSec: number;
  backend: BackendInfo | null;
  samples: ImageGrid | null;
  samplesStep: number | null;
}

export interface QualityState {
  status: 'off' | 'starting' | 'ready' | 'error';
  error: string;
  /** Why the running model cannot be measured (e.g. it learns the user's own images), or ''. */
  unavailable: string;
  /** A measurement is running. */
  busy: RunKey | null;
  settings: QualitySettings;
  runs: Record<RunKey, RunQuality>;
  comparison: ComparisonState;
  /** The samples of the class clicked in a coverage histogram, or null. */
  classView: ClassSamples | null;
  /** The memorisation check: running, its last result, or why it failed. */
  memorisation: { busy: boolean; result: MemorisationResult | null; error: string };
}

export const OFF_COMPARISON: ComparisonState = {
  active: false,
  status: 'off',
  message: '',
  step: 0,
  stepsPerSec: 0,
  backend: null,
  samples: null,
  samplesStep: null,
};

export const useQualityStore = create<QualityState>()(() => ({
  status: 'off',
  error: '',
  unavailable: '',
  busy: null,
  settings: DEFAULT_QUALITY_SETTINGS,
  runs: { main: emptyRun(), comparison: emptyRun() },
  comparison: OFF_COMPARISON,
  classView: null,
  memorisation: { busy: false, result: null, error: '' },
}));

/** Replaces one run's quality record. */
export function setRun(run: RunKey, patch: Partial<RunQuality>) {
  useQualityStore.setState((s) => ({ runs: { ...s.runs, [run]: { ...s.runs[run], ...patch } } }));
}

/** Forgets a run's measurements, and what was shown from them (a new model, a stopped run). */
export function clearRun(run: RunKey) {
  setRun(run, emptyRun());
  useQualityStore.setState((s) => ({
    classView: s.classView?.run === run ? null : s.classView,
    ...(run === 'main' ? { memorisation: { ...s.memorisation, result: null, error: '' } } : {}),
  }));
}

/** Adds a measurement, keeping the points in step order (one per step). */
export function addPoint(points: QualityPoint[], point: QualityPoint): QualityPoint[] {
  const out = points.filter((p) => p.step !== point.step);
  out.push(point);
  out.sort((a, b) => a.step - b.step);
  return out;
}
