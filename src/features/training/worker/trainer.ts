/**
 * The training session inside the worker: its lifecycle (init, configure, start, pause,
 * stepOnce, reset, dispose, status) and the loop, which decide when things happen. What
 * happens is done by the parts beside it:
 *
 *   run.ts              the run: the one path a model arrives by, a step, a report, the views
 *   batch-sampler.ts    the batch order          pictures.ts        the three pictures
 *   reporting.ts        readback, means, speed   guard.ts           divergence checks
 *   good-copies.ts      the guard's copies       device-recovery.ts backend and device loss
 *   run-transfer.ts     export and import        training-data.ts   the data sets
 *   validate.ts         settings checks          budget-keeper.ts   budget and auto-stop
 *
 * No DOM and no comlink here, so the same class runs under Node for the tests. Some 600 lines:
 * the worker's whole API is here in one place (the budget's stops included, since they decide
 * when the loop runs), each method short; the work is in the parts.
 */
import * as tf from '../../../model/tf';
import { type Hyperparams, sanitizeHyperparams } from '../../../shared/config';
import type { BuiltinDatasetId, Dataset, FetchBytes } from '../../../shared/dataset';
import type { TrainingBudget } from '../../../shared/settings';
import { TrainerInputError } from '../../../shared/errors';
import { NO_USER_DATASET } from '../../image-import/shared/user-dataset';
import type { RunManifest } from '../../run-archive/shared/format';
import type {
  BackendInfo,
  RunSettings,
  RunStatus,
  TrainerEvent,
  TrainerListener,
} from '../shared/protocol';
import { type BackendChoice, Device, type RecoverySession } from './device-recovery';
import { poisonWeight } from './guard';
import { type ReportOutcome, TrainingRun } from './run';
import { readRunZip, torchFileOf } from './run-transfer';
import { TrainingData } from './training-data';
import { settingsProblemsOn } from './validate';
import type { BudgetState, BudgetStop, ElboMeasurement } from '../shared/budget';
import type { SaveBest } from './budget-keeper';
import type { WeightsSnapshot } from '../shared/protocol';

/** At most this often a curve point goes to the page (4 messages/s). */
const REPORT_MS = 250;
/** At most this often the pictures are redrawn while training. */
const IMAGES_MS = 1000;
/** At most this often the latent explorer gets a copy of the encoder and decoder while training. */
const WEIGHTS_MS = 2000;
/** How long after a model is ready the GEMM peak is measured again (device-recovery.ts). */
const PEAK_SETTLE_MS = 2500;
/** At most this often the norms chart gets a point (its gradients are measured in a step). */
const NORMS_MS = 500;
/** Steps between two last-good copies of the model kept by the divergence guard. */
const SNAPSHOT_EVERY = 50;

export interface TrainerDeps {
  fetchBytes: FetchBytes;
  /** Lets queued messages (pause, slider moves) in between two steps. */
  yieldToEvents?: () => Promise<void>;
  now?: () => number;
  /** Steps between the divergence guard's last-good copies (SNAPSHOT_EVERY). */
  snapshotEvery?: number;
  /** Where auto-stop keeps its best copy: the worker's IndexedDB store by default. */
  saveBest?: SaveBest;
}

/** init's request: the backend choice (device-recovery.ts) and where the data sets are. */
export interface InitRequest extends BackendChoice {
  /** Absolute URL of the folder holding manifest.json, e.g. "http://127.0.0.1:4173/datasets/". */
  datasetsBaseUrl: string;
  /**
   * Weights events also carry copies for the page's pad decoder and the quality worker, made in
   * this worker (trainer-api.ts). The page's main run asks for them; the comparison run does not.
   */
  weightCopies?: boolean;
  /**
   * The built-in data set the first model will train on: its download starts at once, beside
   * the backend's start, instead of after it (Train is usable sooner).
   */
  prefetch?: BuiltinDatasetId;
}

/** Zero-delay yield: a MessageChannel round trip in a worker, setImmediate under Node. */
function defaultYield(): () => Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return () => new Promise((resolve) => setImmediate(resolve));
  }
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Trainer {
  private status: RunStatus = 'idle';
  private listener: TrainerListener = () => {};
  private readonly deps: Required<Omit<TrainerDeps, 'saveBest'>>;
  private readonly device = new Device();
  private readonly data: TrainingData;
  private readonly run: TrainingRun;
  private loop: Promise<void> | undefined;
  private resumedAt = 0;
  private lastReport = 0;
  private lastImages = 0;
  private lastWeights = 0;
  /** How long the last step of the loop took: a step that ends past REPORT_MS measures norms. */
  private lastStepMs = 0;
  /** When a step last measured the norms chart's gradients. */
  private lastNorms = 0;
  /** The pending re-measurement of the GEMM peak (schedulePeak). */
  private peakTimer: ReturnType<typeof setTimeout> | undefined;
  /** An import is being checked or applied: a second one waits its turn. */
  private importing = false;

  constructor(deps: TrainerDeps) {
    this.deps = {
      fetchBytes: deps.fetchBytes,
      yieldToEvents: deps.yieldToEvents ?? defaultYield(),
      now: deps.now ?? (() => performance.now()),
      snapshotEvery: deps.snapshotEvery ?? SNAPSHOT_EVERY,
    };
    const emit = (event: TrainerEvent) => this.emit(event);
    this.data = new TrainingData(this.deps.fetchBytes, (fraction, label) =>
      emit({ type: 'progress', phase: 'dataset', fraction, label }),
    );
    this.run = new TrainingRun({
      now: this.deps.now,
      snapshotEvery: this.deps.snapshotEvery,
      emit,
      device: this.device,
      training: () => this.status === 'training',
      resumedAt: () => this.resumedAt,
      ...(deps.saveBest ? { saveBest: deps.saveBest } : {}),
    });
  }

  private emit(event: TrainerEvent) {
    try {
      this.listener(event);
    } catch {
      // A page that went away must not stop training.
    }
  }

  private setStatus(status: RunStatus, message?: string) {
    this.status = status;
    this.emit({ type: 'status', status, step: this.run.step, ...(message ? { message } : {}) });
  }

  /** Starts a backend and reads the data set manifest. */
  async init(request: InitRequest, listener: TrainerListener): Promise<BackendInfo> {
    this.listener = listener;
    this.data.baseUrl = request.datasetsBaseUrl;
    if (request.prefetch) this.data.prefetch(request.prefetch);
    this.setStatus('loading', 'Starting the backend');
    this.emit({ type: 'progress', phase: 'backend', fraction: 0, label: 'Starting the backend' });
    try {
      const backend = await this.device.start(request);
      this.emit({ type: 'backend', backend });
      this.measurePeak();
      this.emit({
        type: 'progress',
        phase: 'backend',
        fraction: 1,
        label: `Backend ${backend.name}`,
      });
      await this.data.readManifest();
      return backend;
    } catch (error) {
      this.setStatus('error', errorText(error));
      throw error;
    }
  }

  /**
   * Measures the GEMM peak (device-recovery.ts), unless training by then, and reports it when it
   * rose.
   */
  private measurePeak() {
    void this.device
      .measurePeak(() => this.status !== 'training')
      .then((gemmPeak) => gemmPeak && this.emit({ type: 'gemm-peak', gemmPeak }));
  }

  /**
   * Measures the peak again PEAK_SETTLE_MS from now, when the page has settled (it builds its
   * charts in the first second or so), if nothing trains then; a newer call replaces it.
   */
  private schedulePeak() {
    if (this.peakTimer !== undefined) clearTimeout(this.peakTimer);
    this.peakTimer = setTimeout(() => {
      this.peakTimer = undefined;
      if (this.status === 'ready' || this.status === 'paused') this.measurePeak();
    }, PEAK_SETTLE_MS);
  }

  /** Loads the data set if it changed and builds a fresh model; training stops. */
  async configure(settings: RunSettings): Promise<RunSettings> {
    const problems = settingsProblemsOn(settings, this.device.backend);
    if (problems.length > 0) {
      const message = `Invalid run settings: ${problems.join('; ')}`;
      this.emit({ type: 'notice', level: 'error', message });
      throw new TrainerInputError('invalid-settings', message);
    }
    if (settings.dataset === 'user' && !this.data.user) {
      this.emit({ type: 'notice', level: 'error', message: NO_USER_DATASET });
      throw new Error(NO_USER_DATASET);
    }
    await this.halt();
    this.setStatus('loading', 'Loading the data set');
    const run = this.run;
    try {
      await run.useDataset(settings.dataset, this.data);
      this.emit({ type: 'progress', phase: 'model', fraction: 0, label: 'Building the model' });
      run.adopt(run.fresh({ ...settings }, run.dataset!));
      this.emit({ type: 'settings', settings: run.settings! });
      this.emitBudget();
      await run.renderImages();
      await run.sendWeights();
      await run.refreshHostCopy();
      this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
      this.setStatus('ready');
      this.schedulePeak();
      return run.settings!;
    } catch (error) {
      this.setStatus('error', errorText(error));
      throw error;
    }
  }

  /**
   * Begins or resumes training. A spent budget refuses, saying so; after auto-stop, training
   * goes on and auto-stop counts its patience afresh from the best so far.
   */
  start(): RunStatus {
    if (!this.run.model || (this.status !== 'ready' && this.status !== 'paused')) {
      return this.status;
    }
    const refusal = this.run.budget.beforeStart(this.run.counters());
    if (refusal) {
      this.emit({ type: 'notice', level: 'warning', message: refusal });
      return this.status;
    }
    this.emitBudget();
    this.setStatus('training');
    this.resumedAt = this.deps.now();
    this.lastReport = this.resumedAt;
    this.lastImages = this.resumedAt;
    this.lastWeights = this.resumedAt;
    this.run.resumeSpeed(this.resumedAt);
    this.loop = this.runLoop(this.run.generation);
    return this.status;
  }

  /** Stops after the step in progress; resolves once no more steps will run. */
  async pause(): Promise<number> {
    if (this.status !== 'training') return this.run.step;
    this.status = 'paused';
    await this.loop;
    return this.afterLoop();
  }

  /** What a pause does once the loop has stopped: the time, a last report, the pictures. */
  private async afterLoop(stop?: BudgetStop): Promise<number> {
    this.run.trainingMs += this.deps.now() - this.resumedAt;
    if ((await this.report()) === 'lost') {
      await this.recoverFromDeviceLoss();
      return this.run.step;
    }
    await this.refreshViews();
    if (stop) {
      this.run.budget.stopped = { ...stop, step: this.run.step };
      this.emitBudget();
      this.emit({ type: 'notice', level: 'info', message: stop.message });
    }
    this.setStatus('paused', stop?.message);
    return this.run.step;
  }

  /** The budget's state for the page. */
  private emitBudget() {
    this.emit({ type: 'budget', state: this.budgetState() });
  }

  budgetState(): BudgetState {
    return this.run.budget.state(this.run.stepsPerEpoch);
  }

  /** A new budget, in force at once (a spent one stops training after the step in progress). */
  setBudget(next: Partial<TrainingBudget>): BudgetState {
    this.run.budget.set(next);
    this.emitBudget();
    return this.budgetState();
  }

  /**
   * Copies the networks for a measurement and pins that copy of the run (weights and Adam
   * state) until the figure comes back (measured()).
   */
  measurementCopy(): Promise<WeightsSnapshot> {
    return this.run.pinForMeasurement();
  }

  /**
   * A test-ELBO measurement of the copy made at `m.step` for model `modelId`. Auto-stop counts
   * it (ignored when the model was replaced since, or when that step was counted already); a new
   * best is stored as the best checkpoint of the tab's run `runId` from the pinned copy; when `patience` measurements in
   * a row have not beaten the best, training stops.
   */
  async measured(modelId: number, m: ElboMeasurement, runId: string): Promise<BudgetState> {
    const run = this.run;
    const settings = run.settings!;
    const outcome = await run.budget.measured(modelId, run.generation, m, () => ({
      runId,
      savedAt: Date.now(),
      settings: { ...settings },
      thumbnail: '',
    }));
    if (outcome.problem) this.emit({ type: 'notice', level: 'warning', message: outcome.problem });
    if (outcome.stop && this.status === 'training') {
      this.status = 'paused';
      await this.loop;
      await this.afterLoop({ ...outcome.stop, step: run.step });
    } else {
      this.emitBudget();
    }
    return this.budgetState();
  }

  /** Stops the loop without reporting, e.g. before the model is replaced. */
  private async halt() {
    if (this.status === 'training') {
      this.status = 'paused';
      await this.loop;
    }
  }

  /** One step while paused (or before the first Train), then the curves and pictures. */
  async stepOnce(): Promise<number> {
    const run = this.run;
    if (!run.model || (this.status !== 'ready' && this.status !== 'paused')) return run.step;
    const t0 = this.deps.now();
    try {
      await run.trainOne(true);
    } catch (error) {
      if (this.device.isLost) await this.recoverFromDeviceLoss();
      else this.fail(error);
      return run.step;
    } finally {
      // Paused again: the batch drawn for the next step waits as its images' indices only.
      run.releaseEarlyBatch();
    }
    if ((await this.report(true)) === 'lost') {
      await this.recoverFromDeviceLoss();
      return run.step;
    }
    run.trainingMs += this.deps.now() - t0;
    await this.refreshViews();
    this.setStatus('paused');
    return run.step;
  }

  /** New weights from the same seed and settings; step 0, curves cleared by the page. */
  async reset(): Promise<RunStatus> {
    const run = this.run;
    if (!run.settings || !run.dataset) return this.status;
    await this.halt();
    run.adopt(run.fresh(run.settings, run.dataset));
    this.emitBudget();
    await this.refreshViews();
    await run.refreshHostCopy();
    this.setStatus('ready');
    return this.status;
  }

  /** Accepts new weights and learning rates; they act on the next step. */
  setHyperparams(next: Partial<Hyperparams>): Hyperparams {
    const run = this.run;
    run.hp = sanitizeHyperparams({ ...run.hp, ...next }, run.hp);
    this.emit({ type: 'hyperparams', hyperparams: { ...run.hp }, fromStep: run.step + 1 });
    return { ...run.hp };
  }

  private async runLoop(generation: number) {
    const { now, yieldToEvents } = this.deps;
    const run = this.run;
    let stop: BudgetStop | undefined;
    while (this.status === 'training' && generation === run.generation) {
      try {
        // The norms chart's gradients are measured on a step a report will follow, at most
        // every NORMS_MS: no other step computes them.
        const t0 = now();
        const measure =
          t0 + this.lastStepMs - this.lastReport >= REPORT_MS && t0 - this.lastNorms >= NORMS_MS;
        if (measure) this.lastNorms = t0;
        await run.trainOne(measure);
        stop = run.budget.stopAfterStep(run.counters());
        if (stop) {
          this.status = 'paused';
          break;
        }
        const t = now();
        this.lastStepMs = t - t0;
        if (t - this.lastReport >= REPORT_MS && (await this.report()) === 'lost') break;
        if (t - this.lastImages >= IMAGES_MS && this.status === 'training') {
          await run.renderImages();
          this.lastImages = now();
        }
        if (now() - this.lastWeights >= WEIGHTS_MS && this.status === 'training') {
          await run.sendWeights();
          this.lastWeights = now();
        }
      } catch (error) {
        if (!this.device.isLost) {
          this.fail(error);
          return;
        }
        break;
      }
      await yieldToEvents();
    }
    // Training stops: the batch drawn for the next step waits as its images' indices only.
    run.releaseEarlyBatch();
    // Not awaited here: recovery halts the loop first, and this is the loop.
    if (this.device.isLost && generation === run.generation && !this.device.isRecovering) {
      this.status = 'loading';
      void this.recoverFromDeviceLoss(true);
      return;
    }
    if (stop) await this.afterLoop(stop);
  }

  /**
   * A report of the steps since the last one (run.ts); when the divergence guard restored its
   * good copy, the user is told, and training goes on or pauses.
   */
  private async report(force = false): Promise<ReportOutcome['kind']> {
    const outcome = await this.run.report(force);
    if (outcome.kind === 'ok' && outcome.at !== undefined) this.lastReport = outcome.at;
    if (outcome.kind === 'restored') {
      this.emit({ type: 'notice', level: 'warning', message: outcome.message });
      this.setStatus(this.status);
    } else if (outcome.kind === 'paused') {
      this.status = 'paused';
      this.emit({ type: 'notice', level: 'error', message: outcome.message });
      this.setStatus('paused');
    }
    return outcome.kind;
  }

  /** Pictures and the explorer's weights; a device lost meanwhile is recovered from. */
  private async refreshViews() {
    try {
      await this.run.renderImages();
      await this.run.sendWeights();
    } catch (error) {
      if (!this.device.isLost) throw error;
      await this.recoverFromDeviceLoss();
    }
  }

  /**
   * The GPU went away: the model is rebuilt on the next backend that works, from the last good
   * copy read back into memory, or fresh from the same seed (device-recovery.ts).
   */
  private async recoverFromDeviceLoss(resume = false): Promise<void> {
    await this.device.recover(this.recoverySession(), resume);
    // The peak of the backend recovery moved to (it measures none itself), once settled.
    this.schedulePeak();
  }

  private recoverySession(): RecoverySession {
    const run = this.run;
    const hp = { ...run.hp };
    return {
      get architecture() {
        return run.settings?.architecture ?? 'mlp';
      },
      abandon: (message) => {
        this.status = 'loading';
        this.setStatus('loading', message);
        return run.abandon();
      },
      rebuild: async (copy) => {
        if (copy) {
          await this.replaceWithRun(copy.bytes);
        } else {
          run.adopt(run.fresh(run.settings!, run.dataset!));
          await run.renderImages();
          await run.sendWeights();
          this.setStatus('ready');
        }
        run.hp = hp;
        this.emit({ type: 'hyperparams', hyperparams: { ...hp }, fromStep: run.step + 1 });
        await run.refreshHostCopy();
      },
      emit: (event) => this.emit(event),
      fail: (message) => this.setStatus('error', message),
      start: () => this.start(),
    };
  }

  /**
   * The whole run as a zip (networks in Layers format, optimiser state, curves, manifest).
   * The state is copied in one synchronous pass, so training may go on meanwhile.
   */
  async exportRun(): Promise<{ bytes: Uint8Array; manifest: RunManifest; serializeMs: number }> {
    const { now } = this.deps;
    const t0 = now();
    const running = this.status === 'training' ? now() - this.resumedAt : 0;
    const { bytes, manifest } = await this.run.exportZip(running);
    return { bytes, manifest, serializeMs: now() - t0 };
  }

  /**
   * The whole run as one `.safetensors` file in PyTorch's names and layouts, for
   * python/vaegan.py: every network, Adam's moments, the curves, the settings and the fixed
   * noise of the sample grid (run-archive/shared/torch-run.ts).
   */
  async exportTorch(): Promise<{ bytes: Uint8Array; manifest: RunManifest; serializeMs: number }> {
    const t0 = this.deps.now();
    const zip = await this.exportRun();
    const bytes = torchFileOf(zip.bytes, await this.run.sampleNoise());
    return { bytes, manifest: zip.manifest, serializeMs: this.deps.now() - t0 };
  }

  /**
   * Replaces the model by the run in a zip made by exportRun (or a `.safetensors` run from
   * exportTorch or python/vaegan.py), to continue training it.
   * Everything is checked, and the data set loaded, before the running model is touched: a
   * bad file throws with a message for people and training goes on as before.
   */
  async importRun(bytes: Uint8Array): Promise<{
    settings: RunSettings;
    hyperparams: Hyperparams;
    step: number;
    budget: TrainingBudget;
    manifest: RunManifest;
  }> {
    if (!this.data.opened || this.status === 'loading' || this.importing) {
      throw new Error('The trainer is busy starting or loading; try again when it is ready.');
    }
    this.importing = true;
    try {
      return await this.replaceWithRun(bytes);
    } finally {
      this.importing = false;
    }
  }

  private async replaceWithRun(bytes: Uint8Array) {
    const run = this.run;
    const { arrival, manifest } = await readRunZip(bytes, {
      current: run.dataset,
      user: this.data.user,
      load: (id) => this.data.load(id, `Loading ${id}`),
    });
    await this.halt();
    run.adopt(arrival);
    const settings = run.settings!;
    this.emit({ type: 'settings', settings: { ...settings } });
    this.emit({ type: 'hyperparams', hyperparams: { ...run.hp }, fromStep: run.step + 1 });
    this.emit({ type: 'history', points: run.history.slice() });
    this.emitBudget();
    await run.renderImages();
    await run.sendWeights();
    await run.refreshHostCopy();
    this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
    this.setStatus(run.step > 0 ? 'paused' : 'ready');
    return {
      settings: { ...settings },
      hyperparams: { ...run.hp },
      step: run.step,
      budget: { ...run.budget.budget },
      manifest,
    };
  }

  /**
   * Takes the user's own images (decoded by the page's import worker) as the "user" data set.
   * The running model keeps its data until the next configure with dataset "user".
   */
  setUserDataset(dataset: Dataset): { name: string; fingerprint: string } {
    return this.data.setUser(dataset);
  }

  /**
   * Of this worker's tensors, the ones that only live between two reports: the metrics of the
   * steps since the last report (one small tensor a step) and the readbacks awaiting their data.
   */
  get transientTensors(): number {
    return this.run.transientTensors;
  }

  /** tfjs memory in this worker (tensor count and bytes), for the soak benchmark. */
  getMemory() {
    const m = tf.memory();
    return {
      numTensors: m.numTensors,
      transientTensors: this.transientTensors,
      numBytes: m.numBytes,
      numDataBuffers: m.numDataBuffers,
      backend: this.device.backend?.name ?? null,
      step: this.run.step,
      historyPoints: this.run.history.length,
      goodCopyStep: this.run.goodCopyStep,
    };
  }

  getStatus() {
    return {
      status: this.status,
      step: this.run.step,
      backend: this.device.backend,
      settings: this.run.settings,
      hyperparams: { ...this.run.hp },
    };
  }

  /**
   * Test hook: writes NaN into one weight of `network` (the discriminator by default), as a
   * diverging step would, so the guard has something to catch.
   */
  debugPoisonWeights(network: 'encoder' | 'decoder' | 'discriminator' = 'discriminator') {
    const model = this.run.model;
    if (!model) throw new TrainerInputError('not-ready', 'There is no model to poison yet.');
    poisonWeight(model, network);
  }

  /** Test hook: loses the WebGL context or destroys the WebGPU device under the trainer. */
  debugLoseDevice(): string {
    const backend = this.device.lose();
    // A paused trainer notices at once; a training one at its next report.
    if (this.status !== 'training' && this.status !== 'loading') void this.recoverFromDeviceLoss();
    return backend;
  }

  private fail(error: unknown) {
    this.setStatus('error', `Training stopped: ${errorText(error)}`);
  }

  /** Frees every tensor; the trainer cannot be used afterwards. */
  async dispose() {
    if (this.peakTimer !== undefined) clearTimeout(this.peakTimer);
    await this.halt();
    this.run.dispose();
    this.device.dispose();
    this.data.dispose();
    this.status = 'idle';
  }
}
