/**
 * The backend the trainer runs on, and recovery when its device goes away: the GPU (WebGL
 * context lost, WebGPU device lost) takes the model's tensors with it, so the model is rebuilt
 * on the next backend that works, from the last good copy read back into worker memory, and
 * training goes on if it was running. Without such a copy yet, a fresh model from the same seed
 * is built. A backend that lost its device is not tried again in this worker.
 */
import type { Architecture } from '../../../shared/config';
import { type BackendTuning, measureGemmPeak, selectBackend } from '../../../runtime/backend';
import { indexedDbRaceCache, measureTrainingSpeed } from '../../../runtime/backend-race';
import { type DeviceWatch, watchDevice } from '../../../runtime/device-loss';
import { TrainerInputError } from '../../../shared/errors';
import type { BackendInfo, BackendName, BackendRequest, TrainerEvent } from '../shared/protocol';
import type { HostCopy } from './good-copies';

/** What the backend is chosen by (the trainer's InitRequest has these fields). */
export interface BackendChoice {
  backend: BackendRequest;
  /** The architecture the first model will have: the automatic choice depends on it. */
  architecture?: Architecture;
  /** Benchmark knobs (backend.ts); absent in normal use. */
  tuning?: BackendTuning;
  /**
   * The page's drag state in shared memory (src/app/interaction.ts): while non-zero, the matrix
   * product leaves its helper threads out so the page has a core.
   */
  interaction?: Int32Array;
}

/** What recovery does to the training session (the trainer hands these over). */
export interface RecoverySession {
  /**
   * Gives up the model on the dead device, saying why (status 'loading'): stops every loop and
   * render on it and frees what can still be freed. Returns what rebuilding starts from.
   */
  abandon(message: string): { step: number; copy: HostCopy | undefined };
  /** Builds the model again on the running backend: from the copy's bytes, or fresh. */
  rebuild(copy: HostCopy | undefined): Promise<void>;
  /** The architecture of the run, which the next backend must be able to train. */
  readonly architecture: Architecture;
  emit(event: TrainerEvent): void;
  fail(message: string): void;
  start(): void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Device {
  private requested: BackendRequest = 'auto';
  private tuning: BackendTuning = {};
  private interaction: Int32Array | undefined;
  private running: BackendInfo | undefined;
  private deviceWatch: DeviceWatch | undefined;
  /** Backends whose device was lost in this worker: not tried again. */
  private lostBackends: BackendName[] = [];
  private recovering: Promise<void> | undefined;
  /** Bumped whenever another backend starts: a peak measured on the previous one is dropped. */
  private generation = 0;

  /** The backend that runs, once one was started. */
  get backend(): BackendInfo | undefined {
    return this.running;
  }

  /** The watch on the running backend's device (readbacks race against its loss). */
  get watch(): DeviceWatch | undefined {
    return this.deviceWatch;
  }

  /** True once the running backend's device is gone. */
  get isLost(): boolean {
    return this.deviceWatch?.isLost() ?? false;
  }

  /** True while a recovery is under way. */
  get isRecovering(): boolean {
    return this.recovering !== undefined;
  }

  /** Starts the requested backend ('auto': a short training race may decide, backend-race.ts). */
  async start(choice: BackendChoice): Promise<BackendInfo> {
    this.requested = choice.backend;
    // The matrix product on every core (up to 4) unless a benchmark says otherwise.
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    this.tuning = { wasmGemmThreads: Math.max(1, Math.min(4, cores)), ...choice.tuning };
    this.interaction = choice.interaction;
    this.generation += 1;
    this.running = await selectBackend(choice.backend, {
      tuning: this.tuning,
      interaction: this.interaction,
      race: { measure: () => measureTrainingSpeed(), cache: indexedDbRaceCache() },
      architecture: choice.architecture ?? 'mlp',
    });
    this.deviceWatch?.dispose();
    this.deviceWatch = watchDevice(this.running.name);
    return this.running;
  }

  /**
   * Measures the running backend's gemmPeak (backend.ts) and keeps the best so far in the
   * backend's info; returns it when it is new or higher, else undefined. The trainer asks for it
   * once the backend has started and again when a model is ready and the page has settled: a
   * measurement while the page itself is busy reads low, and the peak is what the cores can do.
   * `allowed` is asked once the helper threads are up, right before the measurement blocks this
   * thread for a tenth of a second (not while training).
   */
  async measurePeak(allowed: () => boolean = () => true): Promise<BackendInfo['gemmPeak']> {
    const generation = this.generation;
    if (!this.running) return undefined;
    const gemmPeak = await measureGemmPeak(
      () => allowed() && generation === this.generation && !this.isRecovering,
    ).catch(() => undefined);
    const running = this.running;
    if (!gemmPeak || !running || generation !== this.generation) return undefined;
    const known = running.gemmPeak;
    if (known && known.threads >= gemmPeak.threads && known.gflops >= gemmPeak.gflops) {
      return undefined;
    }
    this.running = { ...running, gemmPeak };
    return gemmPeak;
  }

  /** Test hook: loses the WebGL context or destroys the WebGPU device; returns the backend. */
  lose(): BackendName {
    const watch = this.deviceWatch;
    if (!watch) throw new TrainerInputError('not-ready', 'No backend is running yet.');
    try {
      watch.lose();
    } catch (error) {
      throw new TrainerInputError('unsupported', errorText(error));
    }
    return watch.backend;
  }

  /**
   * Rebuilds the session's model on another backend (once at a time: a second call while one
   * runs gets the same promise), and resumes training when `resume` says it was running.
   */
  recover(session: RecoverySession, resume = false): Promise<void> {
    this.recovering ??= this.rebuildElsewhere(session, resume).finally(
      () => (this.recovering = undefined),
    );
    return this.recovering;
  }

  private async rebuildElsewhere(session: RecoverySession, resume: boolean) {
    const watch = this.deviceWatch!;
    const lost = watch.backend;
    const reason = watch.reason() || `the ${lost} device stopped working`;
    const { step: lostAt, copy } = session.abandon(
      `${reason}: rebuilding the model on another backend`,
    );
    watch.dispose();
    this.deviceWatch = undefined;
    this.lostBackends.push(lost);
    try {
      this.generation += 1;
      this.running = await selectBackend(this.requested, {
        tuning: this.tuning,
        interaction: this.interaction,
        exclude: this.lostBackends,
        excludedReason: 'its device was lost earlier in this session',
        architecture: session.architecture,
      });
      this.deviceWatch = watchDevice(this.running.name);
      session.emit({ type: 'backend', backend: this.running });
      await session.rebuild(copy);
      const from = copy
        ? `the last good weights, of step ${copy.step}`
        : 'fresh weights of the same seed (no copy had been read back yet)';
      session.emit({
        type: 'notice',
        level: 'warning',
        message: `Step ${lostAt}: ${reason}. Rebuilt the model on ${this.running.name} from ${from}.${resume ? ' Training continues.' : ''}`,
      });
      if (resume) session.start();
    } catch (error) {
      session.fail(`Training stopped: ${reason}, and rebuilding failed: ${errorText(error)}`);
    }
  }

  /** Stops watching the device. */
  dispose() {
    this.deviceWatch?.dispose();
  }
}
