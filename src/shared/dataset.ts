// Loads the data sets that scripts/prepare-datasets.mjs writes to public/datasets/ (gzipped
// files, decompressed here).
// Runs in the training Web Worker and in Node (unit tests): only fetch, streams, TextDecoder and
// typed arrays, no DOM or Node APIs.

import type { ImageShape } from './config';
import { GunzipError, gunzip } from './gzip';

import type { BuiltinDatasetId, DatasetId } from './settings';
import { DATASET_IDS } from './settings';

export { DATASET_IDS };
export type { BuiltinDatasetId, DatasetId };

export interface SplitInfo {
  count: number;
  /**
   * Path of the images file, relative to the data set folder (e.g. "mnist/train-images.u8.gz");
   * a name ending in .gz is a gzip file.
   */
  images: string;
  /** Path of the labels file, relative to the data set folder. */
  labels: string;
  /** Sizes of the two files as stored (gzipped), for download progress; absent for a user set. */
  imagesGzipBytes?: number;
  labelsGzipBytes?: number;
}

export interface DatasetInfo {
  id: DatasetId;
  name: string;
  /** [height, width, channels] of one image. */
  shape: [number, number, number];
  classes: string[];
  train: SplitInfo;
  test: SplitInfo;
  source: string;
  licence: string;
  split: string;
  /** User sets only: a hash of every pixel and label, so a saved run can find its images again. */
  fingerprint?: string;
}

export interface DatasetManifest {
  formatVersion: number;
  datasets: DatasetInfo[];
}

export interface DatasetSplit {
  count: number;
  /** count × height × width × channels uint8 values (0..255), HWC, image after image. */
  images: Uint8Array;
  /** count class indices, each < classes.length. */
  labels: Uint8Array;
}

export interface Dataset {
  info: DatasetInfo;
  train: DatasetSplit;
  test: DatasetSplit;
}

/** Fetches bytes of a URL, reporting progress in bytes (total may be 0 if unknown). */
export type FetchBytes = (
  url: string,
  onProgress?: (loaded: number, total: number) => void,
) => Promise<Uint8Array>;

/** The manifest formatVersion this loader understands (scripts/datasets.mjs FORMAT_VERSION). */
export const SUPPORTED_FORMAT_VERSION = 2;

const REGENERATE_HINT = 'run npm run datasets';

/** FetchBytes on the global fetch, reading the body as a stream to report progress. */
export const fetchBytes: FetchBytes = async (url, onProgress) => {
  let response: Response;
  try {
    response = await globalThis.fetch(url);
  } catch (error) {
    throw new Error(`Failed to fetch ${url}: ${errorMessage(error)}`, { cause: error });
  }
  if (!response.ok) {
    const text = response.statusText ? ` ${response.statusText}` : '';
    throw new Error(`Failed to fetch ${url}: HTTP ${response.status}${text}`);
  }
  // Content-Length counts encoded bytes; with compression it says nothing about the body size.
  const encoding = response.headers.get('content-encoding');
  const length = Number(response.headers.get('content-length'));
  const total =
    (encoding === null || encoding === 'identity') && Number.isSafeInteger(length) && length > 0
      ? length
      : 0;
  if (response.body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.length, total || bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total > 0 ? total : 1 << 20);
  let loaded = 0;
  onProgress?.(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
};

/** One file of a data set as the manifest describes it. */
export interface DataFile {
  /** Path relative to the data set folder; ending in .gz: gzipped. */
  path: string;
  /** Bytes of data, once decompressed. */
  bytes: number;
  /** Bytes of the file as stored, when the manifest says (for progress). */
  stored?: number;
  /** For messages, e.g. "MNIST test images". */
  what: string;
}

/**
 * Fetches one data file and returns its data: a .gz file is decompressed, unless the server
 * already did (a host that sends .gz files with Content-Encoding: gzip: the bytes then arrive
 * at the data's length, which a gzip file of this data never has). Throws, naming the file, its
 * URL and the sizes, when the data is not `file.bytes` long or the gzip is damaged.
 * `onProgress` gets the bytes fetched so far.
 */
export async function fetchDataFile(
  fetch: FetchBytes,
  baseUrl: string,
  file: DataFile,
  onProgress?: (loaded: number) => void,
): Promise<Uint8Array> {
  const url = joinUrl(baseUrl, file.path);
  const fetched = await fetch(url, onProgress && ((n) => onProgress(n)));
  const stale = `the data set files are missing, stale or incomplete: ${REGENERATE_HINT}`;
  let data = fetched;
  if (file.path.endsWith('.gz') && fetched.length !== file.bytes) {
    try {
      data = await gunzip(fetched, file.bytes);
    } catch (error) {
      if (!(error instanceof GunzipError)) throw error;
      throw new Error(`${file.what} (${url}): ${error.message}; ${stale}`, { cause: error });
    }
  }
  if (data.length !== file.bytes) {
    throw new Error(
      `${file.what} (${url}): expected ${file.bytes} bytes, got ${data.length}; ${stale}`,
    );
  }
  return data;
}

/** The four files of a data set: train images and labels, test images and labels. */
export function dataFilesOf(info: DatasetInfo): {
  trainImages: DataFile;
  trainLabels: DataFile;
  testImages: DataFile;
  testLabels: DataFile;
} {
  const pixels = info.shape[0] * info.shape[1] * info.shape[2];
  const file = (path: string, bytes: number, stored: number | undefined, what: string) => ({
    path,
    bytes,
    ...(stored !== undefined ? { stored } : {}),
    what: `${info.name} ${what}`,
  });
  return {
    trainImages: file(
      info.train.images,
      info.train.count * pixels,
      info.train.imagesGzipBytes,
      'train images',
    ),
    trainLabels: file(
      info.train.labels,
      info.train.count,
      info.train.labelsGzipBytes,
      'train labels',
    ),
    testImages: file(
      info.test.images,
      info.test.count * pixels,
      info.test.imagesGzipBytes,
      'test images',
    ),
    testLabels: file(info.test.labels, info.test.count, info.test.labelsGzipBytes, 'test labels'),
  };
}

/** Checks the structure of a parsed manifest.json and returns a clean copy. Throws on errors. */
export function parseManifest(json: unknown): DatasetManifest {
  const root = asRecord(json, 'manifest');
  const formatVersion = root['formatVersion'];
  if (formatVersion !== SUPPORTED_FORMAT_VERSION) {
    fail(
      `formatVersion is ${JSON.stringify(formatVersion)}, this app reads version ${SUPPORTED_FORMAT_VERSION}; ${REGENERATE_HINT}`,
    );
  }
  const list = root['datasets'];
  if (!Array.isArray(list)) fail('datasets must be an array');
  const seen = new Set<BuiltinDatasetId>();
  const datasets = list.map((entry: unknown, i): DatasetInfo => {
    const where = `datasets[${i}]`;
    const d = asRecord(entry, where);
    const id = d['id'];
    if (!isDatasetId(id)) {
      fail(`${where}.id must be one of ${DATASET_IDS.join(', ')}, got ${JSON.stringify(id)}`);
    }
    if (seen.has(id)) fail(`${where}.id "${id}" appears twice`);
    seen.add(id);
    const shape = d['shape'];
    if (
      !Array.isArray(shape) ||
      shape.length !== 3 ||
      !shape.every((n) => Number.isSafeInteger(n) && n > 0)
    ) {
      fail(`${where}.shape must be 3 positive integers, got ${JSON.stringify(shape)}`);
    }
    const classes = d['classes'];
    if (
      !Array.isArray(classes) ||
      classes.length === 0 ||
      classes.length > 256 ||
      !classes.every((c) => typeof c === 'string')
    ) {
      fail(`${where}.classes must be 1 to 256 strings`);
    }
    return {
      id,
      name: asString(d['name'], `${where}.name`),
      shape: [shape[0], shape[1], shape[2]] as [number, number, number],
      classes: [...(classes as string[])],
      train: parseSplit(d['train'], `${where}.train`),
      test: parseSplit(d['test'], `${where}.test`),
      source: asString(d['source'], `${where}.source`),
      licence: asString(d['licence'], `${where}.licence`),
      split: asString(d['split'], `${where}.split`),
    };
  });
  return { formatVersion, datasets };
}

/** Fetches and checks `${baseUrl}manifest.json`. */
export async function loadManifest(baseUrl: string, fetch: FetchBytes): Promise<DatasetManifest> {
  const url = joinUrl(baseUrl, 'manifest.json');
  const bytes = await fetch(url);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    // A dev server answers a missing file with index.html, so this is usually "not generated".
    throw new Error(`${url} is not valid JSON (${errorMessage(error)}); ${REGENERATE_HINT}`, {
      cause: error,
    });
  }
  try {
    return parseManifest(json);
  } catch (error) {
    throw new Error(`${url}: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Loads one data set: the manifest, then its four files (in parallel), checking every file's
 * size against the manifest's counts and every label against the class list. `onProgress`
 * gets the fraction 0..1 of all four files' bytes loaded so far, ending with 1.
 */
export async function loadDataset(
  id: BuiltinDatasetId,
  baseUrl: string,
  fetch: FetchBytes,
  onProgress?: (fraction: number) => void,
): Promise<Dataset> {
  const manifest = await loadManifest(baseUrl, fetch);
  const info = manifest.datasets.find((d) => d.id === id);
  if (!info) {
    const have = manifest.datasets.map((d) => d.id).join(', ') || 'none';
    throw new Error(
      `Data set "${id}" is not in ${joinUrl(baseUrl, 'manifest.json')} (it lists: ${have}); ${REGENERATE_HINT}`,
    );
  }
  const named = dataFilesOf(info);
  const files = [named.trainImages, named.trainLabels, named.testImages, named.testLabels];
  // Progress counts the bytes as they travel: the stored (gzipped) sizes where known.
  const sizes = files.map((f) => f.stored ?? f.bytes);
  const totalBytes = sizes.reduce((sum, n) => sum + n, 0);
  const loaded = files.map(() => 0);
  let reported = -1;
  const report = (force: boolean): void => {
    if (!onProgress) return;
    const done = loaded.reduce((a, b) => a + b, 0);
    const fraction = totalBytes > 0 ? Math.min(1, done / totalBytes) : 1;
    // At most ~200 reports per load: each one may become a postMessage to the page.
    if (force || fraction >= reported + 0.005) {
      reported = fraction;
      onProgress(fraction);
    }
  };
  report(true);

  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    files.map(async (file, i) => {
      const bytes = await fetchDataFile(fetch, baseUrl, file, (n) => {
        loaded[i] = Math.min(n, sizes[i]!);
        report(false);
      });
      loaded[i] = sizes[i]!;
      report(false);
      return bytes;
    }),
  );
  checkLabels(trainLabels as Uint8Array, info, joinUrl(baseUrl, info.train.labels));
  checkLabels(testLabels as Uint8Array, info, joinUrl(baseUrl, info.test.labels));
  report(true);
  return {
    info,
    train: {
      count: info.train.count,
      images: trainImages as Uint8Array,
      labels: trainLabels as Uint8Array,
    },
    test: {
      count: info.test.count,
      images: testImages as Uint8Array,
      labels: testLabels as Uint8Array,
    },
  };
}

function checkLabels(labels: Uint8Array, info: DatasetInfo, url: string): void {
  const classes = info.classes.length;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label >= classes) {
      throw new Error(
        `${url}: label #${i} is ${label}, but ${info.name} has ${classes} classes; ${REGENERATE_HINT}`,
      );
    }
  }
}

/** Joins a base URL ("/datasets/", "/app/datasets" or absolute) and a relative path. */
function joinUrl(baseUrl: string, relative: string): string {
  return baseUrl.endsWith('/') ? `${baseUrl}${relative}` : `${baseUrl}/${relative}`;
}

function parseSplit(value: unknown, where: string): SplitInfo {
  const s = asRecord(value, where);
  const count = s['count'];
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    fail(`${where}.count must be a non-negative integer, got ${JSON.stringify(count)}`);
  }
  const split: SplitInfo = {
    count,
    images: asRelativePath(s['images'], `${where}.images`),
    labels: asRelativePath(s['labels'], `${where}.labels`),
  };
  for (const key of ['imagesGzipBytes', 'labelsGzipBytes'] as const) {
    const n = s[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
      fail(`${where}.${key} must be a positive integer, got ${JSON.stringify(n)}`);
    }
    split[key] = n;
  }
  return split;
}

function isDatasetId(value: unknown): value is BuiltinDatasetId {
  return typeof value === 'string' && (DATASET_IDS as readonly string[]).includes(value);
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A relative path inside the data set folder: no scheme, no leading slash, no "..". */
function asRelativePath(value: unknown, where: string): string {
  const path = asString(value, where);
  if (
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes(':') ||
    path.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    fail(
      `${where} must be a relative path inside the data set folder, got ${JSON.stringify(path)}`,
    );
  }
  return path;
}

function fail(message: string): never {
  throw new Error(`Invalid data set manifest: ${message}`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The image shape of a data set ([height, width, channels] in its info). */
export function imageShapeOf(info: DatasetInfo): ImageShape {
  const [height, width, channels] = info.shape;
  return { width, height, channels: channels === 3 ? 3 : 1 };
}
