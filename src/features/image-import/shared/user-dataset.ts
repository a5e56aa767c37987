/**
 * The user's own images as a data set: which files of a folder or zip are images, their labels
 * (from sub-folder names), centring and resizing to the model's image shape, the seeded
 * train/test split and the limits (too few images are refused, too many are capped).
 * Pure functions on typed arrays: no DOM, so they run in the import worker and under Node.
 * Decoding PNG/JPEG bytes into pixels is the caller's (image-import.ts uses the browser's decoder),
 * and so is reading zips (worker/sources.ts).
 */
import { imageSize, type ImageShape } from '../../../shared/config';
import { mulberry32 } from '../../../shared/random';
import type { Dataset, DatasetInfo } from '../../../shared/dataset';
import type { UserDatasetRef } from '../../run-archive/shared/format';

/** Grey levels at MNIST's size: the default, so the seed's networks fit unchanged. */
export const USER_GREY: ImageShape = { width: 28, height: 28, channels: 1 };
/** Colour, on request: 32 x 32 RGB (CIFAR's size). */
export const USER_COLOUR: ImageShape = { width: 32, height: 32, channels: 3 };

/** Fewer usable images than this is refused: too few to split and to fill a batch sensibly. */
export const MIN_IMAGES = 64;
/** At most this many images are used (MNIST's size) ... */
export const MAX_IMAGES = 70_000;
/** ... and at most this many bytes of pixels, so a colour set stays within the tab's memory. */
export const PIXEL_BUDGET_BYTES = 128 * 1024 * 1024;
/** Name of the one class of a set without sub-folders, and of files beside the sub-folders. */
export const UNLABELLED = 'unlabelled';
/** Labels are bytes, like the built-in sets'. */
export const MAX_CLASSES = 256;
/** The split is fixed by this seed, so the same files give the same train and test images. */
export const SPLIT_SEED = 1;

/** Images used at most for a shape: MAX_IMAGES or the pixel budget, whichever is smaller. */
export function imageCap(shape: ImageShape): number {
  return Math.min(MAX_IMAGES, Math.floor(PIXEL_BUDGET_BYTES / imageSize(shape)));
}

/** A file that was skipped, and why, for the report the page shows. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** Operating-system clutter that is passed over without a word: macOS resource forks, dot files. */
export function isClutter(path: string): boolean {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  return name === '' || name.startsWith('.') || parts.includes('__MACOSX') || name === 'Thumbs.db';
}

/** PNG or JPEG by the file's first bytes (its name may lie); null for anything else. */
export function sniffImageType(bytes: Uint8Array): 'png' | 'jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  return null;
}

/** True when the bytes start like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3;
}

/**
 * Classes and labels from the files' folders. All files in one folder: one class, "unlabelled".
 * Otherwise the folders below the deepest folder they all share name the classes (a file deeper
 * down belongs to the sub-folder it is in; a file beside the sub-folders is "unlabelled").
 * Classes are sorted, so the same folders give the same label numbers. Beyond MAX_CLASSES
 * sub-folders the labels are dropped (`dropped` says so) and every file is "unlabelled".
 */
export function labelsFromPaths(paths: readonly string[]): {
  classes: string[];
  labels: Uint8Array;
  dropped: number;
} {
  const dirs = paths.map((p) => p.split('/').slice(0, -1));
  const first = dirs[0] ?? [];
  let common = first.length;
  for (const d of dirs) {
    let k = 0;
    while (k < common && k < d.length && d[k] === first[k]) k++;
    common = k;
  }
  const names = dirs.map((d) => (d.length > common ? d[common]! : UNLABELLED));
  const classes = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length > MAX_CLASSES) {
    return { classes: [UNLABELLED], labels: new Uint8Array(paths.length), dropped: classes.length };
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  return { classes, labels: Uint8Array.from(names, (n) => index.get(n)!), dropped: 0 };
}

/** The largest square in the middle of a width x height picture (the left/top gets the odd pixel less). */
export function centreSquare(
  width: number,
  height: number,
): { x: number; y: number; size: number } {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/**
 * One decoded picture (RGBA bytes, width x height, straight alpha) as an image of `shape`:
 * the central square is cut out (so the subject stays centred and undistorted), each output
 * pixel is the area-weighted mean of the input pixels it covers (exact box filter, for shrinking
 * and for enlarging), transparent parts are laid over black, and grey levels are the BT.601 luma
 * 0.299 R + 0.587 G + 0.114 B. Returns imageSize(shape) bytes, HWC.
 */
export function preprocess(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  shape: ImageShape,
): Uint8Array {
  if (width < 1 || height < 1 || rgba.length < width * height * 4) {
    throw new Error(
      `preprocess: ${rgba.length} bytes cannot hold a ${width} x ${height} RGBA picture`,
    );
  }
  const { x: x0, y: y0, size } = centreSquare(width, height);
  const { width: ow, height: oh, channels } = shape;
  const out = new Uint8Array(imageSize(shape));
  const sx = size / ow; // input pixels per output pixel, across
  const sy = size / oh;
  const acc = [0, 0, 0];
  for (let oy = 0; oy < oh; oy++) {
    const top = oy * sy;
    const bottom = top + sy;
    for (let ox = 0; ox < ow; ox++) {
      const left = ox * sx;
      const right = left + sx;
      acc[0] = acc[1] = acc[2] = 0;
      for (let iy = Math.floor(top); iy < Math.min(size, Math.ceil(bottom)); iy++) {
        const wy = Math.min(bottom, iy + 1) - Math.max(top, iy);
        if (wy <= 0) continue;
        for (let ix = Math.floor(left); ix < Math.min(size, Math.ceil(right)); ix++) {
          const wx = Math.min(right, ix + 1) - Math.max(left, ix);
          if (wx <= 0) continue;
          const p = ((y0 + iy) * width + x0 + ix) * 4;
          const w = (wx * wy * rgba[p + 3]!) / 255; // over black: colour times opacity
          acc[0] += w * rgba[p]!;
          acc[1] += w * rgba[p + 1]!;
          acc[2] += w * rgba[p + 2]!;
        }
      }
      const area = sx * sy;
      const o = (oy * ow + ox) * channels;
      if (channels === 1) {
        out[o] = Math.round((0.299 * acc[0] + 0.587 * acc[1] + 0.114 * acc[2]) / area);
      } else {
        out[o] = Math.round(acc[0] / area);
        out[o + 1] = Math.round(acc[1] / area);
        out[o + 2] = Math.round(acc[2] / area);
      }
    }
  }
  return out;
}

/**
 * A seeded split of `count` images: about 10% for testing, and at least min(32, count / 4), so
 * the pictures and the latent explorer have test images to show. Each part is in index order.
 */
export function splitTrainTest(
  count: number,
  seed = SPLIT_SEED,
): { train: Uint32Array; test: Uint32Array } {
  const testCount = Math.max(Math.round(count * 0.1), Math.min(32, Math.floor(count / 4)));
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const sort = (a: Uint32Array) => a.sort();
  return { test: sort(order.slice(0, testCount)), train: sort(order.slice(testCount)) };
}

/** FNV-1a (32 bit) over bytes, continuing from `hash`; hex of the result is a set's fingerprint. */
export function fnv1a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A refused set: too few usable images. The message is for people. */
export class TooFewImagesError extends Error {
  constructor(
    readonly usable: number,
    readonly skipped: number,
  ) {
    super(
      `Only ${usable} usable image${usable === 1 ? '' : 's'}` +
        (skipped > 0 ? ` (${skipped} file${skipped === 1 ? '' : 's'} skipped)` : '') +
        `: a data set needs at least ${MIN_IMAGES}. Add more PNG or JPEG images and try again.`,
    );
    this.name = 'TooFewImagesError';
  }
}

/**
 * The decoded images (each imageSize(shape) bytes, in path order) as a data set with a seeded
 * train/test split. Throws TooFewImagesError below MIN_IMAGES.
 */
export function assembleDataset(
  images: readonly { path: string; pixels: Uint8Array }[],
  shape: ImageShape,
  name: string,
  skipped = 0,
): Dataset {
  if (images.length < MIN_IMAGES) throw new TooFewImagesError(images.length, skipped);
  const size = imageSize(shape);
  const { classes, labels } = labelsFromPaths(images.map((i) => i.path));
  const { train, test } = splitTrainTest(images.length);
  const gather = (indices: Uint32Array) => {
    const pixels = new Uint8Array(indices.length * size);
    const picked = new Uint8Array(indices.length);
    indices.forEach((index, k) => {
      pixels.set(images[index]!.pixels, k * size);
      picked[k] = labels[index]!;
    });
    return { count: indices.length, images: pixels, labels: picked };
  };
  const trainSplit = gather(train);
  const testSplit = gather(test);
  let hash = fnv1a(Uint8Array.from([shape.width, shape.height, shape.channels]));
  for (const part of [trainSplit.images, trainSplit.labels, testSplit.images, testSplit.labels]) {
    hash = fnv1a(part, hash);
  }
  const info: DatasetInfo = {
    id: 'user',
    name,
    shape: [shape.height, shape.width, shape.channels],
    classes,
    train: { count: trainSplit.count, images: '(in memory)', labels: '(in memory)' },
    test: { count: testSplit.count, images: '(in memory)', labels: '(in memory)' },
    source: 'your own images, decoded in this browser',
    licence: 'yours',
    split: `seeded shuffle (seed ${SPLIT_SEED}): ${testSplit.count} test, ${trainSplit.count} train`,
    fingerprint: hash.toString(16).padStart(8, '0'),
  };
  return { info, train: trainSplit, test: testSplit };
}

/** Said when settings ask for the user's images but none are loaded (e.g. a link with dataset=user). */
export const NO_USER_DATASET =
  'No images of your own are loaded: drop a folder or a zip of PNG/JPEG images on "Your own images" (a link or a saved setting cannot carry them).';

/**
 * Checks a user set that crossed a worker boundary: its shape, counts, buffer sizes and labels.
 * Throws a message for people on the first problem.
 */
export function checkUserDataset(d: Dataset): void {
  const { info, train, test } = d;
  const [height, width, channels] = info.shape;
  const ok =
    info.id === 'user' &&
    typeof info.fingerprint === 'string' &&
    ((height === 28 && width === 28 && channels === 1) ||
      (height === 32 && width === 32 && channels === 3)) &&
    info.classes.length >= 1 &&
    info.classes.length <= MAX_CLASSES &&
    train.count >= 1 &&
    test.count >= 2 &&
    train.count + test.count >= MIN_IMAGES;
  if (!ok) throw new Error('The image set is malformed (shape, classes or counts); load it again.');
  const size = height * width * channels;
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (split.images.length !== split.count * size || split.labels.length !== split.count) {
      throw new Error(`The image set's ${name} split has the wrong size; load it again.`);
    }
    if (split.labels.some((l) => l >= info.classes.length)) {
      throw new Error(`The image set's ${name} split has a label out of range; load it again.`);
    }
  }
}

/** What a saved run records of the user set it was trained on. */
export function userDatasetRef(d: Dataset): UserDatasetRef {
  return {
    name: d.info.name,
    fingerprint: d.info.fingerprint ?? '',
    classes: [...d.info.classes],
    trainCount: d.train.count,
    testCount: d.test.count,
  };
}
