/**
 * Turns the files a user dropped (loose images from a folder, or zips of them) into a data set:
 * reads them, expands zips, decodes each image, centres and resizes it (user-images.ts), skips
 * and lists what cannot be read, caps very large sets and refuses too small ones. Runs in the
 * import worker (image-import.worker.ts), so decoding thousands of files never blocks the page.
 * The decoder is injected: the browser's in the worker, another under Node for the tests.
 */
import { imageSize, type ImageShape } from '../../../shared/config';
import type { Dataset } from '../../../shared/dataset';
import {
  assembleDataset,
  centreSquare,
  imageCap,
  isClutter,
  isZip,
  labelsFromPaths,
  listZip,
  preprocess,
  type SkippedFile,
  sniffImageType,
  TooFewImagesError,
  USER_COLOUR,
  USER_GREY,
} from '../shared/user-dataset';

/** One dropped or picked file, with its path below what was dropped ("folder/cats/1.png"). */
export interface ImportFile {
  file: Blob;
  path: string;
}

export interface ImportOptions {
  /** Keep colour at 32 x 32 instead of 28 x 28 grey levels. */
  colour: boolean;
  /** At most this many images; default imageCap(shape) (70,000 grey, 43,690 in colour). */
  cap?: number;
}

/** A decoded picture: RGBA bytes with straight alpha, width x height. */
export interface DecodedPicture {
  width: number;
  height: number;
  rgba: Uint8Array | Uint8ClampedArray;
}

/**
 * Decodes PNG or JPEG bytes. It may hand back a smaller picture of the central square (the
 * browser's decoder shrinks large photos on the way), never a distorted one.
 */
export type DecodeImage = (
  bytes: Uint8Array,
  type: 'png' | 'jpeg',
  target: ImageShape,
) => Promise<DecodedPicture>;

export interface ImportProgress {
  /** Files looked at so far (images and others), of `total`. */
  done: number;
  total: number;
  label: string;
}

export interface ImportResult {
  ok: true;
  dataset: Dataset;
  /** Files that were not used, each with the reason (broken image, not an image, ...). */
  skipped: SkippedFile[];
  /** Image files found (before the cap). */
  found: number;
  /** Images left out by the cap (0 when the set fits). */
  capped: number;
  cap: number;
  /** Sub-folders beyond the 256 labels a set may have: labels dropped (0 normally). */
  droppedClasses: number;
  ms: number;
}

/** A refused set (too few usable images), with what was skipped: the page lists both. */
export interface ImportRefusal {
  ok: false;
  message: string;
  skipped: SkippedFile[];
  found: number;
}

/** Files read and decoded at once. */
const DECODE_AHEAD = 4;

interface Candidate {
  path: string;
  read: () => Promise<Uint8Array>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const byPath = (a: { path: string }, b: { path: string }) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** The name a set is shown by: the dropped folder or zip, else "your images". */
function setName(files: readonly ImportFile[]): string {
  const roots = new Set(files.map((f) => f.path.split('/')[0]!.replace(/\.zip$/i, '')));
  const [only] = roots;
  const folderOrZip = files.some((f) => f.path.includes('/') || /\.zip$/i.test(f.path));
  return roots.size === 1 && only && folderOrZip ? only : 'your images';
}

/**
 * Builds a data set from dropped files, or refuses it (too few usable images) with a message
 * for people; either way with the list of skipped files.
 */
export async function importImages(
  files: readonly ImportFile[],
  options: ImportOptions,
  decode: DecodeImage,
  onProgress?: (progress: ImportProgress) => void,
  now: () => number = () => performance.now(),
): Promise<ImportResult | ImportRefusal> {
  const t0 = now();
  const shape = options.colour ? USER_COLOUR : USER_GREY;
  const skipped: SkippedFile[] = [];
  const candidates: Candidate[] = [];
  const zipNames = files.some((f) => /\.zip$/i.test(f.path));
  for (const f of files) {
    if (isClutter(f.path)) continue;
    const head = new Uint8Array(await f.file.slice(0, 4).arrayBuffer());
    if (isZip(head)) {
      onProgress?.({ done: 0, total: files.length, label: `Opening ${f.path}` });
      const bytes = new Uint8Array(await f.file.arrayBuffer());
      try {
        const root = zipNames ? f.path.replace(/\.zip$/i, '') : f.path;
        for (const entry of listZip(bytes, root)) {
          candidates.push({ path: entry.path, read: () => Promise.resolve(entry.bytes) });
        }
      } catch (error) {
        skipped.push({ path: f.path, reason: errorText(error) });
      }
    } else {
      candidates.push({
        path: f.path,
        read: async () => new Uint8Array(await f.file.arrayBuffer()),
      });
    }
  }
  candidates.sort(byPath);

  const cap = Math.min(options.cap ?? Infinity, imageCap(shape));
  const size = imageSize(shape);
  const images: { path: string; pixels: Uint8Array }[] = [];
  let found = 0;
  let lastReport = -Infinity;
  /** One file: skipped with a reason, or an image (decoded unless the cap is reached). */
  const convert = async (
    c: Candidate,
    decodeIt: boolean,
  ): Promise<{ skip: string } | { pixels: Uint8Array | null }> => {
    let bytes: Uint8Array;
    try {
      bytes = await c.read();
    } catch (error) {
      return { skip: `could not be read (${errorText(error)})` };
    }
    const type = sniffImageType(bytes);
    if (!type) return { skip: 'not a PNG or JPEG image' };
    if (!decodeIt) return { pixels: null }; // counted, not decoded
    try {
      const picture = await decode(bytes, type, shape);
      const pixels = preprocess(picture.rgba, picture.width, picture.height, shape);
      if (pixels.length !== size) throw new Error('wrong size after resizing');
      return { pixels };
    } catch (error) {
      return { skip: `broken ${type === 'png' ? 'PNG' : 'JPEG'}: ${errorText(error)}` };
    }
  };
  // A few files at a time: the browser decodes on its own threads meanwhile.
  for (let i = 0; i < candidates.length; i += DECODE_AHEAD) {
    if (now() - lastReport > 100) {
      lastReport = now();
      onProgress?.({
        done: i,
        total: candidates.length,
        label: `Decoding ${i.toLocaleString('en-US')} of ${candidates.length.toLocaleString('en-US')} files`,
      });
    }
    const batch = candidates.slice(i, i + DECODE_AHEAD);
    const decodeIt = images.length < cap;
    const outcomes = await Promise.all(batch.map((c) => convert(c, decodeIt)));
    outcomes.forEach((outcome, k) => {
      const path = batch[k]!.path;
      if ('skip' in outcome) {
        skipped.push({ path, reason: outcome.skip });
        return;
      }
      found += 1;
      if (outcome.pixels && images.length < cap) images.push({ path, pixels: outcome.pixels });
    });
  }
  onProgress?.({ done: candidates.length, total: candidates.length, label: 'Splitting the set' });
  const names = files.filter((f) => !isClutter(f.path));
  let dataset: Dataset;
  try {
    dataset = assembleDataset(images, shape, setName(names), skipped.length);
  } catch (error) {
    if (!(error instanceof TooFewImagesError)) throw error;
    return { ok: false, message: error.message, skipped, found };
  }
  return {
    ok: true,
    dataset,
    skipped,
    found,
    capped: Math.max(0, found - images.length),
    cap,
    droppedClasses: labelsFromPaths(images.map((i) => i.path)).dropped,
    ms: now() - t0,
  };
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
