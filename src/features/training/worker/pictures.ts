/**
 * The three pictures of a run: test images next to their reconstructions, samples from the
 * prior, and a path between two codes. Their inputs are fixed when a model arrives, so the same
 * images and noise are shown throughout a run and the pictures show only what training changed.
 */
import * as tf from '../../../model/tf';
import { type ImageShape, imageSize } from '../../../shared/config';
import { type Dataset, imageShapeOf } from '../../../shared/dataset';
import { composeGrid, interleave, toUnitFloats } from '../../../shared/image-grid';
import type { VaeGan } from '../../../model/vaegan';
import type { ImagesUpdate, RunSettings } from '../shared/protocol';

const RECON_COUNT = 32;
const SAMPLE_COUNT = 64;
const INTERPOLATION_STEPS = 10;

/** Fixed inputs of the pictures, so the same images and noise are shown throughout a run. */
export interface Display {
  image: ImageShape;
  /** Test images shown with their reconstructions: RECON_COUNT, or fewer in a small user set. */
  reconCount: number;
  reconInputs: Float32Array; // [reconCount * pixels]
  reconX: tf.Tensor2D; // [reconCount, pixels]
  sampleZ: tf.Tensor2D; // [SAMPLE_COUNT, latentDim]
  pairInputs: Float32Array; // [2 * pixels]
  pairX: tf.Tensor2D; // [2, pixels]
}

/** Fixed pictures' inputs: RECON_COUNT test images cycling through the classes, two for the strip. */
export function makeDisplay(dataset: Dataset, settings: RunSettings): Display {
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

/** Frees the display's tensors. */
export function disposeDisplay(display: Display) {
  tf.dispose([display.reconX, display.sampleZ, display.pairX]);
}

/**
 * Decodes the fixed inputs with the model as it is now, all three pictures and D's score of
 * each sample in one tensor for one readback:
 * [(reconCount + SAMPLE_COUNT + INTERPOLATION_STEPS) * pixels, then SAMPLE_COUNT scores].
 */
export function decodePictures(model: VaeGan, display: Display): tf.Tensor1D {
  return tf.tidy(() => {
    const recon = model.reconstruct(display.reconX); // [reconCount, pixels]
    const samples = model.generate(display.sampleZ); // [SAMPLE_COUNT, pixels]
    const { mu } = model.encode(display.pairX); // [2, latentDim]
    const t = tf.linspace(0, 1, INTERPOLATION_STEPS).reshape([INTERPOLATION_STEPS, 1]);
    const [a, b] = tf.split(mu, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D; // [STEPS, latentDim]
    const images = tf.concat([recon, samples, model.decode(z)], 0); // [total, pixels]
    const scores = model.score(samples); // [SAMPLE_COUNT]
    return tf.concat([images.reshape([-1]), scores]) as tf.Tensor1D;
  });
}

/** The three pictures as grids, from the values decodePictures read back. */
export function composePictures(data: Float32Array, display: Display, step: number): ImagesUpdate {
  const { image, reconCount } = display;
  const px = imageSize(image);
  const recon = data.subarray(0, reconCount * px);
  const samples = data.subarray(reconCount * px, (reconCount + SAMPLE_COUNT) * px);
  const end = (reconCount + SAMPLE_COUNT + INTERPOLATION_STEPS) * px;
  const path = data.subarray((reconCount + SAMPLE_COUNT) * px, end);
  // The path between the two codes, framed by the two images it starts and ends at.
  const strip = new Float32Array((INTERPOLATION_STEPS + 2) * px);
  strip.set(display.pairInputs.subarray(0, px), 0);
  strip.set(path, px);
  strip.set(display.pairInputs.subarray(px), (INTERPOLATION_STEPS + 1) * px);
  return {
    step,
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
    sampleScores: Array.from(data.subarray(end, end + SAMPLE_COUNT)),
  };
}
