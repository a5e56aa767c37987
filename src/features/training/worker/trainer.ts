/**
 * The training loop that runs inside the worker: owns the backend, the data, the model and the
 * run status, and reports curves and pictures through one listener at a bounded rate.
 * No DOM and no comlink here, so the same class runs under Node for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Architecture,
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  type ImageShape,
  imageSize,
  MNIST_IMAGE,
  type ModelConfig,
  sanitizeHyperparams,
  validateModelConfig,
} from '../../../shared/config';
import { mulberry32 } from '../../../shared/random';
import { saveNetwork } from '../../../model/serialize';
import { METRIC_NAMES, type MetricName, VaeGan } from '../../../model/vaegan';
import { type BackendTuning, selectBackend } from '../../../runtime/backend';
import { indexedDbRaceCache, measureTrainingSpeed } from '../../../runtime/backend-race';
import { type DeviceWatch, unlessLost, watchDevice } from '../../../runtime/device-loss';
import { TrainerInputError } from '../../../shared/errors';
import {
  type Divergence,
  disposeGoodSnapshot,
  findDivergence,
  type GoodSnapshot,
  halved,
  isFiniteSnapshot,
  LR_LABELS,
  restoreSnapshot,
  takeSnapshot,
  weightProbe,
} from './guard';
import { compactHistory, MAX_HISTORY_POINTS } from '../../../shared/history';
import {
  type Dataset,
  type FetchBytes,
  imageShapeOf,
  loadDataset,
  loadManifest,
  type DatasetManifest,
} from '../../../shared/dataset';
import { composeGrid, interleave, toUnitFloats } from '../../../shared/image-grid';
import type { RunManifest, UserDatasetRef } from '../../run-archive/shared/format';
import { parseRunArchive } from '../../run-archive/shared/parse';
import { disposeSnapshot, encodeRun, snapshotRun } from '../../run-archive/worker/encode';
import { restoreRun } from '../../run-archive/worker/restore';
import {
  checkUserDataset,
  NO_USER_DATASET,
  userDatasetRef,
} from '../../image-import/shared/user-dataset';
import {
  BATCH_SIZE_RANGE,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type ImagesUpdate,
  type MetricsPoint,
  type RunSettings,
  type RunStatus,
  type TrainerEvent,
  type TrainerListener,
} from '../shared/protocol';

/** At most this often a curve point goes to the page (about 10 messages/s). */
const REPORT_MS = 100;
/** At most this often the pictures are redrawn while training. */
const IMAGES_MS = 1000;
/** Seconds of history behind the steps/s figure. */
const SPEED_WINDOW_MS = 3000;
const RECON_COUNT = 32;
const SAMPLE_COUNT = 64;
const INTERPOLATION_STEPS = 10;
/** At most this often the latent explorer gets a copy of the encoder and decoder while training. */
const WEIGHTS_MS = 2000;
/** Steps between two last-good copies of the model kept by the divergence guard. */
const SNAPSHOT_EVERY = 50;
/**
 * On a GPU backend, at most this often the last-good copy is also read back into worker
 * memory (as run-zip bytes), so that a lost device can be rebuilt on another backend.
 */
const HOST_COPY_MS = 20_000;
/** Restores without a new good copy in between before the guard gives up and pauses. */
const MAX_RESTORES_IN_A_ROW = 20;

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

/**
 * Training batches drawn without replacement, epoch after epoch, in a seeded order. Exported for
 * bench/quality.ts, which trains outside a worker with the app's batch order.
 */
export class BatchSampler {
  private order: Uint32Array;
  private cursor = 0;
  private random: () => number;
  /** Draws taken from `random` so far (each shuffle takes count - 1). */
  private draws = 0;

  constructor(
    private readonly images: Uint8Array,
    private readonly count: number,
    private readonly seed: number,
    /** Values per image: 784 for MNIST. */
    private readonly cellValues: number,
  ) {
    this.random = mulberry32(seed);
    this.order = new Uint32Array(count);
    this.shuffle();
  }

  private shuffle() {
    for (let i = 0; i < this.count; i++) this.order[i] = i;
    for (let i = this.count - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = this.order[i]!;
      this.order[i] = this.order[j]!;
      this.order[j] = t;
    }
    this.draws += Math.max(0, this.count - 1);
    this.cursor = 0;
  }

  /** Passes over `shuffles` epochs' orders without computing them (their draws are skipped). */
  private skipShuffles(shuffles: number) {
    if (shuffles <= 0) return;
    this.draws += shuffles * Math.max(0, this.count - 1);
    this.random = mulberry32(this.seed, this.draws);
  }

  /**
   * Moves on by `batches` batches without drawing them, as a restored run must: the same place
   * in the same order as drawing them one by one, in time that does not grow with `batches`
   * (only the last epoch's order is computed).
   */
  advance(batches: number, batchSize: number) {
    if (!Number.isSafeInteger(batches) || batches < 0) {
      throw new RangeError(`cannot advance by ${batches} batches`);
    }
    if (batches === 0) return;
    if (batchSize > this.count) {
      // Indices flow on across epochs; a fresh order is drawn when one runs out.
      let n = batches * batchSize;
      const left = this.count - this.cursor;
      if (n <= left) {
        this.cursor += n;
        return;
      }
      n -= left;
      const orders = Math.ceil(n / this.count);
      this.skipShuffles(orders - 1);
      this.shuffle();
      this.cursor = n - (orders - 1) * this.count;
      return;
    }
    // Whole batches only: an epoch's remainder is dropped and a fresh order drawn.
    const perEpoch = Math.floor(this.count / batchSize);
    const left = Math.floor((this.count - this.cursor) / batchSize);
    if (batches <= left) {
      this.cursor += batches * batchSize;
      return;
    }
    const rest = batches - left; // >= 1, each in a later epoch
    const epochs = Math.floor((rest - 1) / perEpoch); // later epochs passed over whole
    this.skipShuffles(epochs);
    this.shuffle();
    this.cursor = (rest - 1 - epochs * perEpoch + 1) * batchSize;
  }

  /** The next batch's image indices. */
  private indices(batchSize: number): ArrayLike<number> {
    if (batchSize > this.count) {
      // A small set of the user's: the batch spans epochs, each in a fresh order.
      const out = new Uint32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        if (this.cursor >= this.count) this.shuffle();
        out[i] = this.order[this.cursor++]!;
      }
      return out;
    }
    if (this.cursor + batchSize > this.count) this.shuffle();
    const indices = this.order.subarray(this.cursor, this.cursor + batchSize);
    this.cursor += batchSize;
    return indices;
  }

  /** The next batch as floats in [0, 1], [batchSize, cellValues]. */
  next(batchSize: number): tf.Tensor2D {
    const indices = this.indices(batchSize);
    return tf.tensor2d(toUnitFloats(this.images, indices, this.cellValues), [
      batchSize,
      this.cellValues,
    ]);
  }
}

/** Fixed inputs of the pictures, so the same images and noise are shown throughout a run. */
interface Display {
  image: ImageShape;
  /** Test images shown with their reconstructions: RECON_COUNT, or fewer in a small user set. */
  reconCount: number;
  reconInputs: Float32Array; // [reconCount * pixels]
  reconX: tf.Tensor2D; // [reconCount, pixels]
  sampleZ: tf.Tensor2D; // [SAMPLE_COUNT, latentDim]
  pairInputs: Float32Array; // [2 * pixels]
  pairX: tf.Tensor2D; // [2, pixels]
}

export class Trainer {
  private status: RunStatus = 'idle';
  private listener: TrainerListener = () => {};
  private readonly deps: Required<TrainerDeps>;
  private backend: BackendInfo | undefined;
  private baseUrl = '';
  private manifest: DatasetManifest | undefined;
  private dataset: Dataset | undefined;
  /** The user's own images, loaded last (setUserDataset); used for settings.dataset "user". */
  private userDataset: Dataset | undefined;
  private settings: RunSettings | undefined;
  private model: VaeGan | undefined;
  private sampler: BatchSampler | undefined;
  private display: Display | undefined;
  private hp: Hyperparams = { ...DEFAULT_HYPERPARAMS };
  private step = 0;
  /** Metrics of the steps not yet reported, [7] each, kept on the device: no readback per step. */
  private pending: tf.Tensor1D[] = [];
  /** Readback tensors awaiting their data (the report's and the pictures'), for getMemory. */
  private readbacks = 0;
  private loop: Promise<void> | undefined;
  /** Bumped whenever the model is replaced, so a stale loop or render stops at once. */
  private generation = 0;
  private lastReport = 0;
  private lastImages = 0;
  private lastWeights = 0;
  private trainingMs = 0;
  private resumedAt = 0;
  private speedSamples: { time: number; step: number }[] = [];
  /** An import is being checked or applied: a second one waits its turn. */
  private importing = false;
  /** Every curve point sent for this model, for exports and checkpoints. */
  private history: MetricsPoint[] = [];
  /** The divergence guard's last good copy of the weights and optimiser state (on the device). */
  private good: GoodSnapshot | undefined;
  /** The last good copy as run-zip bytes in worker memory (GPU backends only), and its time. */
  private hostCopy: { step: number; bytes: Uint8Array; time: number } | undefined;
  private restoresInARow = 0;
  private requestedBackend: BackendRequest = 'auto';
  private tuning: BackendTuning = {};
  private interaction: Int32Array | undefined;
  private watch: DeviceWatch | undefined;
  /** Backends whose device was lost in this worker: not tried again. */
  private lostBackends: BackendName[] = [];
  private recovering: Promise<void> | undefined;

  constructor(deps: TrainerDeps) {
    this.deps = {
      fetchBytes: deps.fetchBytes,
      yieldToEvents: deps.yieldToEvents ?? defaultYield(),
      now: deps.now ?? (() => performance.now()),
      snapshotEvery: deps.snapshotEvery ?? SNAPSHOT_EVERY,
    };
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
    this.baseUrl = request.datasetsBaseUrl;
    this.requestedBackend = request.backend;
    // The matrix product on every core (up to 4) unless a benchmark says otherwise.
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    this.tuning = { wasmGemmThreads: Math.max(1, Math.min(4, cores)), ...request.tuning };
    this.setStatus('loading', 'Starting the backend');
    this.emit({ type: 'progress', phase: 'backend', fraction: 0, label: 'Starting the backend' });
    try {
      // 'auto' with several fast backends: a short training race decides (backend-race.ts).
      this.interaction = request.interaction;
      this.backend = await selectBackend(request.backend, {
        tuning: this.tuning,
        interaction: this.interaction,
        race: { measure: () => measureTrainingSpeed(), cache: indexedDbRaceCache() },
        architecture: request.architecture ?? 'mlp',
      });
      this.watch?.dispose();
      this.watch = watchDevice(this.backend.name);
      this.emit({ type: 'backend', backend: this.backend });
      this.emit({
        type: 'progress',
        phase: 'backend',
        fraction: 1,
        label: `Backend ${this.backend.name}`,
      });
      this.manifest = await loadManifest(this.baseUrl, this.deps.fetchBytes);
      return this.backend;
    } catch (error) {
      this.setStatus('error', errorText(error));
      throw error;
    }
  }

  /** Loads the data set if it changed and builds a fresh model; training stops. */
  async configure(settings: RunSettings): Promise<RunSettings> {
    const problems = validateSettings(settings);
    const missing = this.backend?.missingConvKernels ?? [];
    if (settings.architecture === 'conv' && missing.length > 0) {
      problems.push(convBackendProblem(this.backend!.name, missing));
    }
    if (problems.length > 0) {
      const message = `Invalid run settings: ${problems.join('; ')}`;
      this.emit({ type: 'notice', level: 'error', message });
      throw new TrainerInputError('invalid-settings', message);
    }
    if (settings.dataset === 'user' && !this.userDataset) {
      this.emit({ type: 'notice', level: 'error', message: NO_USER_DATASET });
      throw new Error(NO_USER_DATASET);
    }
    await this.halt();
    this.setStatus('loading', 'Loading the data set');
    try {
      if (settings.dataset === 'user') {
        if (this.dataset !== this.userDataset) {
          this.disposeModel();
          this.dataset = this.userDataset;
        }
      } else if (this.dataset?.info.id !== settings.dataset) {
        this.disposeModel();
        this.dataset = undefined; // let the old one be collected before the new one arrives
        if (!this.manifest) this.manifest = await loadManifest(this.baseUrl, this.deps.fetchBytes);
        const name =
          this.manifest.datasets.find((d) => d.id === settings.dataset)?.name ?? settings.dataset;
        this.dataset = await loadDataset(
          settings.dataset,
          this.baseUrl,
          this.deps.fetchBytes,
          (fraction) =>
            this.emit({ type: 'progress', phase: 'dataset', fraction, label: `Loading ${name}` }),
        );
      }
      this.emit({ type: 'progress', phase: 'model', fraction: 0, label: 'Building the model' });
      this.settings = { ...settings };
      this.buildModel();
      this.emit({ type: 'settings', settings: this.settings });
      await this.renderImages();
      await this.sendWeights();
      await this.refreshHostCopy();
      this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
      this.setStatus('ready');
      return this.settings;
    } catch (error) {
      this.setStatus('error', errorText(error));
      throw error;
    }
  }

  private buildModel() {
    const settings = this.settings!;
    const dataset = this.dataset!;
    this.disposeModel();
    this.generation += 1;
    const image = imageShapeOf(dataset.info);
    const config: ModelConfig = {
      architecture: settings.architecture,
      variant: settings.variant,
      latentDim: settings.latentDim,
      hiddenUnits: settings.hiddenUnits,
      image,
      seed: settings.seed,
    };
    this.model = new VaeGan(config, this.hp);
    this.sampler = new BatchSampler(
      dataset.train.images,
      dataset.train.count,
      settings.seed,
      imageSize(image),
    );
    this.display = makeDisplay(dataset, settings);
    this.step = 0;
    this.trainingMs = 0;
    this.speedSamples = [];
    this.history = [];
    this.adoptInitialSnapshot();
  }

  /** A fresh or imported model is good by construction (an import is checked for NaN). */
  private adoptInitialSnapshot() {
    disposeGoodSnapshot(this.good);
    this.good = takeSnapshot(this.model!, this.snapshotMeta());
    this.hostCopy = undefined;
    this.restoresInARow = 0;
  }

  private snapshotMeta() {
    const userDataset = this.settings!.dataset === 'user' ? this.dataset : undefined;
    return {
      settings: { ...this.settings! },
      image: this.model!.config.image,
      ...(userDataset ? { userDataset: userDatasetRef(userDataset) } : {}),
      hyperparams: { ...this.hp },
      step: this.step,
      trainingMs: this.trainingMs,
      history: this.history,
    };
  }

  private disposeModel() {
    tf.dispose(this.pending);
    this.pending = [];
    disposeGoodSnapshot(this.good);
    this.good = undefined;
    this.model?.dispose();
    this.model = undefined;
    if (this.display) tf.dispose([this.display.reconX, this.display.sampleZ, this.display.pairX]);
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
    this.speedSamples = [{ time: this.resumedAt, step: this.step }];
    const generation = this.generation;
    this.loop = this.runLoop(generation);
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

  /** Pictures and the explorer's weights; a device lost meanwhile is recovered from. */
  private async refreshViews() {
    try {
      await this.renderImages();
      await this.sendWeights();
    } catch (error) {
      if (!this.watch?.isLost()) throw error;
      await this.recoverFromDeviceLoss();
    }
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
      if (this.watch?.isLost()) await this.recoverFromDeviceLoss();
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
    this.buildModel();
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

  /**
   * Of this worker's tensors, the ones that only live between two reports: the metrics of the
   * steps since the last report (one small tensor a step) and the readbacks awaiting their data.
   */
  get transientTensors(): number {
    return this.pending.length + this.readbacks;
  }

  /** tfjs memory in this worker (tensor count and bytes), for the soak benchmark. */
  getMemory() {
    const m = tf.memory();
    return {
      numTensors: m.numTensors,
      transientTensors: this.transientTensors,
      numBytes: m.numBytes,
      numDataBuffers: m.numDataBuffers,
      backend: this.backend?.name ?? null,
      step: this.step,
      historyPoints: this.history.length,
      goodCopyStep: this.good?.step ?? null,
    };
  }

  /**
   * Test hook: writes NaN into one weight of `network` (the discriminator by default), as a
   * diverging step would, so the guard has something to catch.
   */
  debugPoisonWeights(network: 'encoder' | 'decoder' | 'discriminator' = 'discriminator') {
    const model = this.model;
    if (!model) throw new TrainerInputError('not-ready', 'There is no model to poison yet.');
    const variable = model[network].trainableWeights[0]!.read() as tf.Variable;
    const poisoned = tf.tidy(() => {
      const mask = tf.oneHot(0, variable.size).reshape(variable.shape).cast('bool');
      return tf.where(mask, tf.fill(variable.shape, Number.NaN), variable);
    });
    variable.assign(poisoned);
    poisoned.dispose();
  }

  /** Test hook: loses the WebGL context or destroys the WebGPU device under the trainer. */
  debugLoseDevice(): string {
    const watch = this.watch;
    if (!watch) throw new TrainerInputError('not-ready', 'No backend is running yet.');
    try {
      watch.lose();
    } catch (error) {
      throw new TrainerInputError('unsupported', errorText(error));
    }
    // A paused trainer notices at once; a training one at its next report.
    if (this.status !== 'training' && this.status !== 'loading') void this.recoverFromDeviceLoss();
    return watch.backend;
  }

  getStatus() {
    return {
      status: this.status,
      step: this.step,
      backend: this.backend,
      settings: this.settings,
      hyperparams: { ...this.hp },
    };
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
        if (!this.watch?.isLost()) {
          this.fail(error);
          return;
        }
        break;
      }
      await yieldToEvents();
    }
    // Not awaited here: recovery halts the loop first, and this is the loop.
    if (this.watch?.isLost() && generation === this.generation && !this.recovering) {
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
    const list = this.pending;
    const model = this.model;
    if (list.length === 0 || !model) return 'ok';
    this.pending = [];
    const steps = list.length;
    const generation = this.generation;
    // [steps * 7 metrics, then 4 weight probes]
    const readback = tf.tidy(() => tf.concat([tf.stack(list).reshape([-1]), weightProbe(model)]));
    tf.dispose(list);
    let raw: Float32Array;
    this.readbacks += 1;
    try {
      // Waits for the queued GPU work too: natural back-pressure.
      raw = (await unlessLost(this.watch, readback.data())) as Float32Array;
    } catch (error) {
      if (this.watch?.isLost()) return 'lost';
      throw error;
    } finally {
      readback.dispose();
      this.readbacks -= 1;
    }
    if (this.watch?.isLost()) return 'lost';
    if (generation !== this.generation) return 'ok';
    const divergence = findDivergence(raw, steps, this.step);
    if (divergence) return this.restoreAfterDivergence(divergence);
    const t = this.deps.now();
    this.lastReport = t;
    this.speedSamples.push({ time: t, step: this.step });
    while (this.speedSamples.length > 2 && t - this.speedSamples[0]!.time > SPEED_WINDOW_MS) {
      this.speedSamples.shift();
    }
    const first = this.speedSamples[0]!;
    const elapsed = (t - first.time) / 1000;
    const stepsPerSec = !force && elapsed > 0 ? (this.step - first.step) / elapsed : 0;
    const values = {} as Record<MetricName, number>;
    METRIC_NAMES.forEach((name, j) => {
      let sum = 0;
      for (let i = 0; i < steps; i++) sum += raw[i * METRIC_NAMES.length + j]!;
      values[name] = sum / steps;
    });
    const running = this.status === 'training' ? t - this.resumedAt : 0;
    const point: MetricsPoint = {
      step: this.step,
      time: this.trainingMs + running,
      values,
      stepsPerSec,
      imagesPerSec: stepsPerSec * this.settings!.batchSize,
    };
    this.history.push(point);
    if (this.history.length > MAX_HISTORY_POINTS) this.history = compactHistory(this.history);
    this.emit({ type: 'metrics', point });
    await this.keepGoodCopy();
    return 'ok';
  }

  /** Every `snapshotEvery` steps, a new last-good copy once its own probe came back finite. */
  private async keepGoodCopy() {
    const model = this.model;
    if (!model || this.step - (this.good?.step ?? -Infinity) < this.deps.snapshotEvery) return;
    const generation = this.generation;
    const candidate = takeSnapshot(model, this.snapshotMeta());
    if (
      !(await unlessLost(this.watch, isFiniteSnapshot(candidate))) ||
      generation !== this.generation
    ) {
      disposeGoodSnapshot(candidate);
      return;
    }
    disposeGoodSnapshot(this.good);
    this.good = candidate;
    this.restoresInARow = 0;
    if (this.deps.now() - (this.hostCopy?.time ?? -Infinity) >= HOST_COPY_MS) {
      await this.refreshHostCopy();
    }
  }

  /**
   * On a GPU backend, reads the last good copy back into worker memory as run-zip bytes:
   * a lost device takes its tensors with it, and these bytes rebuild the model elsewhere.
   */
  private async refreshHostCopy() {
    const good = this.good;
    const name = this.backend?.name;
    if (!good || (name !== 'webgl' && name !== 'webgpu')) return;
    try {
      const { bytes } = await unlessLost(this.watch, encodeRun(good.run));
      this.hostCopy = { step: good.step, bytes, time: this.deps.now() };
    } catch {
      // The copy was replaced or the device went away meanwhile: the previous copy stays.
    }
  }

  /**
   * The guard's answer to a NaN or Inf: the step is dropped, the last good weights and Adam
   * state come back bit for bit, and the learning rate of the phase that went bad is halved
   * (or training pauses when that keeps happening). The user is told what happened.
   */
  private restoreAfterDivergence(d: Divergence): ReportOutcome {
    const model = this.model!;
    const good = this.good!;
    const badStep = d.step;
    const what = [
      d.metrics.length > 0 ? d.metrics.join(', ') : '',
      d.networks.length > 0 ? `${d.networks.join(', ')} weights` : '',
    ]
      .filter((x) => x)
      .join(' and ');
    restoreSnapshot(model, good);
    this.step = good.step;
    this.history = this.history.filter((p) => p.step <= good.step);
    this.speedSamples = [{ time: this.deps.now(), step: this.step }];
    this.restoresInARow += 1;
    this.emit({ type: 'history', points: this.history.slice() });
    const next = this.restoresInARow <= MAX_RESTORES_IN_A_ROW ? halved(this.hp, d.lr) : null;
    const restored = `Step ${badStep}: ${what} became NaN or infinite. Restored the weights and optimiser state of step ${good.step}`;
    if (next) {
      const before = this.hp[d.lr];
      this.hp = next;
      this.emit({
        type: 'hyperparams',
        hyperparams: { ...this.hp },
        fromStep: this.step + 1,
        byGuard: true,
      });
      const going = this.status === 'training' ? 'Training continues.' : 'Press Train to go on.';
      this.emit({
        type: 'notice',
        level: 'warning',
        message: `${restored} and halved ${LR_LABELS[d.lr]} from ${before.toPrecision(3)} to ${next[d.lr].toPrecision(3)}. ${going}`,
      });
      this.setStatus(this.status);
      return 'restored';
    }
    const why =
      this.restoresInARow > MAX_RESTORES_IN_A_ROW
        ? `it diverged ${MAX_RESTORES_IN_A_ROW} times in a row`
        : `${LR_LABELS[d.lr]} is already at its minimum`;
    this.status = 'paused';
    this.emit({
      type: 'notice',
      level: 'error',
      message: `${restored} and paused: ${why}. Lower the learning rates or β, γ, then press Train.`,
    });
    this.setStatus('paused');
    return 'paused';
  }

  /**
   * The GPU went away (WebGL context lost, WebGPU device lost): the model is rebuilt on the
   * next backend that works, from the last good copy read back into memory, and training goes
   * on if it was running. Without such a copy yet, a fresh model from the same seed is built.
   */
  private recoverFromDeviceLoss(resume = false): Promise<void> {
    if (!this.recovering) {
      this.recovering = this.rebuildElsewhere(resume).finally(() => (this.recovering = undefined));
    }
    return this.recovering;
  }

  private async rebuildElsewhere(resume: boolean) {
    const watch = this.watch!;
    const lost = watch.backend;
    const reason = watch.reason() || `the ${lost} device stopped working`;
    const lostAt = this.step;
    const copy = this.hostCopy;
    const hp = { ...this.hp };
    this.status = 'loading';
    this.setStatus('loading', `${reason}: rebuilding the model on another backend`);
    this.generation += 1;
    watch.dispose();
    this.watch = undefined;
    this.lostBackends.push(lost);
    try {
      // Their tensors lived on the dead device; free what can be freed.
      this.disposeModel();
    } catch {
      this.model = undefined;
      this.good = undefined;
    }
    this.hostCopy = undefined;
    try {
      this.backend = await selectBackend(this.requestedBackend, {
        tuning: this.tuning,
        interaction: this.interaction,
        exclude: this.lostBackends,
        excludedReason: 'its device was lost earlier in this session',
        architecture: this.settings?.architecture ?? 'mlp',
      });
      this.watch = watchDevice(this.backend.name);
      this.emit({ type: 'backend', backend: this.backend });
      let from: string;
      if (copy) {
        await this.replaceWithRun(copy.bytes);
        from = `the last good weights, of step ${copy.step}`;
      } else {
        this.buildModel();
        await this.renderImages();
        await this.sendWeights();
        this.setStatus('ready');
        from = 'fresh weights of the same seed (no copy had been read back yet)';
      }
      this.hp = hp;
      this.emit({ type: 'hyperparams', hyperparams: { ...hp }, fromStep: this.step + 1 });
      await this.refreshHostCopy();
      this.emit({
        type: 'notice',
        level: 'warning',
        message: `Step ${lostAt}: ${reason}. Rebuilt the model on ${this.backend.name} from ${from}.${resume ? ' Training continues.' : ''}`,
      });
      if (resume) this.start();
    } catch (error) {
      this.setStatus(
        'error',
        `Training stopped: ${reason}, and rebuilding failed: ${errorText(error)}`,
      );
    }
  }

  /** Decodes the fixed inputs and sends the three pictures (one readback for all of them). */
  private async renderImages() {
    const model = this.model;
    const display = this.display;
    if (!model || !display) return;
    const generation = this.generation;
    const stacked = tf.tidy(() => {
      const recon = model.reconstruct(display.reconX); // [reconCount, pixels]
      const samples = model.generate(display.sampleZ); // [SAMPLE_COUNT, pixels]
      const { mu } = model.encode(display.pairX); // [2, latentDim]
      const t = tf.linspace(0, 1, INTERPOLATION_STEPS).reshape([INTERPOLATION_STEPS, 1]);
      const [a, b] = tf.split(mu, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      const z = tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D; // [STEPS, latentDim]
      return tf.concat([recon, samples, model.decode(z)], 0); // [total, pixels]
    });
    let data: Float32Array;
    this.readbacks += 1;
    try {
      data = (await unlessLost(this.watch, stacked.data())) as Float32Array;
    } finally {
      stacked.dispose();
      this.readbacks -= 1;
    }
    if (generation !== this.generation) return;
    const { image, reconCount } = display;
    const px = imageSize(image);
    const recon = data.subarray(0, reconCount * px);
    const samples = data.subarray(reconCount * px, (reconCount + SAMPLE_COUNT) * px);
    const path = data.subarray((reconCount + SAMPLE_COUNT) * px);
    const strip = new Float32Array((INTERPOLATION_STEPS + 2) * px);
    strip.set(display.pairInputs.subarray(0, px), 0);
    strip.set(path, px);
    strip.set(display.pairInputs.subarray(px), (INTERPOLATION_STEPS + 1) * px);
    const images: ImagesUpdate = {
      step: this.step,
      reconstructions: composeGrid(
        interleave(display.reconInputs, recon, px),
        2 * reconCount,
        { cols: 8, gap: 1, groupEvery: 2, groupGap: 3 },
        image,
      ),
      samples: composeGrid(samples, SAMPLE_COUNT, { cols: 8, gap: 1 }, image),
      interpolation: composeGrid(
        strip,
        INTERPOLATION_STEPS + 2,
        { cols: INTERPOLATION_STEPS + 2, gap: 1, groupEvery: 1, groupGap: 0 },
        image,
      ),
    };
    this.emit({ type: 'images', images });
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
    const userDataset = this.settings.dataset === 'user' ? this.dataset : undefined;
    const snapshot = snapshotRun(model, {
      settings: { ...this.settings },
      image: model.config.image,
      ...(userDataset ? { userDataset: userDatasetRef(userDataset) } : {}),
      hyperparams: { ...this.hp },
      step: this.step,
      trainingMs: this.trainingMs + running,
      history: this.history,
    });
    try {
      const { bytes, manifest } = await encodeRun(snapshot);
      return { bytes, manifest, serializeMs: this.deps.now() - t0 };
    } finally {
      disposeSnapshot(snapshot);
    }
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
    if (!this.manifest || this.status === 'loading' || this.importing) {
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
    const parsed = parseRunArchive(bytes);
    const model = restoreRun(parsed);
    const { settings } = parsed;
    let dataset = this.dataset;
    try {
      if (settings.dataset === 'user') {
        dataset = this.matchingUserDataset(parsed.manifest.userDataset!);
      } else if (dataset?.info.id !== settings.dataset) {
        dataset = await loadDataset(
          settings.dataset,
          this.baseUrl,
          this.deps.fetchBytes,
          (fraction) =>
            this.emit({
              type: 'progress',
              phase: 'dataset',
              fraction,
              label: `Loading ${settings.dataset}`,
            }),
        );
      }
    } catch (error) {
      model.dispose();
      throw new Error(`Could not load the data set of the imported run: ${errorText(error)}`, {
        cause: error,
      });
    }
    await this.halt();
    this.disposeModel();
    this.generation += 1;
    this.dataset = dataset;
    this.settings = { ...settings };
    this.model = model;
    this.hp = { ...parsed.hyperparams };
    this.sampler = new BatchSampler(
      dataset!.train.images,
      dataset!.train.count,
      settings.seed,
      imageSize(parsed.image),
    );
    this.sampler.advance(parsed.manifest.step, settings.batchSize);
    this.display = makeDisplay(dataset!, settings);
    this.step = parsed.manifest.step;
    this.trainingMs = Number.isFinite(parsed.manifest.trainingMs) ? parsed.manifest.trainingMs : 0;
    this.speedSamples = [];
    this.history = parsed.history;
    this.adoptInitialSnapshot();
    this.emit({ type: 'settings', settings: { ...settings } });
    this.emit({ type: 'hyperparams', hyperparams: { ...this.hp }, fromStep: this.step + 1 });
    this.emit({ type: 'history', points: this.history.slice() });
    await this.renderImages();
    await this.sendWeights();
    await this.refreshHostCopy();
    this.emit({ type: 'progress', phase: 'model', fraction: 1, label: 'Ready' });
    this.setStatus(this.step > 0 ? 'paused' : 'ready');
    return {
      settings: { ...settings },
      hyperparams: { ...this.hp },
      step: this.step,
      manifest: parsed.manifest,
    };
  }

  /**
   * The loaded user set a saved run was trained on; throws a message asking for the images
   * when another set (or none) is loaded: a user set cannot be fetched, and another set must
   * not stand in for it silently.
   */
  private matchingUserDataset(ref: UserDatasetRef): Dataset {
    const loaded = this.userDataset;
    if (loaded?.info.fingerprint === ref.fingerprint) return loaded;
    const what =
      `"${ref.name}" (${ref.trainCount + ref.testCount} images, ` +
      `${ref.classes.length} class${ref.classes.length === 1 ? '' : 'es'})`;
    throw new Error(
      loaded
        ? `This run was trained on your images ${what}, but the images loaded now are another set ("${loaded.info.name}"). Load the same folder or zip under "Your own images", then restore again.`
        : `This run was trained on your images ${what}, which are not stored with it. Load the same folder or zip under "Your own images", then restore again.`,
    );
  }

  /**
   * Takes the user's own images (decoded by the page's import worker) as the "user" data set.
   * The running model keeps its data until the next configure with dataset "user".
   */
  setUserDataset(dataset: Dataset): { name: string; fingerprint: string } {
    checkUserDataset(dataset);
    this.userDataset = dataset;
    return { name: dataset.info.name, fingerprint: dataset.info.fingerprint! };
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
      this.watch,
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

  private fail(error: unknown) {
    this.setStatus('error', `Training stopped: ${errorText(error)}`);
  }

  /** Frees every tensor; the trainer cannot be used afterwards. */
  async dispose() {
    await this.halt();
    this.generation += 1;
    this.disposeModel();
    this.watch?.dispose();
    this.dataset = undefined;
    this.userDataset = undefined;
    this.status = 'idle';
  }
}

/** Fixed pictures' inputs: RECON_COUNT test images cycling through the classes, two for the strip. */
function makeDisplay(dataset: Dataset, settings: RunSettings): Display {
  const { test, info } = dataset;
  const perClass: number[][] = info.classes.map(() => []);
  for (let i = 0; i < test.count; i++) perClass[test.labels[i]!]?.push(i);
  const picks: number[] = [];
  for (let k = 0; picks.length < RECON_COUNT && k < test.count; k++) {
    const pool = perClass[k % info.classes.length]!;
    const index = pool[Math.floor(k / info.classes.length)];
    if (index !== undefined) picks.push(index);
  }
  const image = imageShapeOf(info);
  const px = imageSize(image);
  const reconInputs = toUnitFloats(test.images, picks, px);
  const pairInputs = toUnitFloats(test.images, [0, 1], px);
  return {
    image,
    reconCount: picks.length,
    reconInputs,
    reconX: tf.tensor2d(reconInputs, [picks.length, px]),
    sampleZ: tf.randomNormal(
      [SAMPLE_COUNT, settings.latentDim],
      0,
      1,
      'float32',
      settings.seed + 7,
    ),
    pairInputs,
    pairX: tf.tensor2d(pairInputs, [2, px]),
  };
}

/** Why a backend cannot train conv, in words for the page. */
export function convBackendProblem(backend: string, missing: string[]): string {
  return (
    `the ${backend} backend cannot train the conv architecture: it has no ` +
    `${missing.join(', ')} kernel (the gradient of the convolution weights). ` +
    'Pick another backend (the automatic choice finds one), or the mlp architecture'
  );
}

/** Problems with run settings, in words for the page (empty when valid). */
export function validateSettings(s: RunSettings): string[] {
  const problems = validateModelConfig({
    architecture: s.architecture,
    variant: s.variant,
    latentDim: s.latentDim,
    hiddenUnits: s.hiddenUnits,
    image: MNIST_IMAGE,
    seed: s.seed,
  });
  if (
    !Number.isInteger(s.batchSize) ||
    s.batchSize < BATCH_SIZE_RANGE.min ||
    s.batchSize > BATCH_SIZE_RANGE.max
  ) {
    problems.push(
      `batch size must be a whole number from ${BATCH_SIZE_RANGE.min} to ${BATCH_SIZE_RANGE.max}`,
    );
  }
  if (s.dataset !== 'mnist' && s.dataset !== 'fashion-mnist' && s.dataset !== 'user') {
    problems.push('unknown data set');
  }
  return problems;
}
