/**
 * The interpolation strip: `steps` decodings along the path between the codes of its two ends,
 * each a test image or the user's drawing, with both ends beside their reconstructions. The
 * reconstructions are decoded on their own, so they check the strip's ends rather than copy them.
 */
import { imageSize } from '../../../shared/config';
import { composeGrid, singleImage } from '../../../shared/image-grid';
import { interpolationPath } from '../../../shared/latent';
import type { ModelAccess } from './model-access';
import {
  INTERPOLATION_MAX,
  type InterpolationRequest,
  type InterpolationResult,
  type PathEnd,
  type TestImageView,
} from '../shared/protocol';

/** An end's image in [0, 1] and, for a test image, its index and class. */
function endImage(m: ModelAccess, end: PathEnd) {
  if (typeof end === 'number') {
    return { image: m.testImages([end]), index: end, label: m.test.labels[end]! };
  }
  if (!(end.drawing instanceof Float32Array) || end.drawing.length !== imageSize(m.image)) {
    throw new Error(`The drawing must be one image of ${imageSize(m.image)} values`);
  }
  return { image: end.drawing, index: -1, label: -1 };
}

/** Decodes the strip between the two ends of `request` with the snapshot `m`. */
export async function interpolate(
  m: ModelAccess,
  request: InterpolationRequest,
): Promise<InterpolationResult> {
  const { steps, mode } = request;
  if (!Number.isInteger(steps) || steps < 2 || steps > INTERPOLATION_MAX) {
    throw new Error(`Steps must be a whole number from 2 to ${INTERPOLATION_MAX}`);
  }
  if (mode !== 'linear' && mode !== 'spherical') throw new Error('Unknown interpolation mode');
  const ends = [endImage(m, request.a), endImage(m, request.b)] as const;
  const size = imageSize(m.image);
  const both = new Float32Array(2 * size);
  both.set(ends[0].image, 0);
  both.set(ends[1].image, size);
  const d = m.latentDim;
  const { mu } = await m.encode(both, 2); // [2 * latentDim]
  const path = interpolationPath(mu.subarray(0, d), mu.subarray(d), steps, mode);
  const cells = await m.decode(path, steps);
  const recon = await m.decode(mu, 2);
  const [a, b] = ends.map((end, k): TestImageView => ({
    index: end.index,
    label: end.label,
    input: singleImage(end.image, m.image),
    recon: singleImage(recon.slice(k * size, (k + 1) * size), m.image),
    mu: mu.slice(k * d, (k + 1) * d),
    ...(end.index < 0 ? { drawing: true } : {}),
  })) as [TestImageView, TestImageView];
  return {
    step: m.step,
    strip: composeGrid(cells, steps, { cols: steps, gap: 1 }, m.image),
    a,
    b,
  };
}
