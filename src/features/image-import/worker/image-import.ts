/**
 * Turns the files a user dropped (loose images from a folder, or zips of them) into a data set:
 * reads them, expands zips, decodes each image, centres and resizes it (user-images.ts), skips
 * and lists what cannot be read, caps very large sets and refuses too small ones. Runs in the
 * import worker (image-import.worker.ts), so decoding thousands of files never blocks the page.
 * The decoder is injected: the browser's in the worker, another under Node for the tests.
 */
import { imageSize, type ImageShape } from '../../../shared/config';
import type { Dataset } from '../../../shared/dataset';
import { imageDimensions } from '../shared/image-header';
import {
  DECODE_TIMEOUT_MS,
  describePixels,
  formatSize,
  MAX_IMAGE_FILE_BYTES,
  MAX_IMAGE_PIXELS,
  MAX_PIXELS_IN_FLIGHT,
  MAX_TOTAL_PIXELS,
} from '../shared/import-limits';
import {
  assembleDataset,
  imageCap,
  isClutter,
  isZip,
  labelsFromPaths,
  preprocess,
  type SkippedFile,
  sniffImageType,
  TooFewImagesError,
  USER_COLOUR,
  USER_GREY,
} from '../shared/user-dataset';
import { type Candidate, fileCandidate, zipCandidates } from './sources';

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
  /** At most this many pixels decoded in all (MAX_TOTAL_PIXELS). */
  maxTotalPixels?: number;
  /** A decode that takes longer is given up and its file skipped (DECODE_TIMEOUT_MS). */
  decodeTimeoutMs?: number;
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
  /** Images left out because decoding them would pass the total pixel budget. */
  pixelCapped: number;
  maxTotalPixels: number;
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

/** Files decoded at once at most (fewer when they are large: MAX_PIXELS_IN_FLIGHT). */
const DECODE_AHEAD = 4;

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

/** Every candidate of the drop: loose files, and the entries of zips (listed, not inflated). */
async function gather(
  files: readonly ImportFile[],
  skipped: SkippedFile[],
  onProgress?: (progress: ImportProgress) => void,
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const zipNames = files.some((f) => /\.zip$/i.test(f.path));
  for (const f of files) {
    if (isClutter(f.path)) continue;
    const head = new Uint8Array(await f.file.slice(0, 4).arrayBuffer());
    if (!isZip(head)) {
      candidates.push(fileCandidate(f.path, f.file));
      continue;
    }
    onProgress?.({ done: 0, total: files.length, label: `Opening ${f.path}` });
    try {
      const root = zipNames ? f.path.replace(/\.zip$/i, '') : f.path;
      candidates.push(...(await zipCandidates(f.file, root)));
    } catch (error) {
      skipped.push({ path: f.path, reason: errorText(error) });
    }
  }
  return candidates.sort(byPath);
}

/** A picture whose header passed the caps, read and ready to decode. */
interface Readied {
  bytes: Uint8Array;
  type: 'png' | 'jpeg';
  pixels: number;
}

/**
 * Reads one candidate and checks it against the caps from its header; `null` when it is a
 * picture but only counted (`decodeIt` false: past the cap, read by its first bytes only).
 */
async function ready(c: Candidate, decodeIt: boolean): Promise<{ skip: string } | Readied | null> {
  if (!decodeIt) {
    let head: Uint8Array;
    try {
      head = await c.head(16);
    } catch (error) {
      return { skip: `could not be read (${errorText(error)})` };
    }
    return sniffImageType(head) ? null : { skip: 'not a PNG or JPEG image' };
  }
  if (c.size > MAX_IMAGE_FILE_BYTES) {
    return {
      skip: `${formatSize(c.size)} is more than the ${formatSize(MAX_IMAGE_FILE_BYTES)} one picture may take`,
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = await c.read();
  } catch (error) {
    return { skip: `could not be read (${errorText(error)})` };
  }
  const type = sniffImageType(bytes);
  if (!type) return { skip: 'not a PNG or JPEG image' };
  const name = type === 'png' ? 'PNG' : 'JPEG';
  const size = imageDimensions(bytes, type);
  if (!size) return { skip: `broken ${name}: no ${type === 'png' ? 'IHDR' : 'frame'} header` };
  const pixels = size.width * size.height;
  if (pixels === 0) return { skip: `broken ${name}: it declares no pixels` };
  if (pixels > MAX_IMAGE_PIXELS) {
    return {
      skip: `${describePixels(size.width, size.height)}: more than the ${MAX_IMAGE_PIXELS / 1e6}-megapixel limit for one picture`,
    };
  }
  return { bytes, type, pixels };
}

/** Rejects after `ms` unless `work` settled first. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Builds a data set from dropped files, or refuses it (too few usable images) with a message
 * for people; either way with the list of skipped files. Every file is checked against the
 * caps of import-limits.ts before it is decoded; zips are read entry by entry as they go.
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
  const size = imageSize(shape);
  const cap = Math.min(options.cap ?? Infinity, imageCap(shape));
  const maxTotalPixels = options.maxTotalPixels ?? MAX_TOTAL_PIXELS;
  const timeoutMs = options.decodeTimeoutMs ?? DECODE_TIMEOUT_MS;
  const skipped: SkippedFile[] = [];
  const candidates = await gather(files, skipped, onProgress);

  const images: { path: string; pixels: Uint8Array }[] = [];
  let found = 0;
  let pixelCapped = 0;
  let decodedPixels = 0;
  let budgetSpent = false;
  let lastReport = -Infinity;
  /** Decodes under way: a few small pictures, or one large one. */
  let batch: { path: string; result: Promise<{ skip: string } | { pixels: Uint8Array }> }[] = [];
  let batchPixels = 0;
  const flush = async () => {
    const outcomes = await Promise.all(batch.map((b) => b.result));
    outcomes.forEach((outcome, k) => {
      const path = batch[k]!.path;
      if ('skip' in outcome) {
        skipped.push({ path, reason: outcome.skip });
      } else {
        found += 1;
        images.push({ path, pixels: outcome.pixels });
      }
    });
    batch = [];
    batchPixels = 0;
  };
  const decodeOne = async (r: Readied): Promise<{ skip: string } | { pixels: Uint8Array }> => {
    const name = r.type === 'png' ? 'PNG' : 'JPEG';
    try {
      const picture = await withTimeout(
        decode(r.bytes, r.type, shape),
        timeoutMs,
        `it took longer than ${timeoutMs / 1000} s to decode`,
      );
      const pixels = preprocess(picture.rgba, picture.width, picture.height, shape);
      if (pixels.length !== size) throw new Error('wrong size after resizing');
      return { pixels };
    } catch (error) {
      return { skip: `broken ${name}: ${errorText(error)}` };
    }
  };

  for (let i = 0; i < candidates.length; i++) {
    if (now() - lastReport > 100) {
      lastReport = now();
      onProgress?.({
        done: i,
        total: candidates.length,
        label: `Decoding ${i.toLocaleString('en-US')} of ${candidates.length.toLocaleString('en-US')} files`,
      });
    }
    const c = candidates[i]!;
    // Whether this one is within the cap depends on how the decodes under way end.
    if (batch.length > 0 && images.length + batch.length >= cap) await flush();
    const outcome = await ready(c, images.length < cap && !budgetSpent);
    if (outcome === null) {
      // A picture past the cap or the budget: counted, not decoded.
      found += 1;
      if (budgetSpent) pixelCapped += 1;
      continue;
    }
    if ('skip' in outcome) {
      skipped.push({ path: c.path, reason: outcome.skip });
      continue;
    }
    if (decodedPixels + outcome.pixels > maxTotalPixels) {
      // The rest are left out, the last by path, as past the image cap.
      budgetSpent = true;
      found += 1;
      pixelCapped += 1;
      continue;
    }
    const full =
      batch.length >= DECODE_AHEAD || batchPixels + outcome.pixels > MAX_PIXELS_IN_FLIGHT;
    if (batch.length > 0 && full) await flush();
    decodedPixels += outcome.pixels;
    batchPixels += outcome.pixels;
    batch.push({ path: c.path, result: decodeOne(outcome) });
  }
  await flush();
  onProgress?.({ done: candidates.length, total: candidates.length, label: 'Splitting the set' });
  images.sort(byPath);
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
    capped: Math.max(0, found - images.length - pixelCapped),
    cap,
    pixelCapped,
    maxTotalPixels,
    droppedClasses: labelsFromPaths(images.map((i) => i.path)).dropped,
    ms: now() - t0,
  };
}
