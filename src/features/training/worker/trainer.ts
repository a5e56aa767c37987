/**
 * The training session inside the worker: its lifecycle (init, configure, start, pause,
 * stepOnce, reset, dispose), the loop, the reports, and the one path by which a model arrives
 * (adopt), whether built fresh, imported or rebuilt after a lost device. The parts it calls:
 *
 *   training-data.ts    the data sets            batch-sampler.ts   the batch order
 *   pictures.ts         the three pictures       reporting.ts       readback, means, speed
 *   guard.ts            divergence checks        good-copies.ts     the guard's copies
 *   device-recovery.ts  backend, device loss     run-transfer.ts    export and import
 *   validate.ts         settings checks
 *
 * No DOM and no comlink here, so the same class runs under Node for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Architecture,
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  imageSize,
  sanitizeHyperparams,
} from '../../../shared/config';
import { type Dataset, type FetchBytes, imageShapeOf } from '../../../shared/dataset';
import { TrainerInputError } from '../../../shared/errors';
import { compactHistory, MAX_HISTORY_POINTS } from '../../../shared/history';
import { saveNetwork } from '../../../model/serialize';
import { VaeGan } from '../../../model/vaegan';
import type { BackendTuning } from '../../../runtime/backend';
import { unlessLost } from '../../../runtime/device-loss';
import { NO_USER_DATASET, userDatasetRef } from '../../image-import/shared/user-dataset';
import type { RunManifest } from '../../run-archive/shared/format';
import type {
  BackendInfo,
  BackendRequest,
  MetricsPoint,
  RunSettings,
  RunStatus,
  TrainerEvent,
  TrainerListener,
} from '../shared/protocol';
import { BatchSampler } from './batch-sampler';
import { Device, type RecoverySession } from './device-recovery';
import { GoodCopies, type SnapshotMeta } from './good-copies';
import { type Divergence, findDivergence, poisonWeight } from './guard';
import {
  composePictures,
  decodePictures,
  type Display,
  disposeDisplay,
  makeDisplay,
} from './pictures';
import { meanMetrics, PendingMetrics, Readbacks, SpeedMeter } from './reporting';
import { type Arrival, exportRunZip, readRunZip } from './run-transfer';
import { TrainingData } from './training-data';
import { convBackendProblem, validateSettings } from './validate';

/** At most this often a curve point goes to the page (about 10 messages/s). */
const REPORT_MS = 100;
/** At most this often the pictures are redrawn while training. */
const IMAGES_MS = 1000;
/** At most this often the latent explorer gets a copy of the encoder and decoder while training. */
const WEIGHTS_MS = 2000;
/** Steps between two last-good copies of the model kept by the divergence guard. */
const SNAPSHOT_EVERY = 50;

/** What a report found: all well, a divergence handled, or a device that is gone. */
type ReportOutcome = 'ok' | 'restored' | 'paused' | 'lost';

export interface TrainerDeps {
  fetchBytes: FetchBytes;
  /** Lets queued messages (pause, slider moves) in between two steps. */
  yieldToEvents?: () => Promise<void>;
  now?: () => number;
  /** Steps between the divergence guard's last-good copies (SNAPSHOT_EVERY). */
  snapshotEvery?: number;
}

export interface InitRequest {
  backend: BackendRequest;
  /** The architecture the first model will have: the automatic backend choice depends on it. */
  architecture?: Architecture;
  /** Absolute URL of the folder holding manifest.json, e.g. "http://127.0.0.1:4173/datasets/". */
  datasetsBaseUrl: string;
  /** Benchmark knobs (backend.ts); absent in normal use. */
  tuning?: BackendTuning;
  /**
   * Weights events also carry copies for the page's pad decoder and the quality worker, made in
   * this worker (trainer-api.ts). The page's main run asks for them; the comparison run does not.
   */
  weightCopies?: boolean;
  /**
   * The page's drag state in shared memory (src/app/interaction.ts): while non-zero, the matrix
   * product leaves its helper threads out so the page has a core.
   */
  interaction?: Int32Array;
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
  private readonly deps: Required<TrainerDeps>;
  private readonly device = new Device();
  private readonly data: TrainingData;
  // The run: the adopted model and what came with it (adopt sets them all).
  private model: VaeGan | undefined;
  private settings: RunSettings | undefined;
  private dataset: Dataset | undefined;
  private sampler: BatchSampler | undefined;
  private display: Display | undefined;
  private hp: Hyperparams = { ...DEFAULT_HYPERPARAMS };
  private step = 0;
  private trainingMs = 0;
  /** Every curve point sent for this model, for exports and checkpoints. */
  private history: MetricsPoint[] = [];
  // The parts of reporting and the divergence guard's copies.
  private readonly pending = new PendingMetrics();
  private readonly readbacks = new Readbacks();
  private readonly speed = new SpeedMeter();
  private readonly guard: GoodCopies;
  // The loop.
  private loop: Promise<void> | undefined;
  /** Bumped whenever the model is replaced, so a stale loop or render stops at once. */
  private generation = 0;
  private resumedAt = 0;
  private lastReport = 0;
  private lastImages = 0;
  private lastWeights = 0;
  /** An import is being checked or applied: a second one waits its turn. */
  private importing = false;

  constructor(deps: TrainerDeps) {
    this.deps = {
      fetchBytes: deps.fetchBytes,
      yieldToEvents: deps.yieldToEvents ?? defaultYield(),
      now: deps.now ?? (() => performance.now()),
      snapshotEvery: deps.snapshotEvery ?? SNAPSHOT_EVERY,
    };
    this.data = new TrainingData(this.deps.fetchBytes, (fraction, label) =>
      this.emit({ type: 'progress', phase: 'dataset', fraction, label }),
    );
    this.guard = new GoodCopies(this.deps.snapshotEvery, this.deps.now);
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
    this.emit({ type: 'status', status, step: this.step, ...(message ? { message } : {}) });
  }

  /** Starts a backend and reads the data set manifest. */
  async init(request: InitRequest, listener: TrainerListener): Promise<BackendInfo> {
    this.listener = listener;
    this.data.baseUrl = request.datasetsBaseUrl;
    this.setStatus('loading', 'Starting the backend');
    this.emit({ type: 'progress', phase: 'backend', fraction: 0, label: 'Starting the backend' });
    try {
      const backend = await this.device.start(request);
      this.emit({ type: 'backend', backend });
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

  /** Loads the data set if it changed and builds a fresh model; training stops. */
  async configure(settings: RunSettings): Promise<RunSettings> {
    const problems = validateSettings(settings);
    const backend = this.device.backend;
    const missing = backend?.missingConvKernels ?? [];
    if (settings.architecture === 'conv' && missing.length > 0) {
      problems.push(convBackendProblem(backend!.name, missing));
    }
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
    try {
      if (settings.dataset === 'user') {
        if (this.dataset !== this.data.user) {
          this.disposeModel();
          this.dataset = this.data.user;
        }
      } else if (this.dataset?.info.id !== settings.dataset) {
        this.disposeModel();
        this.dataset = undefined; // let the old one be collected before the new one arrives
        this.dataset = await this.data.load(settings.dataset);
      }
      this.emit({ type: 'progress', phase: 'model', fraction: 0, label: 'Building the model' });
      this.adopt(this.freshModel({ ...settings }, this.dataset!));
      this.emit({ type: 'settings', settings: this.settings! });
      await this.renderImages();
      await this.sendWeights();
      await this.refreshHostCopy();
      this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
      this.setStatus('ready');
      return this.settings!;
    } catch (error) {
      this.setStatus('error', errorText(error));
      throw error;
    }
  }

  /**
   * A new model for `settings` on `dataset`, with the learning rates in force, at step 0. The
   * old model is freed first, so that two never take memory at once.
   */
  private freshModel(settings: RunSettings, dataset: Dataset): Arrival {
    this.disposeModel();
    const model = new VaeGan(
      {
        architecture: settings.architecture,
        variant: settings.variant,
        latentDim: settings.latentDim,
        hiddenUnits: settings.hiddenUnits,
        image: imageShapeOf(dataset.info),
        seed: settings.seed,
      },
      this.hp,
    );
    return { model, settings, dataset, hyperparams: this.hp, step: 0, trainingMs: 0, history: [] };
  }

  /**
   * The one way a model becomes the trainer's: the old one is freed and every loop or render on
   * it stops; the batch order continues where the model's steps left it, the pictures get their
   * fixed inputs, and the model is the guard's first good copy.
   */
  private adopt(arrival: Arrival) {
    const { model, settings, dataset, step } = arrival;
    this.disposeModel();
    this.generation += 1;
    this.model = model;
    this.settings = settings;
    this.dataset = dataset;
    this.hp = { ...arrival.hyperparams };
    const image = model.config.image;
    this.sampler = new BatchSampler(
      dataset.train.images,
      dataset.train.count,
      settings.seed,
      imageSize(image),
    );
    this.sampler.advance(step, settings.batchSize);
    this.display = makeDisplay(dataset, settings);
    this.step = step;
    this.trainingMs = arrival.trainingMs;
    this.speed.restart();
    this.history = arrival.history;
    this.guard.adopt(model, this.snapshotMeta());
  }

  /** What a copy of the run records besides its tensors. */
  private snapshotMeta(trainingMs = this.trainingMs): SnapshotMeta {
    const userDataset = this.settings!.dataset === 'user' ? this.dataset : undefined;
    return {
      settings: { ...this.settings! },
      image: this.model!.config.image,
      ...(userDataset ? { userDataset: userDatasetRef(userDataset) } : {}),
      hyperparams: { ...this.hp },
      step: this.step,
      trainingMs,
      history: this.history,
    };
  }

  private disposeModel() {
    this.pending.dispose();
    this.guard.dispose();
    this.model?.dispose();
    this.model = undefined;
    if (this.display) disposeDisplay(this.display);
    this.display = undefined;
  }

  /** Begins or resumes training. */
  start(): RunStatus {
    if (!this.model || (this.status !== 'ready' && this.status !== 'paused')) return this.status;
    this.setStatus('training');
    this.resumedAt = this.deps.now();
    this.lastReport = this.resumedAt;
    this.lastImages = this.resumedAt;
    this.lastWeights = this.resumedAt;
    this.speed.restart(this.resumedAt, this.step);
    this.loop = this.runLoop(this.generation);
    return this.status;
  }

  /** Stops after the step in progress; resolves once no more steps will run. */
  async pause(): Promise<number> {
    if (this.status !== 'training') return this.step;
    this.status = 'paused';
    await this.loop;
    this.trainingMs += this.deps.now() - this.resumedAt;
    if ((await this.report()) === 'lost') {
      await this.recoverFromDeviceLoss();
      return this.step;
    }
    await this.refreshViews();
    this.setStatus('paused');
    return this.step;
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
    if (!this.model || (this.status !== 'ready' && this.status !== 'paused')) return this.step;
    const t0 = this.deps.now();
    try {
      await this.trainOne();
    } catch (error) {
      if (this.device.isLost) await this.recoverFromDeviceLoss();
      else this.fail(error);
      return this.step;
    }
    if ((await this.report(true)) === 'lost') {
      await this.recoverFromDeviceLoss();
      return this.step;
    }
    this.trainingMs += this.deps.now() - t0;
    await this.refreshViews();
    this.setStatus('paused');
    return this.step;
  }

  /** New weights from the same seed and settings; step 0, curves cleared by the page. */
  async reset(): Promise<RunStatus> {
    if (!this.settings || !this.dataset) return this.status;
    await this.halt();
    this.adopt(this.freshModel(this.settings, this.dataset));
    await this.refreshViews();
    await this.refreshHostCopy();
    this.setStatus('ready');
    return this.status;
  }

  /** Accepts new weights and learning rates; they act on the next step. */
  setHyperparams(next: Partial<Hyperparams>): Hyperparams {
    this.hp = sanitizeHyperparams({ ...this.hp, ...next }, this.hp);
    this.emit({ type: 'hyperparams', hyperparams: { ...this.hp }, fromStep: this.step + 1 });
    return { ...this.hp };
  }

  private async runLoop(generation: number) {
    const { now, yieldToEvents } = this.deps;
    while (this.status === 'training' && generation === this.generation) {
      try {
        await this.trainOne();
        const t = now();
        if (t - this.lastReport >= REPORT_MS && (await this.report()) === 'lost') break;
        if (t - this.lastImages >= IMAGES_MS && this.status === 'training') {
          await this.renderImages();
          this.lastImages = now();
        }
        if (now() - this.lastWeights >= WEIGHTS_MS && this.status === 'training') {
          await this.sendWeights();
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
    // Not awaited here: recovery halts the loop first, and this is the loop.
    if (this.device.isLost && generation === this.generation && !this.device.isRecovering) {
      this.status = 'loading';
      void this.recoverFromDeviceLoss(true);
    }
  }

  /**
   * One step. Synchronous unless the equilibrium gate is on: the gate reads D's two
   * cross-entropies back before phases 2 and 3 (one small readback per step).
   */
  private async trainOne() {
    const model = this.model!;
    const hp = this.hp;
    const x = this.sampler!.next(this.settings!.batchSize); // [batch, pixels]
    let metrics: tf.Tensor1D; // [METRIC_NAMES.length]
    try {
      metrics = hp.equilibriumGate ? await model.trainStepAsync(x, hp) : model.trainStep(x, hp);
    } finally {
      x.dispose();
    }
    if (model !== this.model) {
      metrics.dispose(); // replaced while the gate waited
      return;
    }
    this.pending.push(metrics);
    this.step += 1;
  }

  /**
   * Reads the metrics of the steps since the last report back, with the divergence guard's
   * probe of the weights, in one readback; then either sends one curve point (their mean) or,
   * when something went NaN or infinite, restores the last good copy.
   */
  private async report(force = false): Promise<ReportOutcome> {
    const model = this.model;
    if (this.pending.length === 0 || !model) return 'ok';
    const generation = this.generation;
    const { readback, steps } = this.pending.take(model);
    let raw: Float32Array;
    try {
      raw = await this.readbacks.read(readback, this.device.watch);
    } catch (error) {
      if (this.device.isLost) return 'lost';
      throw error;
    }
    if (this.device.isLost) return 'lost';
    if (generation !== this.generation) return 'ok';
    const divergence = findDivergence(raw, steps, this.step);
    if (divergence) return this.restoreAfterDivergence(model, divergence);
    const t = this.deps.now();
    this.lastReport = t;
    const rate = this.speed.sample(t, this.step);
    const stepsPerSec = force ? 0 : rate;
    const running = this.status === 'training' ? t - this.resumedAt : 0;
    const point: MetricsPoint = {
      step: this.step,
      time: this.trainingMs + running,
      values: meanMetrics(raw, steps),
      stepsPerSec,
      imagesPerSec: stepsPerSec * this.settings!.batchSize,
    };
    this.history.push(point);
    if (this.history.length > MAX_HISTORY_POINTS) this.history = compactHistory(this.history);
    this.emit({ type: 'metrics', point });
    await this.guard.keep(
      model,
      this.step,
      () => this.snapshotMeta(),
      () => generation === this.generation,
      this.device,
    );
    return 'ok';
  }

  /**
   * A NaN or Inf: the steps since the last good copy are dropped, its weights and Adam state
   * come back, and the blamed learning rate is halved, or training pauses (good-copies.ts).
   * The user is told what happened.
   */
  private restoreAfterDivergence(model: VaeGan, d: Divergence): ReportOutcome {
    const restored = this.guard.restore(model, d, this.hp, this.status === 'training');
    this.step = restored.step;
    this.history = this.history.filter((p) => p.step <= restored.step);
    this.speed.restart(this.deps.now(), this.step);
    this.emit({ type: 'history', points: this.history.slice() });
    if (restored.hyperparams) {
      this.hp = restored.hyperparams;
      this.emit({
        type: 'hyperparams',
        hyperparams: { ...this.hp },
        fromStep: this.step + 1,
        byGuard: true,
      });
      this.emit({ type: 'notice', level: 'warning', message: restored.message });
      this.setStatus(this.status);
      return 'restored';
    }
    this.status = 'paused';
    this.emit({ type: 'notice', level: 'error', message: restored.message });
    this.setStatus('paused');
    return 'paused';
  }

  private refreshHostCopy() {
    return this.guard.refreshHostCopy(this.device.backend?.name, this.device.watch);
  }

  /** Decodes the fixed inputs and sends the three pictures (one readback for all of them). */
  private async renderImages() {
    const model = this.model;
    const display = this.display;
    if (!model || !display) return;
    const generation = this.generation;
    const data = await this.readbacks.read(decodePictures(model, display), this.device.watch);
    if (generation !== this.generation) return;
    this.emit({ type: 'images', images: composePictures(data, display, this.step) });
  }

  /**
   * Sends a copy of the encoder and decoder (Layers artifacts, buffers transferred) for the
   * latent explorer, which decodes from it in its own worker without waiting for training steps.
   */
  private async sendWeights() {
    const model = this.model;
    if (!model || !this.settings) return;
    const generation = this.generation;
    const step = this.step;
    const [encoder, decoder, generator] = await unlessLost(
      this.device.watch,
      Promise.all([
        saveNetwork(model.encoder),
        saveNetwork(model.decoder),
        model.generator === model.decoder ? undefined : saveNetwork(model.generator),
      ]),
    );
    if (generation !== this.generation) return;
    this.emit({
      type: 'weights',
      weights: {
        step,
        modelId: generation,
        dataset: this.settings.dataset,
        ...(this.dataset?.info.fingerprint ? { fingerprint: this.dataset.info.fingerprint } : {}),
        latentDim: model.config.latentDim,
        encoder,
        decoder,
        ...(generator ? { generator } : {}),
      },
    });
  }

  /** Pictures and the explorer's weights; a device lost meanwhile is recovered from. */
  private async refreshViews() {
    try {
      await this.renderImages();
      await this.sendWeights();
    } catch (error) {
      if (!this.device.isLost) throw error;
      await this.recoverFromDeviceLoss();
    }
  }

  /**
   * The GPU went away: the model is rebuilt on the next backend that works, from the last good
   * copy read back into memory, or fresh from the same seed (device-recovery.ts).
   */
  private recoverFromDeviceLoss(resume = false): Promise<void> {
    return this.device.recover(this.recoverySession(), resume);
  }

  private recoverySession(): RecoverySession {
    const hp = { ...this.hp };
    const settings = () => this.settings;
    return {
      get architecture() {
        return settings()?.architecture ?? 'mlp';
      },
      abandon: (message) => {
        const step = this.step;
        const copy = this.guard.hostCopy;
        this.status = 'loading';
        this.setStatus('loading', message);
        this.generation += 1;
        try {
          // Their tensors lived on the dead device; free what can be freed.
          this.disposeModel();
        } catch {
          this.model = undefined;
        }
        this.guard.forget();
        return { step, copy };
      },
      rebuild: async (copy) => {
        if (copy) {
          await this.replaceWithRun(copy.bytes);
        } else {
          this.adopt(this.freshModel(this.settings!, this.dataset!));
          await this.renderImages();
          await this.sendWeights();
          this.setStatus('ready');
        }
        this.hp = hp;
        this.emit({ type: 'hyperparams', hyperparams: { ...hp }, fromStep: this.step + 1 });
        await this.refreshHostCopy();
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
    const model = this.model;
    if (!model || !this.settings) throw new Error('There is no model to export yet.');
    const t0 = this.deps.now();
    const running = this.status === 'training' ? this.deps.now() - this.resumedAt : 0;
    const meta = this.snapshotMeta(this.trainingMs + running);
    const { bytes, manifest } = await exportRunZip(model, meta);
    return { bytes, manifest, serializeMs: this.deps.now() - t0 };
  }

  /**
   * Replaces the model by the run in a zip made by exportRun, to continue training it.
   * Everything is checked, and the data set loaded, before the running model is touched: a
   * bad file throws with a message for people and training goes on as before.
   */
  async importRun(bytes: Uint8Array): Promise<{
    settings: RunSettings;
    hyperparams: Hyperparams;
    step: number;
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
    const { arrival, manifest } = await readRunZip(bytes, {
      current: this.dataset,
      user: this.data.user,
      load: (id) => this.data.load(id, `Loading ${id}`),
    });
    await this.halt();
    this.adopt(arrival);
    const settings = this.settings!;
    this.emit({ type: 'settings', settings: { ...settings } });
    this.emit({ type: 'hyperparams', hyperparams: { ...this.hp }, fromStep: this.step + 1 });
    this.emit({ type: 'history', points: this.history.slice() });
    await this.renderImages();
    await this.sendWeights();
    await this.refreshHostCopy();
    this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
    this.setStatus(this.step > 0 ? 'paused' : 'ready');
    return { settings: { ...settings }, hyperparams: { ...this.hp }, step: this.step, manifest };
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
    return this.pending.length + this.readbacks.count;
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
      step: this.step,
      historyPoints: this.history.length,
      goodCopyStep: this.guard.step,
    };
  }

  getStatus() {
    return {
      status: this.status,
      step: this.step,
      backend: this.device.backend,
      settings: this.settings,
      hyperparams: { ...this.hp },
    };
  }

  /**
   * Test hook: writes NaN into one weight of `network` (the discriminator by default), as a
   * diverging step would, so the guard has something to catch.
   */
  debugPoisonWeights(network: 'encoder' | 'decoder' | 'discriminator' = 'discriminator') {
    if (!this.model) throw new TrainerInputError('not-ready', 'There is no model to poison yet.');
    poisonWeight(this.model, network);
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
    await this.halt();
    this.generation += 1;
    this.disposeModel();
    this.device.dispose();
    this.dataset = undefined;
    this.data.dispose();
    this.status = 'idle';
  }
}
