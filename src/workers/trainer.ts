/**
 * The training loop that runs inside the worker: owns the backend, the data, the model and the
 * run status, and reports curves and pictures through one listener at a bounded rate.
 * No DOM and no comlink here, so the same class runs under Node for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_HYPERPARAMS,
  type Hyperparams,
  type ModelConfig,
  sanitizeHyperparams,
  validateModelConfig,
} from '../model/config';
import { mulberry32 } from '../model/random';
import { saveNetwork } from '../model/serialize';
import { METRIC_NAMES, type MetricName, VaeGan } from '../model/vaegan';
import { selectBackend } from './backend';
import {
  type Dataset,
  type FetchBytes,
  loadDataset,
  loadManifest,
  type DatasetManifest,
} from './dataset';
import { CELL, composeGrid, interleave, toUnitFloats } from './images';
import {
  disposeSnapshot,
  encodeRun,
  parseRunArchive,
  restoreRun,
  type RunManifest,
  snapshotRun,
} from './run-archive';
import {
  BATCH_SIZE_RANGE,
  type BackendInfo,
  type BackendRequest,
  type ImagesUpdate,
  type MetricsPoint,
  type RunSettings,
  type RunStatus,
  type TrainerEvent,
  type TrainerListener,
} from './protocol';

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

export interface TrainerDeps {
  fetchBytes: FetchBytes;
  /** Lets queued messages (pause, slider moves) in between two steps. */
  yieldToEvents?: () => Promise<void>;
  now?: () => number;
}

export interface InitRequest {
  backend: BackendRequest;
  /** Absolute URL of the folder holding manifest.json, e.g. "http://127.0.0.1:4173/datasets/". */
  datasetsBaseUrl: string;
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
  private readonly random: () => number;

  constructor(
    private readonly images: Uint8Array,
    private readonly count: number,
    seed: number,
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
    this.cursor = 0;
  }

  /** Moves on by `batches` batches without drawing them, as a restored run must. */
  advance(batches: number, batchSize: number) {
    for (let i = 0; i < batches; i++) {
      if (this.cursor + batchSize > this.count) this.shuffle();
      this.cursor += batchSize;
    }
  }

  /** The next batch as floats in [0, 1], [batchSize, 784]. */
  next(batchSize: number): tf.Tensor2D {
    if (this.cursor + batchSize > this.count) this.shuffle();
    const indices = this.order.subarray(this.cursor, this.cursor + batchSize);
    this.cursor += batchSize;
    return tf.tensor2d(toUnitFloats(this.images, indices), [batchSize, CELL * CELL]);
  }
}

/** Fixed inputs of the pictures, so the same images and noise are shown throughout a run. */
interface Display {
  reconInputs: Float32Array; // [RECON_COUNT * 784]
  reconX: tf.Tensor2D; // [RECON_COUNT, 784]
  sampleZ: tf.Tensor2D; // [SAMPLE_COUNT, latentDim]
  pairInputs: Float32Array; // [2 * 784]
  pairX: tf.Tensor2D; // [2, 784]
}

export class Trainer {
  private status: RunStatus = 'idle';
  private listener: TrainerListener = () => {};
  private readonly deps: Required<TrainerDeps>;
  private backend: BackendInfo | undefined;
  private baseUrl = '';
  private manifest: DatasetManifest | undefined;
  private dataset: Dataset | undefined;
  private settings: RunSettings | undefined;
  private model: VaeGan | undefined;
  private sampler: BatchSampler | undefined;
  private display: Display | undefined;
  private hp: Hyperparams = { ...DEFAULT_HYPERPARAMS };
  private step = 0;
  /** Sum of the metrics of the steps not yet reported, kept on the device: no readback per step. */
  private pending: tf.Tensor1D | undefined;
  private pendingSteps = 0;
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

  constructor(deps: TrainerDeps) {
    this.deps = {
      fetchBytes: deps.fetchBytes,
      yieldToEvents: deps.yieldToEvents ?? defaultYield(),
      now: deps.now ?? (() => performance.now()),
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
    this.setStatus('loading', 'Starting the backend');
    this.emit({ type: 'progress', phase: 'backend', fraction: 0, label: 'Starting the backend' });
    try {
      this.backend = await selectBackend(request.backend);
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
    if (problems.length > 0) {
      const message = `Invalid run settings: ${problems.join('; ')}`;
      this.emit({ type: 'notice', level: 'error', message });
      throw new Error(message);
    }
    await this.halt();
    this.setStatus('loading', 'Loading the data set');
    try {
      if (this.dataset?.info.id !== settings.dataset) {
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
    const config: ModelConfig = {
      architecture: 'mlp',
      variant: settings.variant,
      latentDim: settings.latentDim,
      hiddenUnits: settings.hiddenUnits,
      imagePixels: CELL * CELL,
      seed: settings.seed,
    };
    this.model = new VaeGan(config, this.hp);
    this.sampler = new BatchSampler(dataset.train.images, dataset.train.count, settings.seed);
    this.display = makeDisplay(dataset, settings);
    this.step = 0;
    this.trainingMs = 0;
    this.speedSamples = [];
    this.history = [];
  }

  private disposeModel() {
    this.pending?.dispose();
    this.pending = undefined;
    this.pendingSteps = 0;
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
    await this.report();
    await this.renderImages();
    await this.sendWeights();
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
      this.trainOne();
    } catch (error) {
      this.fail(error);
      return this.step;
    }
    await this.report(true);
    this.trainingMs += this.deps.now() - t0;
    await this.renderImages();
    await this.sendWeights();
    this.setStatus('paused');
    return this.step;
  }

  /** New weights from the same seed and settings; step 0, curves cleared by the page. */
  async reset(): Promise<RunStatus> {
    if (!this.settings || !this.dataset) return this.status;
    await this.halt();
    this.buildModel();
    await this.renderImages();
    await this.sendWeights();
    this.setStatus('ready');
    return this.status;
  }

  /** Accepts new weights and learning rates; they act on the next step. */
  setHyperparams(next: Partial<Hyperparams>): Hyperparams {
    this.hp = sanitizeHyperparams({ ...this.hp, ...next }, this.hp);
    this.emit({ type: 'hyperparams', hyperparams: { ...this.hp }, fromStep: this.step + 1 });
    return { ...this.hp };
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
        this.trainOne();
      } catch (error) {
        this.fail(error);
        return;
      }
      const t = now();
      if (t - this.lastReport >= REPORT_MS) await this.report();
      if (t - this.lastImages >= IMAGES_MS && this.status === 'training') {
        await this.renderImages();
        this.lastImages = now();
      }
      if (now() - this.lastWeights >= WEIGHTS_MS && this.status === 'training') {
        await this.sendWeights();
        this.lastWeights = now();
      }
      await yieldToEvents();
    }
  }

  private trainOne() {
    const model = this.model!;
    const x = this.sampler!.next(this.settings!.batchSize); // [batch, 784]
    const metrics = model.trainStep(x, this.hp); // [7]
    x.dispose();
    const previous = this.pending;
    this.pending = previous ? tf.add<tf.Tensor1D>(previous, metrics) : metrics;
    if (previous) {
      previous.dispose();
      metrics.dispose();
    }
    this.pendingSteps += 1;
    this.step += 1;
  }

  /** Reads the summed metrics back (one readback per report) and sends one curve point. */
  private async report(force = false) {
    const sum = this.pending;
    const steps = this.pendingSteps;
    if (!sum || steps === 0) return;
    this.pending = undefined;
    this.pendingSteps = 0;
    const generation = this.generation;
    const raw = await sum.data(); // waits for the queued GPU work too: natural back-pressure
    sum.dispose();
    if (generation !== this.generation) return;
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
    METRIC_NAMES.forEach((name, i) => (values[name] = raw[i]! / steps));
    const running = this.status === 'training' ? t - this.resumedAt : 0;
    const point: MetricsPoint = {
      step: this.step,
      time: this.trainingMs + running,
      values,
      stepsPerSec,
      imagesPerSec: stepsPerSec * this.settings!.batchSize,
    };
    this.history.push(point);
    this.emit({ type: 'metrics', point });
    const bad = METRIC_NAMES.filter((name) => !Number.isFinite(values[name]));
    if (bad.length > 0 && this.status === 'training') {
      this.status = 'paused';
      this.emit({
        type: 'notice',
        level: 'error',
        message:
          `Training diverged at step ${this.step}: ${bad.join(', ')} became NaN or infinite. ` +
          'Paused. Lower the learning rates, then press Reset.',
      });
      this.setStatus('paused');
    }
  }

  /** Decodes the fixed inputs and sends the three pictures (one readback for all of them). */
  private async renderImages() {
    const model = this.model;
    const display = this.display;
    if (!model || !display) return;
    const generation = this.generation;
    const stacked = tf.tidy(() => {
      const recon = model.reconstruct(display.reconX); // [RECON_COUNT, 784]
      const samples = model.generate(display.sampleZ); // [SAMPLE_COUNT, 784]
      const { mu } = model.encode(display.pairX); // [2, latentDim]
      const t = tf.linspace(0, 1, INTERPOLATION_STEPS).reshape([INTERPOLATION_STEPS, 1]);
      const [a, b] = tf.split(mu, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      const z = tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D; // [STEPS, latentDim]
      return tf.concat([recon, samples, model.decode(z)], 0); // [total, 784]
    });
    let data: Float32Array;
    try {
      data = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
    if (generation !== this.generation) return;
    const px = CELL * CELL;
    const recon = data.subarray(0, RECON_COUNT * px);
    const samples = data.subarray(RECON_COUNT * px, (RECON_COUNT + SAMPLE_COUNT) * px);
    const path = data.subarray((RECON_COUNT + SAMPLE_COUNT) * px);
    const strip = new Float32Array((INTERPOLATION_STEPS + 2) * px);
    strip.set(display.pairInputs.subarray(0, px), 0);
    strip.set(path, px);
    strip.set(display.pairInputs.subarray(px), (INTERPOLATION_STEPS + 1) * px);
    const images: ImagesUpdate = {
      step: this.step,
      reconstructions: composeGrid(interleave(display.reconInputs, recon), 2 * RECON_COUNT, {
        cols: 8,
        gap: 1,
        groupEvery: 2,
        groupGap: 3,
      }),
      samples: composeGrid(samples, SAMPLE_COUNT, { cols: 8, gap: 1 }),
      interpolation: composeGrid(strip, INTERPOLATION_STEPS + 2, {
        cols: INTERPOLATION_STEPS + 2,
        gap: 1,
        groupEvery: 1,
        groupGap: 0,
      }),
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
    const snapshot = snapshotRun(model, {
      settings: { ...this.settings },
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
      if (dataset?.info.id !== settings.dataset) {
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
    this.sampler = new BatchSampler(dataset!.train.images, dataset!.train.count, settings.seed);
    this.sampler.advance(parsed.manifest.step, settings.batchSize);
    this.display = makeDisplay(dataset!, settings);
    this.step = parsed.manifest.step;
    this.trainingMs = Number.isFinite(parsed.manifest.trainingMs) ? parsed.manifest.trainingMs : 0;
    this.speedSamples = [];
    this.history = parsed.history;
    this.emit({ type: 'settings', settings: { ...settings } });
    this.emit({ type: 'hyperparams', hyperparams: { ...this.hp }, fromStep: this.step + 1 });
    this.emit({ type: 'history', points: this.history.slice() });
    await this.renderImages();
    await this.sendWeights();
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
   * Sends a copy of the encoder and decoder (Layers artifacts, buffers transferred) for the
   * latent explorer, which decodes from it in its own worker without waiting for training steps.
   */
  private async sendWeights() {
    const model = this.model;
    if (!model || !this.settings) return;
    const generation = this.generation;
    const step = this.step;
    const [encoder, decoder, generator] = await Promise.all([
      saveNetwork(model.encoder),
      saveNetwork(model.decoder),
      model.generator === model.decoder ? undefined : saveNetwork(model.generator),
    ]);
    if (generation !== this.generation) return;
    this.emit({
      type: 'weights',
      weights: {
        step,
        modelId: generation,
        dataset: this.settings.dataset,
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
    this.dataset = undefined;
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
  const reconInputs = toUnitFloats(test.images, picks);
  const pairInputs = toUnitFloats(test.images, [0, 1]);
  const px = CELL * CELL;
  return {
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

/** Problems with run settings, in words for the page (empty when valid). */
export function validateSettings(s: RunSettings): string[] {
  const problems = validateModelConfig({
    architecture: 'mlp',
    variant: s.variant,
    latentDim: s.latentDim,
    hiddenUnits: s.hiddenUnits,
    imagePixels: CELL * CELL,
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
  if (s.dataset !== 'mnist' && s.dataset !== 'fashion-mnist') problems.push('unknown data set');
  return problems;
}
