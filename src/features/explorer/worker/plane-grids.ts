/**
 * The pad's plane seen as an n x n grid of codes over the pad's range (cell centres, row by row
 * from the top, as gridPoints lays them out): decoded, it is the picture behind the pad; scored
 * by the discriminator, D(Dec(z)), it is D's map of the plane.
 */
import { composeGrid } from '../../../shared/image-grid';
import { gridPoints, type LatentPlane, type PadRange, planeToZ } from '../../../shared/latent';
import type { ImageGrid } from '../../training/shared/protocol';
import type { ModelAccess } from './model-access';
import { D_MAP_SIZE, type DiscriminatorMap, MANIFOLD_MAX } from '../shared/protocol';

/** The codes of the grid's cells, [n * n * latentDim]. */
function planeCodes(m: ModelAccess, plane: LatentPlane, range: PadRange, n: number) {
  m.checkCode(plane.base);
  const points = gridPoints(range, n);
  const d = m.latentDim;
  const z = new Float32Array(n * n * d); // [n * n, latentDim]
  for (let i = 0; i < n * n; i++) z.set(planeToZ(plane, points[2 * i]!, points[2 * i + 1]!), i * d);
  return z;
}

/** Decodes the n x n grid: the plane as a picture. */
export async function decodePlane(
  m: ModelAccess,
  plane: LatentPlane,
  range: PadRange,
  n: number,
): Promise<ImageGrid> {
  if (!Number.isInteger(n) || n < 2 || n > MANIFOLD_MAX) {
    throw new Error(`Grid size must be a whole number from 2 to ${MANIFOLD_MAX}`);
  }
  const cells = await m.decode(planeCodes(m, plane, range, n), n * n);
  return composeGrid(cells, n * n, { cols: n, gap: 0 }, m.image);
}

/** D(Dec(z)) at the grid's cells: what the discriminator thinks of each place the pad shows. */
export async function discriminatorMap(
  m: ModelAccess,
  plane: LatentPlane,
  range: PadRange,
  n = D_MAP_SIZE,
): Promise<DiscriminatorMap> {
  if (!Number.isInteger(n) || n < 2 || n > 64) {
    throw new Error('The map size must be a whole number from 2 to 64');
  }
  const images = await m.decode(planeCodes(m, plane, range, n), n * n);
  return { step: m.step, n, scores: await m.discriminate(images, n * n) };
}
