/**
 * The latent explorer's model side, run in its own worker so decoding for the pad never waits
 * behind a training step: a copy of the encoder and decoder, rebuilt from the Layers artifacts
 * the trainer sends every few seconds, and the test set to embed and interpolate.
 * Architecture-agnostic: it only needs encoder(x) -> [mu, logvar] and decoder(z) -> logits.
 * The views built on the snapshot (the strip, the decoded plane and D's map, the posterior
 * statistics, the drawing, the traversals) live beside it and reach it through `access`.
 * No DOM and no comlink here, so the same class runs under Node for the tests. One class of
 * some 460 lines: every method shares the snapshot it holds and its use count.
 */
import * as tf from '../../../model/tf';
import { axisVector, pca, rangeFromPoints, type LatentPlane } from '../../../shared/latent';
import { imageSize, type ImageShape } from '../../../shared/config';
import { loadNetwork } from '../../../model/serialize';
import { selectBackend } from '../../../runtime/backend';
import {
  type DatasetId,
  type DatasetInfo,
  type FetchBytes,
  imageShapeOf,
} from '../../../shared/dataset';
import { singleImage, toUnitFloats } from '../../../shared/image-grid';
import type { BackendInfo, ImageGrid, WeightsSnapshot } from '../../training/shared/protocol';
import { loadTestSplit, type TestSet } from '../../../shared/test-split';
import type { ModelAccess } from './model-access';
import {
  type ExplorerInit,
  type LoadedWeights,
  type PlaneRequest,
  SCATTER_COUNT,
  type ScatterResult,
  type TestImageView,
} from '../shared/protocol';

/** Images per encoder call while embedding: small enough that pad decodes slip in between. */
const EMBED_CHUNK = 100;

/** One loaded snapshot; disposed when replaced and no call still uses it. */
interface Models {
  step: number;
  modelId: number;
  latentDim: number;
  image: ImageShape;
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** For D's map over the pad; absent from snapshots that do not carry it. */
  discriminator?: tf.LayersModel;
  users: number;
  retired: boolean;
  /** Encodings of the scatter images, [SCATTER_COUNT * latentDim], computed once per snapshot. */
  mus?: Float32Array;
  /** Their log-variances, for the posterior statistics. */
  logvars?: Float32Array;
}

function zeroDelayYield(): () => Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return () => new Promise((resolve) => setImmediate(resolve));
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0));
}

export class Explorer {
  private baseUrl = '';
  private backend: BackendInfo | undefined;
  private testSet: TestSet | undefined;
  private testSetLoading: Promise<TestSet> | undefined;
  /** The test split of the user's own images, sent by the page when they are loaded. */
  private userTestSet: TestSet | undefined;
  private models: Models | undefined;
  private readonly pause = zeroDelayYield();
  /** The previous principal axes, so a refresh does not flip the scatter's orientation. */
  private lastPca: { latentDim: number; u: Float32Array; v: Float32Array } | undefined;

  constructor(private readonly fetchBytes: FetchBytes) {}

  /** Starts a backend (wasm by default: fastest for one small decode on a CPU). */
  async init(request: ExplorerInit): Promise<BackendInfo> {
    this.baseUrl = request.datasetsBaseUrl;
    this.backend = await selectBackend(request.backend);
    return this.backend;
  }

  /** Rebuilds the encoder and decoder from a snapshot; loads the test set if it changed. */
  async loadWeights(snapshot: WeightsSnapshot): Promise<LoadedWeights> {
    if (!this.backend) throw new Error('The explorer worker has not been initialised');
    const testSet = await this.ensureTestSet(snapshot.dataset, snapshot.fingerprint);
    const encoder = await loadNetwork(snapshot.encoder);
    const decoder = await loadNetwork(snapshot.decoder);
    const discriminator = snapshot.discriminator
      ? await loadNetwork(snapshot.discriminator)
      : undefined;
    const inDim = decoder.inputs[0]?.shape.at(-1);
    const outDim = encoder.outputs[0]?.shape.at(-1);
    const pixels = decoder.outputs[0]?.shape.at(-1);
    if (pixels !== imageSize(testSet.image)) {
      encoder.dispose();
      decoder.dispose();
      discriminator?.dispose();
      throw new Error(
        `The decoder makes ${pixels} values per image, but ${testSet.info.name} images have ${imageSize(testSet.image)}`,
      );
    }
    if (inDim !== snapshot.latentDim || outDim !== 2 * snapshot.latentDim) {
      encoder.dispose();
      decoder.dispose();
      discriminator?.dispose();
      throw new Error(
        `Weights do not match latent size ${snapshot.latentDim} (decoder input ${inDim}, encoder output ${outDim})`,
      );
    }
    const previous = this.models;
    this.models = {
      step: snapshot.step,
      modelId: snapshot.modelId,
      latentDim: snapshot.latentDim,
      image: testSet.image,
      encoder,
      decoder,
      ...(discriminator ? { discriminator } : {}),
      users: 0,
      retired: false,
    };
    if (previous) this.retire(previous);
    return {
      step: snapshot.step,
      modelId: snapshot.modelId,
      latentDim: snapshot.latentDim,
      dataset: testSet.id,
      datasetName: testSet.info.name,
      classes: [...testSet.info.classes],
      testCount: testSet.count,
      image: testSet.image,
    };
  }

  /**
   * Takes the test split of the user's own images (the page decoded them; they cannot be
   * fetched). Snapshots of dataset "user" with this fingerprint embed and show these.
   */
  setUserTestSet(info: DatasetInfo, images: Uint8Array, labels: Uint8Array): void {
    const image = imageShapeOf(info);
    const count = labels.length;
    if (info.id !== 'user' || !info.fingerprint || images.length !== count * imageSize(image)) {
      throw new Error('The test images of your set are malformed');
    }
    if (labels.some((l) => l >= info.classes.length)) {
      throw new Error('A test label of your set is out of range');
    }
    this.userTestSet = { id: 'user', info, image, count, images, labels };
  }

  /** Decodes one code into an RGBA image (28 x 28 for MNIST), from the latest snapshot. */
  async decode(z: Float32Array): Promise<{ step: number; image: ImageGrid; ms: number }> {
    const t0 = performance.now();
    return this.use(async (m) => {
      this.checkCode(z, m.latentDim);
      const cells = await this.decodeCodes(m, z, 1);
      return { step: m.step, image: singleImage(cells, m.image), ms: performance.now() - t0 };
    });
  }

  /**
   * Embeds the first SCATTER_COUNT test images (mu of q(z|x)) and lays them on the requested
   * plane; the pad's range is mean +- 3 standard deviations of the points along each axis.
   */
  async scatter(request: PlaneRequest): Promise<ScatterResult> {
    return this.use(async (m) => {
      const test = this.requireTestSet();
      const d = m.latentDim;
      const count = Math.min(SCATTER_COUNT, test.count);
      const mus = await this.embed(m, test, count);
      const base =
        request.base === 'origin'
          ? new Float32Array(d)
          : mus.length >= (this.checkIndex(request.base) + 1) * d
            ? mus.slice(request.base * d, (request.base + 1) * d)
            : (await this.encodeImages(m, test, [request.base])).subarray(0, d);
      let u: Float32Array;
      let v: Float32Array;
      let axisNames: [string, string];
      let explained: [number, number] | null = null;
      if (request.mode === 'pca') {
        const result = pca(mus, count, d, 2);
        u = Float32Array.from(result.components[0]!);
        v = Float32Array.from(result.components[1]!);
        const last = this.lastPca;
        if (last && last.latentDim === d) {
          if (dot(u, last.u) < 0) u = u.map((x) => -x);
          if (dot(v, last.v) < 0) v = v.map((x) => -x);
        }
        this.lastPca = { latentDim: d, u, v };
        const total = result.totalVariance || 1;
        explained = [result.variances[0]! / total, result.variances[1]! / total];
        axisNames = ['PC1', 'PC2'];
      } else {
        const [i, j] = request.axes;
        if (i === j) throw new Error('Pick two different latent axes');
        u = axisVector(d, i);
        v = axisVector(d, j);
        axisNames = [`z${i + 1}`, `z${j + 1}`];
      }
      const plane: LatentPlane = { base, u, v };
      const coords = new Float32Array(count * 2);
      for (let k = 0; k < count; k++) {
        let x = 0;
        let y = 0;
        for (let c = 0; c < d; c++) {
          const diff = mus[k * d + c]! - base[c]!;
          x += diff * u[c]!;
          y += diff * v[c]!;
        }
        coords[2 * k] = x;
        coords[2 * k + 1] = y;
      }
      return {
        step: m.step,
        modelId: m.modelId,
        latentDim: d,
        plane,
        axisNames,
        explained,
        coords,
        labels: test.labels.slice(0, count),
        count,
        range: rangeFromPoints(coords, count),
      };
    });
  }

  /** Test images beside their reconstructions Dec(mu(x)), with their codes. */
  async testImages(indices: number[]): Promise<{ step: number; images: TestImageView[] }> {
    return this.use(async (m) => {
      const test = this.requireTestSet();
      indices.forEach((i) => this.checkIndex(i));
      const mus = await this.encodeImages(m, test, indices);
      const recon = await this.decodeCodes(m, mus, indices.length);
      return { step: m.step, images: this.views(test, indices, mus, recon, m.latentDim) };
    });
  }

  /**
   * Runs a view (interpolate.ts, inside.ts) on the current snapshot through ModelAccess; the
   * snapshot stays alive until it is done.
   */
  access<T>(fn: (access: ModelAccess) => Promise<T>): Promise<T> {
    return this.use((m) => {
      const test = this.requireTestSet();
      const size = imageSize(m.image);
      return fn({
        step: m.step,
        modelId: m.modelId,
        latentDim: m.latentDim,
        image: m.image,
        test,
        decode: (z, count) => this.decodeCodes(m, z, count),
        encode: (images, count) => this.encodeRows(m, images, count),
        discriminate: (images, count) => this.discriminate(m, images, count),
        embedded: async () => {
          const count = Math.min(SCATTER_COUNT, test.count);
          const mu = await this.embed(m, test, count);
          return { mu, logvar: m.logvars!, count };
        },
        testImages: (indices) => {
          indices.forEach((i) => this.checkIndex(i));
          return toUnitFloats(test.images, indices, size);
        },
        checkCode: (z) => this.checkCode(z, m.latentDim),
      });
    });
  }

  dispose() {
    if (this.models) this.retire(this.models);
    this.models = undefined;
    this.testSet = undefined;
    this.userTestSet = undefined;
  }

  private views(
    test: TestSet,
    indices: number[],
    mus: Float32Array,
    recon: Float32Array,
    d: number,
  ): TestImageView[] {
    const size = imageSize(test.image);
    return indices.map((index, k) => ({
      index,
      label: test.labels[index]!,
      input: singleImage(toUnitFloats(test.images, [index], size), test.image),
      recon: singleImage(recon.slice(k * size, (k + 1) * size), test.image),
      mu: mus.slice(k * d, (k + 1) * d),
    }));
  }

  /** Runs `fn` on the current snapshot, keeping it alive until `fn` is done. */
  private async use<T>(fn: (m: Models) => Promise<T>): Promise<T> {
    const m = this.models;
    if (!m)
      throw new Error('No weights yet: the explorer waits for the first copy from the trainer');
    m.users += 1;
    try {
      return await fn(m);
    } finally {
      m.users -= 1;
      if (m.retired && m.users === 0) this.free(m);
    }
  }

  private retire(m: Models) {
    m.retired = true;
    if (m.users === 0) this.free(m);
  }

  private free(m: Models) {
    m.encoder.dispose();
    m.decoder.dispose();
    m.discriminator?.dispose();
  }

  private checkCode(z: Float32Array, d: number) {
    if (!(z instanceof Float32Array) || z.length !== d) {
      throw new Error(`A latent code must have ${d} numbers`);
    }
    if (!z.every(Number.isFinite)) throw new Error('A latent code must be finite');
  }

  private checkIndex(index: number): number {
    const count = this.requireTestSet().count;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new Error(`Test image must be a whole number from 0 to ${count - 1}`);
    }
    return index;
  }

  private requireTestSet(): TestSet {
    if (!this.testSet) throw new Error('The test set is not loaded yet');
    return this.testSet;
  }

  /** Decoded images in [0, 1] of `count` codes, [count * pixels]. */
  private async decodeCodes(m: Models, z: Float32Array, count: number): Promise<Float32Array> {
    const out = tf.tidy(() => {
      const codes = tf.tensor2d(z, [count, m.latentDim]); // [count, latentDim]
      return tf.sigmoid(m.decoder.predict(codes) as tf.Tensor2D); // [count, pixels]
    });
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** mu of q(z|x) for the given test images, [indices.length * latentDim]. */
  private async encodeImages(m: Models, test: TestSet, indices: number[]): Promise<Float32Array> {
    const size = imageSize(test.image);
    const rows = toUnitFloats(test.images, indices, size);
    return (await this.encodeRows(m, rows, indices.length)).mu;
  }

  /** mu and logvar of q(z|x) for `count` images in [0, 1], [count * latentDim] each. */
  private async encodeRows(
    m: Models,
    images: Float32Array,
    count: number,
  ): Promise<{ mu: Float32Array; logvar: Float32Array }> {
    const size = imageSize(m.image);
    if (images.length !== count * size) {
      throw new Error(`An image must have ${size} values in [0, 1]`);
    }
    const out = tf.tidy(() => {
      const x = tf.tensor2d(images, [count, size]); // [count, pixels]
      return m.encoder.predict(x) as tf.Tensor2D; // [count, 2 * latentDim]
    });
    try {
      const both = (await out.data()) as Float32Array;
      const d = m.latentDim;
      const mu = new Float32Array(count * d);
      const logvar = new Float32Array(count * d);
      for (let i = 0; i < count; i++) {
        mu.set(both.subarray(i * 2 * d, i * 2 * d + d), i * d);
        logvar.set(both.subarray(i * 2 * d + d, (i + 1) * 2 * d), i * d);
      }
      return { mu, logvar };
    } finally {
      out.dispose();
    }
  }

  /** D's probability that each of `count` images in [0, 1] is real, [count]. */
  private async discriminate(m: Models, images: Float32Array, count: number) {
    const d = m.discriminator;
    if (!d) throw new Error('No copy of the discriminator yet: it comes with the next weights');
    const out = tf.tidy(() => {
      const x = tf.tensor2d(images, [count, imageSize(m.image)]); // [count, pixels]
      const [, logit] = d.predict(x) as tf.Tensor2D[]; // features, [count, 1]
      return tf.sigmoid(logit!).reshape([-1]); // [count]
    });
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** Encodings of test images 0 .. count-1, in chunks with a yield between them. */
  private async embed(m: Models, test: TestSet, count: number): Promise<Float32Array> {
    if (m.mus && m.logvars && m.mus.length === count * m.latentDim) return m.mus;
    const size = imageSize(test.image);
    const mus = new Float32Array(count * m.latentDim);
    const logvars = new Float32Array(count * m.latentDim);
    for (let start = 0; start < count; start += EMBED_CHUNK) {
      const end = Math.min(count, start + EMBED_CHUNK);
      const indices = Array.from({ length: end - start }, (_, k) => start + k);
      const { mu, logvar } = await this.encodeRows(
        m,
        toUnitFloats(test.images, indices, size),
        indices.length,
      );
      mus.set(mu, start * m.latentDim);
      logvars.set(logvar, start * m.latentDim);
      await this.pause();
    }
    m.mus = mus;
    m.logvars = logvars;
    return mus;
  }

  private async ensureTestSet(id: DatasetId, fingerprint?: string): Promise<TestSet> {
    if (id === 'user') {
      const user = this.userTestSet;
      if (!user || user.info.fingerprint !== fingerprint) {
        throw new Error('The explorer has not received the test images of your set yet');
      }
      this.testSet = user;
      return user;
    }
    if (this.testSet?.id === id) return this.testSet;
    if (!this.testSetLoading) {
      this.testSetLoading = loadTestSplit(id, this.baseUrl, this.fetchBytes).finally(() => {
        this.testSetLoading = undefined;
      });
    }
    const loaded = await this.testSetLoading;
    if (loaded.id !== id) return this.ensureTestSet(id);
    this.testSet = loaded;
    return loaded;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
