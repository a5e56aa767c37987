// Hand-written types for scripts/datasets.mjs (used by the TypeScript unit tests).

export declare const FORMAT_VERSION: number;
export declare const IMAGE_SIZE: 784;
export declare const FASHION_SPLIT_SEED: number;
export declare const FASHION_TRAIN_COUNT: number;
export declare const MNIST_CLASSES: string[];
export declare const FASHION_CLASSES: string[];

export interface IdxFile {
  dims: number[];
  /** A view into the parsed buffer. */
  data: Uint8Array;
}

export interface Split {
  count: number;
  /** count × 784 uint8, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
}

export interface PackedClass {
  count: number;
  images: Uint8Array;
  /** Indices of empty (length 0) entries that were left out. */
  skipped: number[];
  /** True when the values were 0..1 and got multiplied by 255. */
  scaled: boolean;
}

export interface FashionSplit {
  train: Split;
  test: Split;
  total: number;
  classCounts: number[];
  skipped: { label: number; indices: number[] }[];
}

export interface SplitEntry {
  count: number;
  /** Paths of the gzipped files, e.g. "mnist/train-images.u8.gz". */
  images: string;
  labels: string;
  /** Bytes of data in each file, once decompressed. */
  imagesBytes: number;
  labelsBytes: number;
  /** Sizes of the gzipped files, set once they are written. */
  imagesGzipBytes?: number;
  labelsGzipBytes?: number;
}

export interface DatasetEntry {
  id: 'mnist' | 'fashion-mnist';
  name: string;
  shape: [number, number, number];
  classes: string[];
  train: SplitEntry;
  test: SplitEntry;
  source: string;
  licence: string;
  split: string;
}

export interface Manifest {
  formatVersion: number;
  datasets: DatasetEntry[];
}

export interface WrittenFile {
  path: string;
  bytes: number;
}

export interface PrepareResult {
  upToDate: boolean;
  /** Why the output was (re)built, or null when it was up to date. */
  reason: string | null;
  outDir: string;
  manifest: Manifest;
  written: WrittenFile[];
  notes: string[];
}

export interface PrepareOptions {
  /** Repository root: node_modules/ is read from here. */
  root: string;
  /** Defaults to <root>/public/datasets. */
  outDir?: string;
  force?: boolean;
  log?: (line: string) => void;
  fashionSeed?: number;
  fashionTrainCount?: number;
}

export declare function parseIdx(buffer: Uint8Array): IdxFile;
export declare function mnistSplitFromIdx(images: IdxFile, labels: IdxFile, what: string): Split;
export declare function mulberry32(seed: number): () => number;
export declare function seededPermutation(n: number, seed: number): Uint32Array;
export declare function packImages(images: ArrayLike<ArrayLike<number>>, what: string): PackedClass;
export declare function buildFashionSplit(
  classArrays: ReadonlyArray<ArrayLike<ArrayLike<number>> | { count: number; images: Uint8Array }>,
  seed: number,
  trainCount: number,
): FashionSplit;
export declare function mnistEntry(o: {
  trainCount: number;
  testCount: number;
  version: string;
}): DatasetEntry;
export declare function fashionEntry(o: {
  trainCount: number;
  testCount: number;
  version: string;
  seed: number;
}): DatasetEntry;
export declare function gzipBytes(data: Uint8Array): Promise<Uint8Array>;
export declare function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void>;
export declare function prepareDatasets(options: PrepareOptions): Promise<PrepareResult>;
