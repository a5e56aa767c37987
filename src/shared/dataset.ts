// Loads the data sets that scripts/prepare-datasets.mjs writes to public/datasets/.
// Runs in the training Web Worker and in Node (unit tests): only fetch, streams, TextDecoder and
// typed arrays, no DOM or Node APIs.

import type { ImageShape } from './config';

import type { BuiltinDatasetId, DatasetId } from './settings';
import { DATASET_IDS } from './settings';

export { DATASET_IDS };
export type { BuiltinDatasetId, DatasetId };

export interface SplitInfo {
  count: number;
  /** Path of the images file, relative to the data set folder (e.g. "mnist/train-images.u8"). */
  images: string;
  /** Path of the labels file, relative to the data set folder. */
  labels: string;
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
export const SUPPORTED_FORMAT_VERSION = 1;

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
  const pixels = info.shape[0] * info.shape[1] * info.shape[2];
  const files = [
    { path: info.train.images, bytes: info.train.count * pixels, what: 'train images' },
    { path: info.train.labels, bytes: info.train.count, what: 'train labels' },
    { path: info.test.images, bytes: info.test.count * pixels, what: 'test images' },
    { path: info.test.labels, bytes: info.test.count, what: 'test labels' },
  ];
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
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
      const url = joinUrl(baseUrl, file.path);
      const bytes = await fetch(url, (n) => {
        loaded[i] = Math.min(n, file.bytes);
        report(false);
      });
      if (bytes.length !== file.bytes) {
        throw new Error(
          `${info.name} ${file.what} (${url}): expected ${file.bytes} bytes, got ${bytes.length}; ` +
            `the data set files are missing, stale or incomplete: ${REGENERATE_HINT}`,
        );
      }
      loaded[i] = file.bytes;
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
  return {
    count,
    images: asRelativePath(s['images'], `${where}.images`),
    labels: asRelativePath(s['labels'], `${where}.labels`),
  };
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
