/**
 * The quality panel's model side, in its own worker so that measuring never stalls training:
 * test ELBO and IWAE bound (nats, dynamically binarised test images), Frechet classifier
 * distance between test images and prior samples, and the classifier's histogram of prior
 * samples (mode coverage). It holds the latest weight snapshot of each run (the main run and the
 * plain-VAE comparison run) and measures one on request.
 * No DOM and no comlink here, so the same class runs under Node for the tests.
 */
import * as tf from '../../../model/tf';
import {
  CLASSIFIER_CLASSES,
  CLASSIFIER_FEATURES,
  classifyAll,
  parseClassifierManifest,
  weightsFromArray,
  type ClassifierEntry,
} from '../../../model/classifier';
import { fitGaussian, frechetDistance, modeCoverage, type Gaussian } from '../../../model/frechet';
import { manifoldScores } from '../../../model/manifold';
import { binarize, likelihoodBounds, mean, priorSamples } from '../../../model/quality';
import { loadNetwork } from '../../../model/serialize';
import { selectBackend } from '../../../runtime/backend';
import type { BuiltinDatasetId, DatasetId, FetchBytes } from '../../../shared/dataset';
import { loadTestSplit, loadTrainImages } from '../../../shared/test-split';
import { composeGrid, toUnitFloats } from '../../../shared/image-grid';
import { memorisationCheck, type TrainImages } from './memorisation';
import type { BackendInfo, WeightsSnapshot } from '../../training/shared/protocol';
import {
  BINARIZE_SEED,
  CLASS_SAMPLES_MAX,
  type ClassSamples,
  IWAE_SEED,
  K_RANGE,
  MANIFOLD_K,
  MANIFOLD_MAX_SAMPLES,
  MEMORISATION_RANGE,
  type MemorisationResult,
  SAMPLES_RANGE,
  SAMPLES_SEED,
  type QualityInit,
  type QualityRequest,
  type QualityResult,
  type RunKey,
} from '../shared/quality-protocol';

export * from '../shared/quality-protocol';

interface Snapshot {
  step: number;
  modelId: number;
  dataset: DatasetId;
  latentDim: number;
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  generator: tf.LayersModel;
  users: number;
  retired: boolean;
}

type TestSet = Awaited<ReturnType<typeof loadTestSplit>>;

interface Classifier {
  entry: ClassifierEntry;
  weights: tf.Tensor[];
}

/** Test images' classifier features and their Gaussian, per data set and count. */
interface Reference {
  features: Float32Array;
  gaussian: Gaussian;
}

/** A measurement's prior samples and their classes, kept for the class gallery. */
interface SampleSet {
  step: number;
  modelId: number;
  images: Float32Array;
  predictions: Uint8Array;
}

function checkWhole(value: number, range: { min: number; max: number }, what: string) {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${what} must be a whole number from ${range.min} to ${range.max}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class QualityEvaluator {
  private datasetsBaseUrl = '';
  private classifiersBaseUrl = '';
  private backend: BackendInfo | undefined;
  private readonly runs = new Map<RunKey, Snapshot>();
  private readonly testSets = new Map<DatasetId, Promise<TestSet>>();
  private readonly binarized = new Map<DatasetId, Float32Array>();
  private readonly classifiers = new Map<DatasetId, Promise<Classifier>>();
  /** Test-image features and their Gaussian per data set and sample count. */
  private readonly reference = new Map<string, Reference>();
  private readonly trainSets = new Map<DatasetId, Promise<TrainImages>>();
  /** The last measurement's samples of each run, for "show the samples of this class". */
  private readonly lastSamples = new Map<RunKey, SampleSet>();
  /** Measurements run one at a time: they share the cores with training. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly fetchBytes: FetchBytes) {}

  async init(request: QualityInit): Promise<BackendInfo> {
    this.datasetsBaseUrl = request.datasetsBaseUrl;
    this.classifiersBaseUrl = request.classifiersBaseUrl;
    this.backend = await selectBackend(request.backend);
    return this.backend;
  }

  /** Replaces a run's networks with a trainer snapshot. */
  async loadWeights(run: RunKey, snapshot: WeightsSnapshot): Promise<{ step: number }> {
    if (!this.backend) throw new Error('The quality worker has not been initialised');
    const encoder = await loadNetwork(snapshot.encoder);
    const decoder = await loadNetwork(snapshot.decoder);
    const generator = snapshot.generator ? await loadNetwork(snapshot.generator) : decoder;
    const previous = this.runs.get(run);
    this.runs.set(run, {
      step: snapshot.step,
      modelId: snapshot.modelId,
      dataset: snapshot.dataset,
      latentDim: snapshot.latentDim,
      encoder,
      decoder,
      generator,
      users: 0,
      retired: false,
    });
    if (previous) this.retire(previous);
    // Fetch what measuring this data set needs now, while the page is surely online: a later
    // measurement then works offline. A failure here is only reported by that measurement
    // (which tries again).
    void Promise.allSettled([this.testSet(snapshot.dataset), this.classifier(snapshot.dataset)]);
    return { step: snapshot.step };
  }

  /** Forgets a run (the comparison run was stopped). */
  dropRun(run: RunKey) {
    const previous = this.runs.get(run);
    this.runs.delete(run);
    this.lastSamples.delete(run);
    if (previous) this.retire(previous);
  }

  /** Measures a run's latest snapshot. Requests queue behind each other. */
  evaluate(request: QualityRequest): Promise<QualityResult> {
    return this.queued(() => this.measure(request));
  }

  /** Runs `task` after every measurement queued before it (they share the cores). */
  private queued<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The last measurement's prior samples that the classifier put in class `label` (the first
   * CLASS_SAMPLES_MAX of them), so a click on the coverage histogram shows what it counted.
   */
  classSamples(run: RunKey, label: number): ClassSamples {
    const set = this.lastSamples.get(run);
    if (!set) throw new Error('Measure first: the samples come from the last measurement');
    if (!Number.isInteger(label) || label < 0 || label >= CLASSIFIER_CLASSES) {
      throw new Error(`Class must be a whole number from 0 to ${CLASSIFIER_CLASSES - 1}`);
    }
    const picks: number[] = [];
    let total = 0;
    set.predictions.forEach((p, i) => {
      if (p !== label) return;
      total += 1;
      if (picks.length < CLASS_SAMPLES_MAX) picks.push(i);
    });
    const cells = new Float32Array(picks.length * 784);
    picks.forEach((i, k) => cells.set(set.images.subarray(i * 784, (i + 1) * 784), k * 784));
    return {
      run,
      step: set.step,
      label,
      total,
      grid: picks.length > 0 ? composeGrid(cells, picks.length, { cols: 12, gap: 1 }) : null,
    };
  }

  /** The nearest training image of each of `count` prior samples of a run's latest snapshot. */
  memorisation(run: RunKey, count: number): Promise<MemorisationResult> {
    checkWhole(count, MEMORISATION_RANGE, 'Samples to check');
    return this.queued(async () => {
      const s = this.runs.get(run);
      if (!s) throw new Error('No weights yet: the quality panel waits for the trainer');
      const test = await this.testSet(s.dataset);
      const train = await this.trainSet(s.dataset);
      s.users += 1;
      try {
        return await memorisationCheck(
          { key: run, step: s.step, modelId: s.modelId, latentDim: s.latentDim },
          (z) => s.generator.predict(z) as tf.Tensor2D,
          train,
          test,
          count,
        );
      } finally {
        s.users -= 1;
        if (s.retired && s.users === 0) this.free(s);
      }
    });
  }

  private async measure(request: QualityRequest): Promise<QualityResult> {
    checkWhole(request.k, K_RANGE, 'k (importance samples)');
    const s = this.runs.get(request.run);
    if (!s) throw new Error('No weights yet: the quality panel waits for the trainer');
    const test = await this.testSet(s.dataset);
    checkWhole(request.images, { min: 1, max: test.count }, 'Test images');
    checkWhole(request.samples, { min: SAMPLES_RANGE.min, max: test.count }, 'Samples');
    const t0 = performance.now();
    s.users += 1;
    try {
      const x = this.binarizedTest(s.dataset, test, request.images);
      const bounds = await likelihoodBounds(
        {
          latentDim: s.latentDim,
          encode: (v) => s.encoder.predict(v) as tf.Tensor2D,
          decode: (z) => s.decoder.predict(z) as tf.Tensor2D,
        },
        x,
        request.images,
        { k: request.k, seed: IWAE_SEED, between: yieldNow },
      );
      let fcd: number | null = null;
      let manifold: ReturnType<typeof manifoldScores> | null = null;
      let histogram: number[] | null = null;
      let classesPresent: number | null = null;
      let classifierAccuracy: number | null = null;
      let classifierError = '';
      let classifier: Classifier | undefined;
      try {
        classifier = await this.classifier(s.dataset);
      } catch (error) {
        classifierError = errorText(error);
      }
      if (classifier) {
        classifierAccuracy = classifier.entry.testAccuracy;
        const samples = await priorSamples(
          (z) => s.generator.predict(z) as tf.Tensor2D,
          s.latentDim,
          request.samples,
          SAMPLES_SEED,
        );
        const fake = await classifyAll(classifier.weights, samples, request.samples);
        const real = await this.referenceFeatures(s.dataset, test, classifier, request.samples);
        fcd = frechetDistance(
          real.gaussian,
          fitGaussian(fake.features, request.samples, CLASSIFIER_FEATURES),
        );
        const n = Math.min(request.samples, MANIFOLD_MAX_SAMPLES);
        manifold = manifoldScores(
          real.features,
          n,
          fake.features,
          n,
          CLASSIFIER_FEATURES,
          MANIFOLD_K,
        );
        const coverage = modeCoverage(fake.predictions, CLASSIFIER_CLASSES);
        histogram = coverage.histogram;
        classesPresent = coverage.present;
        this.lastSamples.set(request.run, {
          step: s.step,
          modelId: s.modelId,
          images: samples,
          predictions: fake.predictions,
        });
      }
      return {
        run: request.run,
        step: s.step,
        modelId: s.modelId,
        dataset: s.dataset,
        k: request.k,
        images: request.images,
        samples: request.samples,
        elbo: mean(bounds.elbo),
        iwae: mean(bounds.iwae),
        fcd,
        histogram,
        classesPresent,
        precision: manifold?.precision ?? null,
        recall: manifold?.recall ?? null,
        density: manifold?.density ?? null,
        coverage: manifold?.coverage ?? null,
        manifoldCount: manifold?.realCount ?? null,
        classes: [...test.info.classes],
        classifierAccuracy,
        classifierError,
        ms: performance.now() - t0,
      };
    } finally {
      s.users -= 1;
      if (s.retired && s.users === 0) this.free(s);
    }
  }

  dispose() {
    for (const run of [...this.runs.keys()]) this.dropRun(run);
    for (const c of this.classifiers.values())
      void c.then(
        (k) => tf.dispose(k.weights),
        () => {},
      );
    this.classifiers.clear();
  }

  private retire(s: Snapshot) {
    s.retired = true;
    if (s.users === 0) this.free(s);
  }

  private free(s: Snapshot) {
    s.encoder.dispose();
    s.decoder.dispose();
    if (s.generator !== s.decoder) s.generator.dispose();
  }

  private testSet(dataset: DatasetId): Promise<TestSet> {
    const id = builtin(dataset);
    let p = this.testSets.get(id);
    if (!p) {
      p = loadTestSplit(id, this.datasetsBaseUrl, this.fetchBytes);
      p.catch(() => this.testSets.delete(id));
      this.testSets.set(id, p);
    }
    return p;
  }

  /** The first `count` test images, binarised; draws are made image after image, so a longer
   * prefix extends a shorter one and one cache per data set serves every count. */
  private binarizedTest(id: DatasetId, test: TestSet, count: number): Float32Array {
    const cached = this.binarized.get(id);
    if (cached && cached.length >= count * 784) return cached.subarray(0, count * 784);
    const all = binarize(
      test.images,
      Array.from({ length: count }, (_, i) => i),
      BINARIZE_SEED,
    );
    this.binarized.set(id, all);
    return all;
  }

  private classifier(id: DatasetId): Promise<Classifier> {
    let p = this.classifiers.get(id);
    if (!p) {
      p = this.loadClassifier(id);
      p.catch(() => this.classifiers.delete(id));
      this.classifiers.set(id, p);
    }
    return p;
  }

  private async loadClassifier(dataset: DatasetId): Promise<Classifier> {
    const id = builtin(dataset);
    const base = this.classifiersBaseUrl.endsWith('/')
      ? this.classifiersBaseUrl
      : `${this.classifiersBaseUrl}/`;
    let manifestJson: unknown;
    try {
      manifestJson = JSON.parse(
        new TextDecoder().decode(await this.fetchBytes(`${base}manifest.json`)),
      );
    } catch (error) {
      const text = errorText(error);
      // Not there (a checkout without the classifiers) or not reachable (offline): different fixes.
      const fix = /HTTP 404/.test(text)
        ? 'run npm run train:classifiers'
        : 'the network may be down; the next measurement tries again';
      throw new Error(`No classifier manifest (${text}); ${fix}`, { cause: error });
    }
    const entry = parseClassifierManifest(manifestJson).classifiers[id];
    if (!entry) throw new Error(`No classifier for ${id}; run npm run train:classifiers`);
    const bytes = await this.fetchBytes(`${base}${entry.weights}`);
    if (bytes.byteLength % 4 !== 0) throw new Error(`${entry.weights}: not float32 data`);
    const values = new Float32Array(bytes.slice().buffer);
    return { entry, weights: weightsFromArray(values) };
  }

  /**
   * Features of the first `count` test images (intensities, as the classifier saw them) and
   * their Gaussian.
   */
  private async referenceFeatures(
    id: DatasetId,
    test: TestSet,
    classifier: Classifier,
    count: number,
  ): Promise<Reference> {
    const key = `${id}:${count}`;
    const cached = this.reference.get(key);
    if (cached) return cached;
    const images = toUnitFloats(
      test.images,
      Array.from({ length: count }, (_, i) => i),
    );
    const { features } = await classifyAll(classifier.weights, images, count);
    const reference = { features, gaussian: fitGaussian(features, count, CLASSIFIER_FEATURES) };
    this.reference.set(key, reference);
    return reference;
  }

  /** The training images of a data set, loaded once on the first memorisation check. */
  private trainSet(dataset: DatasetId): Promise<TrainImages> {
    const id = builtin(dataset);
    let p = this.trainSets.get(id);
    if (!p) {
      p = loadTrainImages(id, this.datasetsBaseUrl, this.fetchBytes);
      p.catch(() => this.trainSets.delete(id));
      this.trainSets.set(id, p);
    }
    return p;
  }
}

/** The quality measures need the held-out split and the project's classifier of a built-in set. */
function builtin(id: DatasetId): BuiltinDatasetId {
  if (id === 'user') {
    throw new Error(
      'The quality measures are computed on MNIST and Fashion-MNIST only: there is no classifier for your own images.',
    );
  }
  return id;
}
