/**
 * The browser's decoder for the import worker: createImageBitmap, then the central square
 * drawn into an OffscreenCanvas and read back. Only pictures whose header passed the import's
 * caps (import-limits.ts) get here.
 */
import type { DecodeImage } from './image-import';
import { centreSquare } from '../shared/user-dataset';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let scratch: OffscreenCanvasRenderingContext2D | null = null;

/** One canvas for every decode (a new canvas per image costs more than the image). */
function scratchContext(side: number): OffscreenCanvasRenderingContext2D {
  if (!scratch) {
    const ctx = new OffscreenCanvas(side, side).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas in this worker');
    scratch = ctx;
  }
  const { canvas } = scratch;
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side; // resets the context's state too
    canvas.height = side;
  }
  scratch.imageSmoothingEnabled = true;
  scratch.imageSmoothingQuality = 'high';
  return scratch;
}

/**
 * The browser's decoder, for a worker: createImageBitmap, then the central square drawn into an
 * OffscreenCanvas, shrunk on the way to at most 8 times the target side (so a 12-megapixel photo
 * costs a 256 x 256 read-back, and the exact box filter in preprocess does the rest).
 */
export const browserDecode: DecodeImage = async (bytes, type, target) => {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], {
    type: type === 'png' ? 'image/png' : 'image/jpeg',
  });
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none' });
  } catch (error) {
    throw new Error(`the browser cannot decode it (${errorText(error)})`, { cause: error });
  }
  try {
    const { x, y, size } = centreSquare(bitmap.width, bitmap.height);
    const side = Math.min(size, 8 * Math.max(target.width, target.height));
    const ctx = scratchContext(side);
    // Drawing and reading back are synchronous, so concurrent decodes can share one canvas.
    ctx.clearRect(0, 0, side, side);
    ctx.drawImage(bitmap, x, y, size, size, 0, 0, side, side);
    return { width: side, height: side, rgba: ctx.getImageData(0, 0, side, side).data };
  } finally {
    bitmap.close();
  }
};
