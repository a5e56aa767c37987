/**
 * The run being trained: the adopted model and what came with it (settings, data set, batch
 * order, the pictures' fixed inputs, learning rates), what it has done (steps, training time,
 * curves), and what is done to it: a step, a report, the pictures and the explorer's weights.
 * The trainer (trainer.ts) decides when; this knows how. Every model arrives by one path, adopt,
 * whether built fresh (configure, reset), imported, or rebuilt after a lost device.
 */
import * as tf from '../../../model/tf';
import {
  type Hyperparams,
  DEFAULT_HYPERPARAMS,
  imageSize,
  phaseOneOnly,
} from '../../../shared/config';
import { type Dataset, type DatasetId, imageShapeOf } from '../../../shared/dataset';
import { gflops, trainStepMacs } from '../../../shared/flops';
import { compactHistory, MAX_HISTORY_POINTS } from '../../../shared/history';
import { saveNetwork } from '../../../model/serialize';
import { VaeGan } from '../../../model/vaegan';
import { unlessLost } from '../../../runtime/device-loss';
import { userDatasetRef } from '../../image-import/shared/user-dataset';
import type { RunManifest } from '../../run-archive/shared/format';
import type { MetricsPoint, RunSettings, TrainerEvent } from '../shared/protocol';
import { BatchSampler } from './batch-sampler';
import type { Device } from './device-recovery';
import { GoodCopies, type Restored, type SnapshotMeta } from './good-copies';
import { findDivergence } from './guard';
import {
  composePictures,
  decodePictures,
  type Display,
  disposeDisplay,
  makeDisplay,
} from './pictures';
import { meanMetrics, PendingMetrics, Readbacks, readNorms, SpeedMeter } from './reporting';
import { type Arrival, exportRunZip } from './run-transfer';
import type { TrainingData } from './training-data';
import { snapshotRun } from '../../run-archive/worker/encode';
import { BudgetKeeper, measurementArtifacts, type SaveBest } from './budget-keeper';
import {
  budgetFraction,
  epochsAt,
  lrFactor,
  type RunCounters,
  stepsPerEpoch,
} from '../shared/budget';
import type { WeightsSnapshot } from '../shared/protocol';

/**
 * What a report found: all well (`at`: when a curve point was sent, absent when there was
 * nothing to report), a device that is gone, or a divergence the guard answered, and how.
 */
export type ReportOutcome =
  { kind: 'ok'; at?: number } | { kind: 'lost' } | { kind: 'restored' | 'paused'; message: string };

export interface RunDeps {
  now: () => number;
  /** Steps between the divergence guard's last-good copies. */
  snapshotEvery: number;
  emit: (event: TrainerEvent) => void;
  /** The backend the run is on: its readbacks race against the loss of its device. */
  device: Device;
  /** Whether the trainer is training now, and since when: a curve point's training time. */
  training: () => boolean;
  resumedAt: () => number;
  /** Where auto-stop keeps its best copy (the worker's IndexedDB unless a test gives another). */
  saveBest?: SaveBest;
}

/** A batch drawn a step early, for the step it names (model/vaegan.ts StepOptions.next). */
interface EarlyBatch {
  indices: Uint32Array;
  /** The batch itself; undefined while training is stopped (made again from the indices). */
  x: tf.Tensor2D | undefined;
  /** Unique in this worker, so a product started for it serves only it. */
  token: number;
  /** The step it was made for, and whether it was binarised for that step. */
  step: number;
  binarize: boolean;
}

/** The last token given to a batch drawn a step early. */
let batchTokens = 0;

export class TrainingRun {
  model: VaeGan | undefined;
  /** The settings and data set of the last model: reset and recovery build from them. */
  settings: RunSettings | undefined;
  dataset: Dataset | undefined;
  hp: Hyperparams = { ...DEFAULT_HYPERPARAMS };
  step = 0;
  /** Milliseconds spent training, up to the last pause. */
  trainingMs = 0;
  /** Every curve point sent for this model, for exports and checkpoints. */
  history: MetricsPoint[] = [];
  /** Bumped whenever the model is replaced, so a stale loop or render stops at once. */
  generation = 0;
  private sampler: BatchSampler | undefined;
  /**
   * The next step's batch, drawn during this one: the compiled step starts that step's first
   * product with it before the step ends (the sampler is then one batch ahead of `step`; a
   * restored run draws the same batch at that step, since advance(step) puts it there).
   */
  private early: EarlyBatch | undefined;
  private display: Display | undefined;
  private readonly pending = new PendingMetrics();
  private readonly readbacks = new Readbacks();
  private readonly speed = new SpeedMeter();
  private readonly guard: GoodCopies;
  /** The training budget and auto-stop's state, which belong to the run. */
  readonly budget: BudgetKeeper;

  constructor(private readonly deps: RunDeps) {
    this.guard = new GoodCopies(deps.snapshotEvery, deps.now);
    this.budget = new BudgetKeeper(deps.saveBest);
  }

  /**
   * Switches to the data set `id` (the user's images for "user"), freeing the model first when
   * it changes: the old set may be collected before the new one arrives.
   */
  async useDataset(id: DatasetId, data: TrainingData) {
    if (id === 'user') {
      if (this.dataset !== data.user) {
        this.disposeModel();
        this.dataset = data.user;
      }
    } else if (this.dataset?.info.id !== id) {
      this.disposeModel();
      this.dataset = undefined;
      this.dataset = await data.load(id);
    }
  }

  /**
   * A new model for `settings` on `dataset`, with the learning rates in force, at step 0. The
   * old model is freed first, so that two never take memory at once.
   */
  fresh(settings: RunSettings, dataset: Dataset): Arrival {
    this.disposeModel();
    const model = new VaeGan(
      {
        architecture: settings.architecture,
        variant: settings.variant,
        latentDim: settings.latentDim,
        hiddenUnits: settings.hiddenUnits,
        hiddenLayers: settings.hiddenLayers,
        image: imageShapeOf(dataset.info),
        seed: settings.seed,
      },
      this.hp,
    );
    return { model, settings, dataset, hyperparams: this.hp, step: 0, trainingMs: 0, history: [] };
  }

  /**
   * The one way a model becomes the run's: the old one is freed and every loop or render on it
   * stops; the batch order continues where the model's steps left it, the pictures get their
   * fixed inputs, and the model is the guard's first good copy.
   */
  adopt(arrival: Arrival) {
    const { model, settings, dataset, step } = arrival;
    this.disposeModel();
    this.generation += 1;
    this.model = model;
    this.settings = settings;
    this.dataset = dataset;
    this.hp = { ...arrival.hyperparams };
    this.sampler = new BatchSampler(
      dataset.train.images,
      dataset.train.count,
      settings.seed,
      imageSize(model.config.image),
    );
    this.sampler.advance(step, settings.batchSize);
    this.display = makeDisplay(dataset, settings);
    this.step = step;
    this.trainingMs = arrival.trainingMs;
    this.speed.restart();
    this.history = arrival.history;
    this.budget.restart({
      ...(arrival.budget ? { budget: arrival.budget } : {}),
      ...(arrival.autoStop ? { autoStop: arrival.autoStop } : {}),
    });
    this.guard.adopt(model, this.snapshotMeta());
  }

  /** Steps in one epoch of the run's data at its batch size (NaN before a model). */
  get stepsPerEpoch(): number {
    if (!this.settings || !this.dataset) return Number.NaN;
    return stepsPerEpoch(this.dataset.train.count, this.settings.batchSize);
  }

  /** Training time so far, the stretch since the last resume included. */
  trainingMsNow(): number {
    return this.trainingMs + (this.deps.training() ? this.deps.now() - this.deps.resumedAt() : 0);
  }

  /** Where the run stands in steps, epochs and training time. */
  counters(): RunCounters {
    const train = this.dataset?.train.count ?? Number.NaN;
    return {
      step: this.step,
      epochs: epochsAt(this.step, train, this.settings?.batchSize ?? Number.NaN),
      trainingMs: this.trainingMsNow(),
    };
  }

  /** The factor the budget's learning-rate schedule puts on all three rates now. */
  lrFactor(): number {
    const { budget } = this.budget;
    return lrFactor(budget.lrSchedule, budgetFraction(budget, this.counters()));
  }

  /** What a copy of the run records besides its tensors. */
  private snapshotMeta(trainingMs = this.trainingMs): SnapshotMeta {
    const userDataset = this.settings!.dataset === 'user' ? this.dataset : undefined;
    return {
      settings: { ...this.settings! },
      image: this.model!.config.image,
      ...(userDataset ? { userDataset: userDatasetRef(userDataset) } : {}),
      hyperparams: { ...this.hp },
      budget: { ...this.budget.budget },
      autoStop: structuredClone(this.budget.autoStop),
      step: this.step,
      trainingMs,
      history: this.history,
    };
  }

  /** Frees the model and everything on the device that belongs to it. */
  disposeModel() {
    this.early?.x?.dispose();
    this.early = undefined;
    this.pending.dispose();
    this.guard.dispose();
    this.model?.dispose();
    this.model = undefined;
    if (this.display) disposeDisplay(this.display);
    this.display = undefined;
  }

  /**
   * Lets go of a model whose device is gone: every loop and render on it stops, and what can
   * still be freed is. Returns the step it had reached and the copy to rebuild it from.
   */
  abandon() {
    const step = this.step;
    const copy = this.guard.hostCopy;
    this.generation += 1;
    try {
      // Their tensors lived on the dead device; free what can be freed.
      this.disposeModel();
    } catch {
      this.model = undefined;
    }
    this.guard.forget();
    return { step, copy };
  }

  /** Starts measuring the speed afresh (training starts or resumes). */
  resumeSpeed(time: number) {
    this.speed.restart(time, this.step);
  }

  /**
   * One step. Synchronous unless the equilibrium gate is on: the gate reads D's two
   * cross-entropies back before phases 2 and 3 (one small readback per step).
   * @param measureGradients the step also sums its squared gradients per network on the device,
   *   for the norms chart (asked for the last step before a report; read back with it)
   */
  async trainOne(measureGradients = false) {
    const model = this.model!;
    const factor = this.lrFactor();
    const hp =
      factor === 1
        ? this.hp
        : {
            ...this.hp,
            lrVae: this.hp.lrVae * factor,
            lrD: this.hp.lrD * factor,
            lrG: this.hp.lrG * factor,
          };
    // [batch, pixels]; binarised afresh for this step when the switch is on. The batch drawn
    // during the last step is this one's; the next is drawn now, for the step to start on.
    const batch = this.batchFor(this.step, hp.binarize);
    const early = this.drawBatch(this.step + 1, hp.binarize);
    this.early = early;
    const options = { batchToken: batch.token, next: { x: early.x!, token: early.token } };
    let metrics: tf.Tensor1D; // [METRIC_NAMES.length]
    if (measureGradients) model.gradients.measureNextStep();
    try {
      metrics = hp.equilibriumGate
        ? await model.trainStepAsync(batch.x!, hp, options)
        : model.trainStep(batch.x!, hp, undefined, options);
    } finally {
      batch.x!.dispose();
    }
    const gradients = model.gradients.take(); // [4] or null
    if (model !== this.model) {
      tf.dispose(gradients ? [metrics, gradients] : [metrics]); // replaced while the gate waited
      return;
    }
    this.pending.push(metrics);
    if (gradients) this.pending.pushGradients(gradients);
    this.step += 1;
  }

  /** A new batch for `step` from the sampler, with a token of its own. */
  private drawBatch(step: number, binarize: boolean): EarlyBatch {
    const indices = this.sampler!.draw(this.settings!.batchSize);
    batchTokens += 1;
    const x = this.sampler!.batchOf(indices, binarize ? step : undefined);
    return { indices, x, token: batchTokens, step, binarize };
  }

  /**
   * The batch of `step`: the one drawn early, remade from its images when it was binarised
   * for another step (the guard rewound the count) or the switch has changed since; else a new
   * draw. The sampler's order is the same either way.
   */
  private batchFor(step: number, binarize: boolean): EarlyBatch {
    const early = this.early;
    this.early = undefined;
    if (!early) return this.drawBatch(step, binarize);
    if (early.x && early.binarize === binarize && (!binarize || early.step === step)) return early;
    early.x?.dispose();
    const x = this.sampler!.batchOf(early.indices, binarize ? step : undefined);
    return { ...early, x, step, binarize, token: 0 };
  }

  /**
   * Training stops (pause, a single step): the batch drawn for the next step is freed and kept
   * as its images' indices, made again when training goes on, so the batch order is the same.
   * A product started for it is not used then (its token is dropped).
   */
  releaseEarlyBatch() {
    const early = this.early;
    if (!early?.x) return;
    early.x.dispose();
    early.x = undefined;
    early.token = 0;
  }

  /**
   * Reads the metrics of the steps since the last report back, with the divergence guard's
   * probe of the weights, in one readback; then either sends one curve point (their mean) or,
   * when something went NaN or infinite, restores the last good copy.
   * @param force a single step (the speed is not measured then)
   */
  async report(force = false): Promise<ReportOutcome> {
    const model = this.model;
    if (this.pending.length === 0 || !model) return { kind: 'ok' };
    const { device } = this.deps;
    const generation = this.generation;
    const { readback, steps } = this.pending.take(model);
    let raw: Float32Array;
    try {
      raw = await this.readbacks.read(readback, device.watch);
    } catch (error) {
      if (device.isLost) return { kind: 'lost' };
      throw error;
    }
    if (device.isLost) return { kind: 'lost' };
    if (generation !== this.generation) return { kind: 'ok' };
    const divergence = findDivergence(raw, steps, this.step);
    const training = this.deps.training();
    if (divergence) return this.rewind(this.guard.restore(model, divergence, this.hp, training));
    const t = this.deps.now();
    const rate = this.speed.sample(t, this.step);
    const stepsPerSec = force ? 0 : rate;
    const norms = readNorms(raw, steps);
    const point: MetricsPoint = {
      step: this.step,
      time: this.trainingMs + (training ? t - this.deps.resumedAt() : 0),
      values: meanMetrics(raw, steps),
      stepsPerSec,
      imagesPerSec: stepsPerSec * this.settings!.batchSize,
      ...(norms ? { norms } : {}),
    };
    // The norms are for the live chart only: the kept history (exports, checkpoints) stays lean.
    const { norms: _norms, ...kept } = point;
    this.history.push(kept);
    if (this.history.length > MAX_HISTORY_POINTS) this.history = compactHistory(this.history);
    // GFLOP/s of the step as tfjs's autograd would run it (the compiled step skips some of
    // those products by reusing work, and still counts them: the same model and step).
    const macs = phaseOneOnly(this.hp)
      ? trainStepMacs(model.config)?.vae
      : trainStepMacs(model.config, this.hp.ganOnly || this.hp.gamma > 0)?.total;
    this.deps.emit({
      type: 'metrics',
      point,
      ...(macs !== undefined && !force ? { gflops: gflops(macs, point.imagesPerSec) } : {}),
    });
    await this.guard.keep(
      model,
      this.step,
      () => this.snapshotMeta(),
      () => generation === this.generation,
      device,
    );
    return { kind: 'ok', at: t };
  }

  /**
   * After the guard restored its good copy: the steps since are dropped from the count and the
   * curves, and the blamed learning rate halved; the page hears of both.
   */
  private rewind(restored: Restored): ReportOutcome {
    this.step = restored.step;
    // The next batch stays the sampler's next, but the product started for it is not used.
    if (this.early) this.early.token = 0;
    this.history = this.history.filter((p) => p.step <= restored.step);
    this.speed.restart(this.deps.now(), this.step);
    this.deps.emit({ type: 'history', points: this.history.slice() });
    if (!restored.hyperparams) return { kind: 'paused', message: restored.message };
    this.hp = restored.hyperparams;
    this.deps.emit({
      type: 'hyperparams',
      hyperparams: { ...this.hp },
      fromStep: this.step + 1,
      byGuard: true,
    });
    return { kind: 'restored', message: restored.message };
  }

  /** On a GPU backend, the last good copy read back into worker memory (good-copies.ts). */
  refreshHostCopy() {
    const { device } = this.deps;
    return this.guard.refreshHostCopy(device.backend?.name, device.watch);
  }

  /** Decodes the fixed inputs and sends the three pictures (one readback for all of them). */
  async renderImages() {
    const model = this.model;
    const display = this.display;
    if (!model || !display) return;
    const generation = this.generation;
    const data = await this.readbacks.read(decodePictures(model, display), this.deps.device.watch);
    if (generation !== this.generation) return;
    this.deps.emit({ type: 'images', images: composePictures(data, display, this.step) });
  }

  /**
   * Sends a copy of the networks (Layers artifacts, buffers transferred) for the latent
   * explorer, which decodes (and scores with D) in its own worker without waiting for training
   * steps, and for the quality measures.
   */
  async sendWeights() {
    const model = this.model;
    if (!model || !this.settings) return;
    const generation = this.generation;
    const step = this.step;
    const [encoder, decoder, generator, discriminator] = await unlessLost(
      this.deps.device.watch,
      Promise.all([
        saveNetwork(model.encoder),
        saveNetwork(model.decoder),
        model.generator === model.decoder ? undefined : saveNetwork(model.generator),
        saveNetwork(model.discriminator),
      ]),
    );
    if (generation !== this.generation) return;
    this.deps.emit({
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
        discriminator,
      },
    });
  }

  /**
   * A copy of the encoder, decoder and generator for the quality worker to measure, taken with
   * the whole run (weights and Adam state) in one synchronous pass; the run's copy stays pinned
   * in the budget keeper until its figure comes back, so auto-stop can keep exactly those
   * weights if they are the best.
   */
  async pinForMeasurement(): Promise<WeightsSnapshot> {
    const model = this.model;
    if (!model || !this.settings) throw new Error('There is no model to measure yet.');
    const generation = this.generation;
    const snapshot = snapshotRun(model, this.snapshotMeta(this.trainingMsNow()));
    const topologies = {
      encoder: model.encoder.toJSON(null, false) as object,
      decoder: model.decoder.toJSON(null, false) as object,
      ...(model.generator === model.decoder
        ? {}
        : { generator: model.generator.toJSON(null, false) as object }),
    };
    this.budget.pin(generation, snapshot);
    const nets = await measurementArtifacts(snapshot, topologies, (w) => tf.io.encodeWeights(w));
    return {
      step: snapshot.step,
      modelId: generation,
      dataset: this.settings.dataset,
      ...(this.dataset?.info.fingerprint ? { fingerprint: this.dataset.info.fingerprint } : {}),
      latentDim: model.config.latentDim,
      encoder: nets.encoder!,
      decoder: nets.decoder!,
      ...(nets.generator ? { generator: nets.generator } : {}),
    };
  }

  /** The fixed prior noise of the sample grid, [64 * latentDim], or undefined before a model. */
  async sampleNoise(): Promise<Float32Array | undefined> {
    const display = this.display;
    if (!display) return undefined;
    return (await display.sampleZ.data()) as Float32Array;
  }

  /** The run as a zip; `runningMs` is the training time since the last resume. */
  async exportZip(runningMs: number): Promise<{ bytes: Uint8Array; manifest: RunManifest }> {
    const model = this.model;
    if (!model || !this.settings) throw new Error('There is no model to export yet.');
    return exportRunZip(model, this.snapshotMeta(this.trainingMs + runningMs));
  }

  /**
   * Of this worker's tensors, the ones that only live between two reports: the metrics of the
   * steps since the last report (one small tensor a step), the readbacks awaiting their data and
   * the next step's batch, drawn early.
   */
  get transientTensors(): number {
    return this.pending.length + this.readbacks.count + (this.early?.x ? 1 : 0);
  }

  /** The step of the guard's last good copy, if there is one. */
  get goodCopyStep(): number | null {
    return this.guard.step;
  }

  /** Frees every tensor and stops whatever still runs on the model. */
  dispose() {
    this.generation += 1;
    this.disposeModel();
    this.budget.dispose();
    this.dataset = undefined;
  }
}
