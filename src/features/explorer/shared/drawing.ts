/**
 * A drawing made with the mouse, a finger or a pen, turned into an MNIST-like 28 x 28 image
 * the encoder can read. MNIST's digits were size-normalised to fit a 20 x 20 box (keeping their
 * aspect ratio), anti-aliased, and placed in the 28 x 28 field with their centre of mass at the
 * middle; the pen here is about as thick as MNIST's strokes after that normalisation. Doing the
 * same to a drawing is what makes its code land among the test set's codes.
 *
 * Pure functions: no DOM (the page only collects the points), so the tests run them in Node.
 */

/** A point of a stroke, in the drawing area's own units (any scale; only shapes matter). */
export interface Point {
  x: number;
  y: number;
}
export type Stroke = Point[];

export interface DrawingOptions {
  /** Side of the output image (28 for MNIST). */
  size: number;
  /** Side of the box the drawing's longer side is scaled to (20 for MNIST). */
  box: number;
  /** Pen width in output pixels: MNIST's strokes are about 2 to 3 pixels wide. */
  penWidth: number;
  /** Samples per output pixel along each axis, for anti-aliasing. */
  supersample: number;
}

export const MNIST_DRAWING: DrawingOptions = { size: 28, box: 20, penWidth: 2.4, supersample: 4 };

/** Squared distance from p to the segment a-b. */
function segmentDistanceSquared(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  const ex = px - (a.x + t * dx);
  const ey = py - (a.y + t * dy);
  return ex * ex + ey * ey;
}

/**
 * Ink of strokes already in output pixel coordinates, [size * size] row-major in [0, 1]: each
 * pixel's share of sub-samples within half a pen width of a stroke.
 */
export function rasterize(strokes: Stroke[], options: DrawingOptions): Float32Array {
  const { size, penWidth, supersample: s } = options;
  const out = new Float32Array(size * size);
  const r2 = (penWidth / 2) ** 2;
  const segments: [Point, Point][] = strokes.flatMap((stroke) =>
    stroke.length === 1
      ? [[stroke[0]!, stroke[0]!] as [Point, Point]]
      : stroke.slice(1).map((p, i) => [stroke[i]!, p] as [Point, Point]),
  );
  if (segments.length === 0) return out;
  const reach = penWidth / 2 + 1;
  for (const [a, b] of segments) {
    // Only the pixels near this segment can take ink from it.
    const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - reach));
    const x1 = Math.min(size - 1, Math.ceil(Math.max(a.x, b.x) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - reach));
    const y1 = Math.min(size - 1, Math.ceil(Math.max(a.y, b.y) + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let hits = 0;
        for (let sy = 0; sy < s; sy++) {
          for (let sx = 0; sx < s; sx++) {
            const px = x + (sx + 0.5) / s;
            const py = y + (sy + 0.5) / s;
            if (segmentDistanceSquared(px, py, a, b) <= r2) hits++;
          }
        }
        // Overlapping segments of one stroke must not add up past full ink.
        out[y * size + x] = Math.max(out[y * size + x]!, hits / (s * s));
      }
    }
  }
  return out;
}

/** Centre of mass of an image's ink, in pixel coordinates (pixel i spans [i, i + 1)). */
export function centreOfMass(image: ArrayLike<number>, size: number): Point | null {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = image[y * size + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: mx / mass, y: my / mass } : null;
}

/**
 * The drawing as MNIST would have it: [size * size] grey levels in [0, 1], ink = 1 (white on
 * black, as the data sets are stored), or null when nothing was drawn.
 */
export function drawingToImage(
  strokes: Stroke[],
  options: DrawingOptions = MNIST_DRAWING,
): Float32Array | null {
  const points = strokes.flat();
  if (points.length === 0) return null;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const width = Math.max(...xs) - minX;
  const height = Math.max(...ys) - minY;
  // The longer side fills the box; a dot or a straight line keeps its thin side thin.
  const longer = Math.max(width, height);
  const scale = longer > 0 ? options.box / longer : 1;
  const mid = options.size / 2;
  const place = (dx: number, dy: number) =>
    strokes.map((stroke) =>
      stroke.map((p) => ({
        x: (p.x - minX - width / 2) * scale + mid + dx,
        y: (p.y - minY - height / 2) * scale + mid + dy,
      })),
    );
  const boxed = rasterize(place(0, 0), options);
  const centre = centreOfMass(boxed, options.size);
  if (!centre) return boxed;
  // Move the centre of mass to the middle of the field, as MNIST did.
  return rasterize(place(mid - centre.x, mid - centre.y), options);
}
