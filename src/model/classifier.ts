/**
 * The small convolutional classifier whose penultimate layer is the feature space of the Frechet
 * classifier distance (FCD) and whose predictions give the mode coverage of generated samples.
 * `npm run train:classifiers` trains one per data set in Node and ships the weights under
 * public/classifiers/; the quality worker loads them with the same `classify` function.
 *
 * The convolutions are plain 2-D ones. On the wasm backend (the fast one in Node and in the
 * quality worker) their weight gradient comes from src/runtime/wasm/tfjs/conv.ts, which the training
 * script installs; tfjs-backend-wasm has none of its own.
 */
import * as tf from './tf';

/** One weight tensor of the classifier, in the order of the weights file. */
export interface ClassifierWeightSpec {
  name: string;
  shape: number[];
}

/**
 * The architecture: three strided convolutions, then a dense feature layer.
 * [28,28,1] -conv5x5/2-> [14,14,16] -conv3x3/2-> [7,7,32] -conv3x3/2-> [4,4,32]
 * -dense-> 64 features (ReLU) -dense-> 10 logits.
 */
export const CLASSIFIER_SPECS: readonly ClassifierWeightSpec[] = [
  { name: 'conv1/kernel', shape: [5, 5, 1, 16] },
  { name: 'conv1/bias', shape: [16] },
  { name: 'conv2/kernel', shape: [3, 3, 16, 32] },
  { name: 'conv2/bias', shape: [32] },
  { name: 'conv3/kernel', shape: [3, 3, 32, 32] },
  { name: 'conv3/bias', shape: [32] },
  { name: 'features/kernel', shape: [4 * 4 * 32, 64] },
  { name: 'features/bias', shape: [64] },
  { name: 'logits/kernel', shape: [64, 10] },
  { name: 'logits/bias', shape: [10] },
];

/** Size of the penultimate layer: the FCD feature space. */
export const CLASSIFIER_FEATURES = 64;
export const CLASSIFIER_CLASSES = 10;
/** A short name of the architecture, written into the manifest and checked on load. */
export const CLASSIFIER_ARCHITECTURE = 'conv5s2x16-conv3s2x32-conv3s2x32-dense64-dense10';

/** Number of float32 values in a weights file. */
export const CLASSIFIER_PARAMETER_COUNT = CLASSIFIER_SPECS.reduce(
  (n, s) => n + s.shape.reduce((a, b) => a * b, 1),
  0,
);

export type ClassifierWeights = tf.Tensor[];

/** One data set's entry in public/classifiers/manifest.json. */
export interface ClassifierEntry {
  /** File name of the weights (little-endian float32, CLASSIFIER_SPECS order), beside the manifest. */
  weights: string;
  architecture: string;
  /** Accuracy on the data set's whole test split, measured by the training script. */
  testAccuracy: number;
  testCount: number;
  epochs: number;
  trainImages: number;
  seed: number;
  /** Largest random shift of the training images, in pixels (0: none). */
  shift: number;
}

export interface ClassifierManifest {
  formatVersion: 1;
  classifiers: Partial<Record<'mnist' | 'fashion-mnist', ClassifierEntry>>;
}

/** Fresh He-normal weights (zero biases) from a seed. */
export function initClassifierWeights(seed: number): tf.Variable[] {
  return CLASSIFIER_SPECS.map((spec, i) => {
    const isBias = spec.name.endsWith('/bias');
    const fanIn = spec.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const init = isBias
      ? tf.zeros(spec.shape)
      : tf.randomNormal(spec.shape, 0, Math.sqrt(2 / fanIn), 'float32', seed + i);
    return tf.variable(init, true, `classifier/${spec.name}`);
  });
}

/** Weights from the flat float32 array of a weights file. Throws on a wrong length or NaN. */
export function weightsFromArray(values: Float32Array): tf.Tensor[] {
  if (values.length !== CLASSIFIER_PARAMETER_COUNT) {
    throw new Error(
      `classifier weights: ${values.length} values, this architecture has ${CLASSIFIER_PARAMETER_COUNT}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error('classifier weights: non-finite value');
  }
  let offset = 0;
  return CLASSIFIER_SPECS.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(values.subarray(offset, offset + size), spec.shape, 'float32');
    offset += size;
    return t;
  });
}

/** The flat float32 array of a weights file. */
export async function weightsToArray(weights: readonly tf.Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(CLASSIFIER_PARAMETER_COUNT);
  let offset = 0;
  for (const w of weights) {
    const data = (await w.data()) as Float32Array;
    out.set(data, offset);
    offset += data.length;
  }
  return out;
}

/** A 2-D convolution, stride 2, 'same' padding, then bias and ReLU. */
function conv(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, kernel as tf.Tensor4D, 2, 'same'), bias)) as tf.Tensor4D;
}

/**
 * Runs the classifier on images with values in [0, 1].
 * @param images [n, 784]
 * @returns features [n, 64] (the penultimate layer) and logits [n, 10]
 */
export function classify(
  weights: readonly tf.Tensor[],
  images: tf.Tensor2D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  const w = weights;
  const n = images.shape[0];
  let h = images.reshape([n, 28, 28, 1]) as tf.Tensor4D;
  h = conv(h, w[0]!, w[1]!); // [n, 14, 14, 16]
  h = conv(h, w[2]!, w[3]!); // [n, 7, 7, 32]
  h = conv(h, w[4]!, w[5]!); // [n, 4, 4, 32]
  const features = tf.relu(tf.add(tf.matMul(h.reshape([n, -1]), w[6]!), w[7]!)) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, w[8]!), w[9]!) as tf.Tensor2D;
  return { features, logits };
}

/**
 * Features and predicted classes of many images, in chunks so memory stays small.
 * @param images count x 784 values in [0, 1]
 */
export async function classifyAll(
  weights: readonly tf.Tensor[],
  images: Float32Array,
  count: number,
  chunk = 250,
): Promise<{ features: Float32Array; predictions: Uint8Array }> {
  const features = new Float32Array(count * CLASSIFIER_FEATURES);
  const predictions = new Uint8Array(count);
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const [f, p] = tf.tidy(() => {
      const x = tf.tensor2d(images.subarray(start * 784, (start + n) * 784), [n, 784]);
      const out = classify(weights, x);
      return [out.features, tf.argMax(out.logits, 1)];
    });
    features.set((await f!.data()) as Float32Array, start * CLASSIFIER_FEATURES);
    predictions.set(await p!.data(), start);
    f!.dispose();
    p!.dispose();
  }
  return { features, predictions };
}

/** Parses and checks public/classifiers/manifest.json. Throws with a clear message. */
export function parseClassifierManifest(json: unknown): ClassifierManifest {
  if (typeof json !== 'object' || json === null)
    throw new Error('classifier manifest: not an object');
  const root = json as Record<string, unknown>;
  if (root['formatVersion'] !== 1) {
    throw new Error(
      `classifier manifest: formatVersion ${String(root['formatVersion'])}, expected 1`,
    );
  }
  const list = root['classifiers'];
  if (typeof list !== 'object' || list === null) {
    throw new Error('classifier manifest: classifiers must be an object');
  }
  const classifiers: ClassifierManifest['classifiers'] = {};
  for (const id of ['mnist', 'fashion-mnist'] as const) {
    const e = (list as Record<string, unknown>)[id];
    if (e === undefined) continue;
    const entry = e as Record<string, unknown>;
    if (entry['architecture'] !== CLASSIFIER_ARCHITECTURE) {
      throw new Error(
        `classifier manifest: ${id} has architecture ${String(entry['architecture'])}, this app runs ${CLASSIFIER_ARCHITECTURE}; run npm run train:classifiers`,
      );
    }
    const num = (k: string) => {
      const v = entry[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`classifier manifest: ${id}.${k} must be a number`);
      }
      return v;
    };
    if (typeof entry['weights'] !== 'string') {
      throw new Error(`classifier manifest: ${id}.weights must be a file name`);
    }
    classifiers[id] = {
      weights: entry['weights'],
      architecture: CLASSIFIER_ARCHITECTURE,
      testAccuracy: num('testAccuracy'),
      testCount: num('testCount'),
      epochs: num('epochs'),
      trainImages: num('trainImages'),
      seed: num('seed'),
      shift: entry['shift'] === undefined ? 0 : num('shift'),
    };
  }
  return { formatVersion: 1, classifiers };
}
