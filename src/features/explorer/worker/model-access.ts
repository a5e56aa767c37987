/**
 * What the explorer's views need from the snapshot the explorer worker holds, as one interface:
 * the interpolation, the posterior statistics, the drawing, the traversals and D's map
 * (interpolate.ts, inside.ts) are written against this, not against the Explorer class, so each
 * stays a file of its own and the snapshot stays alive while they use it (Explorer.access).
 */
import type { ImageShape } from '../../../shared/config';
import type { TestSet } from '../../../shared/test-split';

export interface ModelAccess {
  step: number;
  modelId: number;
  latentDim: number;
  /** Shape of the images the decoder makes. */
  image: ImageShape;
  test: TestSet;
  /** Decoded images in [0, 1] of `count` codes: [count * latentDim] in, [count * pixels] out. */
  decode(z: Float32Array, count: number): Promise<Float32Array>;
  /** mu and logvar of q(z|x) for `count` images in [0, 1], [count * latentDim] each. */
  encode(images: Float32Array, count: number): Promise<{ mu: Float32Array; logvar: Float32Array }>;
  /** D's probability that each image is real, [count]; throws when no discriminator came. */
  discriminate(images: Float32Array, count: number): Promise<Float32Array>;
  /** mu and logvar of the embedded test images (the scatter's), encoded once per snapshot. */
  embedded(): Promise<{ mu: Float32Array; logvar: Float32Array; count: number }>;
  /** Test images in [0, 1], after checking each index. */
  testImages(indices: number[]): Float32Array;
  /** Throws unless `z` is a finite code of the snapshot's latent size. */
  checkCode(z: Float32Array): void;
}
