/**
 * One zustand store made of typed slices:
 * - settings: what the user asked for (form values, slider positions);
 * - run: what the worker says is running (status, backend, step, values in force);
 * - metrics: curves and pictures, delivered to charts and canvases by subscription.
 */
import { create, type StateCreator } from 'zustand';
import {
  BACKEND_SETTING,
  DEFAULT_BUDGET,
  DEFAULT_HYPERPARAMS,
  DEFAULT_RUN_SETTINGS,
  type Hyperparams,
  type TrainingBudget,
} from '../shared/settings';
import type { BudgetState } from '../features/training/shared/budget';
import type {
  BackendInfo,
  BackendRequest,
  ImagesUpdate,
  ProgressPhase,
  RunSettings,
  RunStatus,
  TrainerEvent,
} from '../features/training/shared/protocol';
import { MetricsSeries } from '../features/training/client/metrics-series';
import type { TermId } from '../features/objective/client/objective';

export { DEFAULT_RUN_SETTINGS };

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** What the page knows about a training worker that died or went silent. */
export interface WorkerCrash {
  reason: string;
  /** The last step the page heard of. */
  step: number;
  /** Silent but perhaps only busy: still running, and the offer goes away if it answers. */
  unresponsive?: boolean;
}

export interface SettingsSlice {
  /** Run settings in the form; they take effect with "Apply settings". */
  requested: RunSettings;
  backendRequest: BackendRequest;
  /** Slider positions; sent to the worker as they move. */
  hyperparams: Hyperparams;
  /** The training budget in the form; sent to the worker as it changes, and echoed back. */
  budget: TrainingBudget;
  setRequested: (patch: Partial<RunSettings>) => void;
  setBackendRequest: (backend: BackendRequest) => void;
  setHyperparams: (patch: Partial<Hyperparams>) => void;
  setBudget: (patch: Partial<TrainingBudget>) => void;
}

export interface RunSlice {
  status: RunStatus;
  statusMessage: string;
  backend: BackendInfo | null;
  progress: { phase: ProgressPhase; fraction: number; label: string } | null;
  step: number;
  stepsPerSec: number;
  imagesPerSec: number;
  /** The training's matrix products per second (GFLOP/s), while it trains an MLP. */
  gflops: number | null;
  /** Settings of the model that runs (may differ from `requested` until applied). */
  running: RunSettings | null;
  /** Hyperparameters the worker confirmed, and the first step that uses them. */
  inForce: { hyperparams: Hyperparams; fromStep: number } | null;
  /** The budget in force in the worker, auto-stop's state and why training stopped by itself. */
  budgetState: BudgetState | null;
  notices: Notice[];
  /** Set when the training worker died or stopped answering; the crash panel offers a restart. */
  crash: WorkerCrash | null;
  setCrash: (crash: WorkerCrash | null) => void;
  addNotice: (level: Notice['level'], message: string) => void;
  dismissNotice: (id: number) => void;
}

export interface MetricsSlice {
  /** Mutable history; `metricsVersion` changes whenever it does. */
  series: MetricsSeries;
  metricsVersion: number;
  images: ImagesUpdate | null;
}

export interface UiSlice {
  /** The loss term pointed at (formula, curve legend or the slider that scales it). */
  highlightedTerm: TermId | null;
  /** Highlights a term; with `forMs`, only for that long (e.g. after a slider move). */
  highlightTerm: (term: TermId | null, forMs?: number) => void;
}

export type AppState = SettingsSlice &
  RunSlice &
  MetricsSlice &
  UiSlice & {
    /** Applies one worker event to the store. */
    receive: (event: TrainerEvent) => void;
  };

const settingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  requested: DEFAULT_RUN_SETTINGS,
  backendRequest: BACKEND_SETTING.default,
  hyperparams: DEFAULT_HYPERPARAMS,
  budget: DEFAULT_BUDGET,
  setRequested: (patch) => set((s) => ({ requested: { ...s.requested, ...patch } })),
  setBackendRequest: (backendRequest) => set({ backendRequest }),
  setHyperparams: (patch) => set((s) => ({ hyperparams: { ...s.hyperparams, ...patch } })),
  setBudget: (patch) => set((s) => ({ budget: { ...s.budget, ...patch } })),
});

let noticeId = 0;

const runSlice: StateCreator<AppState, [], [], RunSlice> = (set) => ({
  status: 'idle',
  statusMessage: '',
  backend: null,
  progress: null,
  step: 0,
  stepsPerSec: 0,
  imagesPerSec: 0,
  gflops: null,
  running: null,
  inForce: null,
  budgetState: null,
  notices: [],
  crash: null,
  setCrash: (crash) => set({ crash }),
  addNotice: (level, message) =>
    set((s) => ({
      // The same message twice in a row is shown once.
      notices: s.notices.some((n) => n.message === message)
        ? s.notices
        : [...s.notices.slice(-4), { id: ++noticeId, level, message }],
    })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
});

const metricsSlice: StateCreator<AppState, [], [], MetricsSlice> = () => ({
  series: new MetricsSeries(),
  metricsVersion: 0,
  images: null,
});

let highlightTimer: ReturnType<typeof setTimeout> | undefined;

const uiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  highlightedTerm: null,
  highlightTerm: (term, forMs) => {
    clearTimeout(highlightTimer);
    set({ highlightedTerm: term });
    if (forMs !== undefined)
      highlightTimer = setTimeout(() => set({ highlightedTerm: null }), forMs);
  },
});

export const useAppStore = create<AppState>()((...a) => {
  const [set, get] = a;
  return {
    ...settingsSlice(...a),
    ...runSlice(...a),
    ...metricsSlice(...a),
    ...uiSlice(...a),
    receive: (event) => {
      switch (event.type) {
        case 'status': {
          const { series } = get();
          // Step 0 after a reset or new settings: the old curves belong to another model.
          if (event.step === 0 && series.length > 0 && event.status !== 'training') {
            series.clear();
            set((s) => ({ metricsVersion: s.metricsVersion + 1 }));
          }
          set({
            status: event.status,
            statusMessage: event.message ?? '',
            step: event.step,
            ...(event.status !== 'training'
              ? { stepsPerSec: 0, imagesPerSec: 0, gflops: null }
              : {}),
            ...(event.status === 'ready' || event.status === 'training' ? { progress: null } : {}),
          });
          if (event.status === 'error' && event.message) get().addNotice('error', event.message);
          break;
        }
        case 'progress':
          set({ progress: { phase: event.phase, fraction: event.fraction, label: event.label } });
          break;
        case 'gemm-peak':
          set((s) => (s.backend ? { backend: { ...s.backend, gemmPeak: event.gemmPeak } } : {}));
          break;
        case 'backend': {
          set({ backend: event.backend });
          const { requested, skipped } = event.backend;
          if (requested !== 'auto' && requested !== event.backend.name) {
            const why = skipped.find((s) => s.name === requested)?.reason ?? 'unavailable';
            get().addNotice(
              'warning',
              `The ${requested} backend cannot run here (${why}); running ${event.backend.name} instead.`,
            );
          }
          break;
        }
        case 'settings':
          set({ running: event.settings });
          break;
        case 'metrics': {
          const { series } = get();
          series.push(event.point);
          set((s) => ({
            metricsVersion: s.metricsVersion + 1,
            step: event.point.step,
            stepsPerSec: event.point.stepsPerSec,
            imagesPerSec: event.point.imagesPerSec,
            gflops: event.gflops ?? null,
          }));
          break;
        }
        case 'images':
          set({ images: event.images });
          break;
        case 'hyperparams':
          set({ inForce: { hyperparams: event.hyperparams, fromStep: event.fromStep } });
          // The divergence guard halved a learning rate: the sliders show what now runs.
          if (event.byGuard) set({ hyperparams: { ...event.hyperparams } });
          break;
        case 'notice':
          get().addNotice(event.level, event.message);
          break;
        case 'budget': {
          // The worker's budget is the one in force (an imported run brings its own).
          const same = JSON.stringify(get().budget) === JSON.stringify(event.state.budget);
          set({ budgetState: event.state, ...(same ? {} : { budget: { ...event.state.budget } }) });
          break;
        }
        case 'history': {
          // An imported run brings its own curves: they replace the old model's.
          const { series } = get();
          series.clear();
          for (const point of event.points) series.push(point);
          set((s) => ({ metricsVersion: s.metricsVersion + 1 }));
          break;
        }
      }
    },
  };
});
