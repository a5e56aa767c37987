import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  type DecodeImage,
  type ImportFile,
  importImages,
} from '../../src/features/image-import/worker/image-import';
import {
  assembleDataset,
  centreSquare,
  checkUserDataset,
  imageCap,
  isClutter,
  labelsFromPaths,
  MIN_IMAGES,
  preprocess,
  sniffImageType,
  splitTrainTest,
  TooFewImagesError,
  UNLABELLED,
  USER_COLOUR,
  USER_GREY,
} from '../../src/features/image-import/shared/user-dataset';
import { zipCandidates } from '../../src/features/image-import/worker/sources';
import { decodePng, encodePng, testPicture } from '../helpers/png';

/** A width x height RGBA picture whose pixel (x, y) is colour(x, y) = [r, g, b, a]. */
function picture(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set(colour(x, y), (y * width + x) * 4);
  }
  return rgba;
}

const nodeDecode: DecodeImage = (bytes) => Promise.resolve(decodePng(bytes));

const pngFile = (path: string, seed: number, w = 20, h = 16): ImportFile => ({
  path,
  file: new Blob([encodePng(w, h, testPicture(w, h, seed))]),
});

describe('centring and resizing', () => {
  it('cuts the central square out of wide and tall pictures', () => {
    expect(centreSquare(4, 2)).toEqual({ x: 1, y: 0, size: 2 });
    expect(centreSquare(3, 6)).toEqual({ x: 0, y: 1, size: 3 });
    expect(centreSquare(5, 2)).toEqual({ x: 1, y: 0, size: 2 });
  });

  it('drops the sides of a wide picture: only the central square is kept', () => {
    // 84 x 56: left 14 columns red, right 14 blue, the middle 56 x 56 white.
    const rgba = picture(84, 56, (x) =>
      x < 14 ? [255, 0, 0, 255] : x >= 70 ? [0, 0, 255, 255] : [255, 255, 255, 255],
    );
    const grey = preprocess(rgba, 84, 56, USER_GREY);
    expect(grey.length).toBe(28 * 28);
    expect(grey.every((v) => v === 255)).toBe(true);
  });

  it('shrinks by the exact area mean (box filter)', () => {
    // Columns alternate 0 and 200: every 2 x 2 block averages to 100.
    const rgba = picture(56, 56, (x) => {
      const v = x % 2 === 0 ? 0 : 200;
      return [v, v, v, 255];
    });
    expect(preprocess(rgba, 56, 56, USER_GREY).every((v) => v === 100)).toBe(true);
    // 3:1 on a 96 x 96 picture to 32 x 32 colour: columns 0, 30, 60 -> mean 30 in each channel.
    const rgb = picture(96, 96, (x) => [(x % 3) * 30, (x % 3) * 60, 90, 255]);
    const out = preprocess(rgb, 96, 96, USER_COLOUR);
    expect(out.length).toBe(32 * 32 * 3);
    expect(Array.from(out.subarray(0, 6))).toEqual([30, 60, 90, 30, 60, 90]);
  });

  it('enlarges small pictures, each source pixel covering its share', () => {
    // 2 x 2 -> 28 x 28: four 14 x 14 quadrants with the four grey levels.
    const levels = [10, 80, 150, 220];
    const rgba = picture(2, 2, (x, y) => {
      const v = levels[y * 2 + x]!;
      return [v, v, v, 255];
    });
    const out = preprocess(rgba, 2, 2, USER_GREY);
    expect(out[0]).toBe(10);
    expect(out[27]).toBe(80);
    expect(out[27 * 28]).toBe(150);
    expect(out[28 * 28 - 1]).toBe(220);
    expect(out[13 * 28 + 13]).toBe(10);
    expect(out[14 * 28 + 14]).toBe(220);
  });

  it('converts colour to grey by BT.601 luma and lays transparency over black', () => {
    const red = preprocess(
      picture(1, 1, () => [255, 0, 0, 255]),
      1,
      1,
      USER_GREY,
    );
    expect(red[0]).toBe(76); // 0.299 * 255
    const green = preprocess(
      picture(1, 1, () => [0, 255, 0, 255]),
      1,
      1,
      USER_GREY,
    );
    expect(green[0]).toBe(150); // 0.587 * 255
    const blue = preprocess(
      picture(1, 1, () => [0, 0, 255, 255]),
      1,
      1,
      USER_GREY,
    );
    expect(blue[0]).toBe(29); // 0.114 * 255
    const clear = preprocess(
      picture(1, 1, () => [255, 255, 255, 0]),
      1,
      1,
      USER_GREY,
    );
    expect(clear[0]).toBe(0);
    const half = preprocess(
      picture(1, 1, () => [255, 255, 255, 51]),
      1,
      1,
      USER_COLOUR,
    );
    expect(Array.from(half.subarray(0, 3))).toEqual([51, 51, 51]);
    const colour = preprocess(
      picture(1, 1, () => [200, 100, 50, 255]),
      1,
      1,
      USER_COLOUR,
    );
    expect(Array.from(colour.subarray(0, 3))).toEqual([200, 100, 50]);
  });

  it('refuses a buffer too short for its size', () => {
    expect(() => preprocess(new Uint8Array(10), 2, 2, USER_GREY)).toThrow(/cannot hold/);
  });
});

describe('files, zips and labels', () => {
  it('tells PNG and JPEG by their first bytes', () => {
    expect(sniffImageType(encodePng(1, 1, new Uint8Array(4)))).toBe('png');
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageType(strToU8('hello'))).toBeNull();
  });

  it('labels from sub-folders below the shared folder, sorted; one folder is unlabelled', () => {
    const r = labelsFromPaths(['set/dogs/c.png', 'set/cats/a.png', 'set/cats/b.png']);
    expect(r.classes).toEqual(['cats', 'dogs']);
    expect(Array.from(r.labels)).toEqual([1, 0, 0]);
    const one = labelsFromPaths(['photos/a.png', 'photos/b.png']);
    expect(one.classes).toEqual([UNLABELLED]);
    const deep = labelsFromPaths(['x/a/1/p.png', 'x/b/q.png', 'x/r.png']);
    expect(deep.classes).toEqual(['a', 'b', UNLABELLED]);
    expect(Array.from(deep.labels)).toEqual([0, 1, 2]);
  });

  it('lists a zip with its sub-folders, leaving out folders and OS clutter', async () => {
    const zip = zipSync({
      'cats/a.png': encodePng(1, 1, new Uint8Array(4)),
      'cats/b.png': encodePng(1, 1, new Uint8Array(4)),
      'dogs/c.png': encodePng(1, 1, new Uint8Array(4)),
      '__MACOSX/cats/._a.png': strToU8('fork'),
      'dogs/.DS_Store': strToU8('x'),
      'readme.txt': strToU8('text'),
    });
    const files = await zipCandidates(new Blob([zip]), 'pets');
    expect(files.map((f) => f.path).sort()).toEqual([
      'pets/cats/a.png',
      'pets/cats/b.png',
      'pets/dogs/c.png',
      'pets/readme.txt',
    ]);
    const images: string[] = [];
    for (const f of files) if (sniffImageType(await f.read())) images.push(f.path);
    expect(labelsFromPaths(images).classes).toEqual(['cats', 'dogs']);
    expect(isClutter('a/Thumbs.db')).toBe(true);
    await expect(
      zipCandidates(new Blob([strToU8('PK\u0003\u0004 broken')]), 'bad'),
    ).rejects.toThrow(/^bad\.zip cannot be read: The zip archive is truncated or damaged/);
  });
});

describe('split, limits and the set', () => {
  it('splits with a seed: disjoint, complete, about 10% test and at least a few', () => {
    const small = splitTrainTest(64);
    expect(small.test.length).toBe(16);
    expect(small.train.length).toBe(48);
    const all = [...small.train, ...small.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(splitTrainTest(1000).test.length).toBe(100);
    expect(Array.from(splitTrainTest(500).test)).toEqual(Array.from(splitTrainTest(500).test));
    expect(Array.from(splitTrainTest(500, 2).test)).not.toEqual(
      Array.from(splitTrainTest(500, 1).test),
    );
  });

  it('caps at 70,000 grey images and at the pixel budget in colour', () => {
    expect(imageCap(USER_GREY)).toBe(70_000);
    expect(imageCap(USER_COLOUR)).toBe(43_690);
  });

  it('refuses fewer than 64 images and fingerprints the pixels', () => {
    const images = (n: number, tweak = 0) =>
      Array.from({ length: n }, (_, i) => ({
        path: `set/${i % 2 ? 'odd' : 'even'}/${String(i).padStart(3, '0')}.png`,
        pixels: new Uint8Array(784).fill((i + tweak) % 256),
      }));
    expect(() => assembleDataset(images(MIN_IMAGES - 1), USER_GREY, 'set')).toThrow(
      TooFewImagesError,
    );
    expect(() => assembleDataset(images(10), USER_GREY, 'set', 2)).toThrow(
      'Only 10 usable images (2 files skipped): a data set needs at least 64.',
    );
    const d = assembleDataset(images(MIN_IMAGES), USER_GREY, 'set');
    expect(d.train.count + d.test.count).toBe(64);
    expect(d.info.classes).toEqual(['even', 'odd']);
    expect(d.info.shape).toEqual([28, 28, 1]);
    expect(d.train.images.length).toBe(d.train.count * 784);
    expect(() => checkUserDataset(d)).not.toThrow();
    expect(assembleDataset(images(64), USER_GREY, 'set').info.fingerprint).toBe(d.info.fingerprint);
    expect(assembleDataset(images(64, 1), USER_GREY, 'set').info.fingerprint).not.toBe(
      d.info.fingerprint,
    );
    expect(() =>
      checkUserDataset({ ...d, test: { ...d.test, labels: d.test.labels.subarray(1) } }),
    ).toThrow(/wrong size/);
  });
});

describe('importImages (PNG files decoded in Node)', () => {
  it('builds a set from sub-folders, listing a broken PNG and a text file as skipped', async () => {
    const files: ImportFile[] = [];
    for (let i = 0; i < 40; i++) files.push(pngFile(`shapes/circles/${i}.png`, i));
    for (let i = 0; i < 40; i++) files.push(pngFile(`shapes/squares/${i}.png`, 100 + i, 30, 30));
    const good = encodePng(4, 4, testPicture(4, 4, 1));
    files.push({ path: 'shapes/circles/broken.png', file: new Blob([good.slice(0, 40)]) });
    files.push({ path: 'shapes/notes.txt', file: new Blob(['not an image']) });
    files.push({ path: 'shapes/.DS_Store', file: new Blob(['x']) });
    const progress: number[] = [];
    const result = await importImages(files, { colour: false }, nodeDecode, (p) =>
      progress.push(p.done),
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.dataset.info.name).toBe('shapes');
    expect(result.dataset.info.classes).toEqual(['circles', 'squares']);
    expect(result.dataset.train.count + result.dataset.test.count).toBe(80);
    expect(result.skipped.map((s) => s.path).sort()).toEqual([
      'shapes/circles/broken.png',
      'shapes/notes.txt',
    ]);
    expect(result.skipped.find((s) => s.path.endsWith('.txt'))?.reason).toBe(
      'not a PNG or JPEG image',
    );
    expect(result.skipped.find((s) => s.path.endsWith('.png'))?.reason).toMatch(/^broken PNG/);
    expect(result.capped).toBe(0);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('reads a zip the same way, and keeps colour when asked', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 70; i++) {
      entries[`${i % 3 === 0 ? 'a' : 'b'}/${i}.png`] = encodePng(8, 8, testPicture(8, 8, i));
    }
    const zip = zipSync(entries);
    const result = await importImages(
      [{ path: 'two.zip', file: new Blob([zip]) }],
      { colour: true },
      nodeDecode,
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.dataset.info.shape).toEqual([32, 32, 3]);
    expect(result.dataset.info.classes).toEqual(['a', 'b']);
    expect(result.dataset.test.images.length).toBe(result.dataset.test.count * 32 * 32 * 3);
    // Colour survives: the first test image's first pixel has unequal channels.
    const px = result.dataset.test.images.subarray(0, 3);
    expect(new Set(px).size).toBeGreaterThan(1);
  });

  it('caps a large set and says how many were left out', async () => {
    const files = Array.from({ length: 90 }, (_, i) =>
      pngFile(`big/${String(i).padStart(2, '0')}.png`, i, 6, 6),
    );
    const result = await importImages(files, { colour: false, cap: 70 }, nodeDecode);
    if (!result.ok) throw new Error(result.message);
    expect(result.dataset.train.count + result.dataset.test.count).toBe(70);
    expect(result.found).toBe(90);
    expect(result.capped).toBe(20);
    expect(result.cap).toBe(70);
  });

  it('refuses a set of 10 images, listing what was skipped', async () => {
    const files = Array.from({ length: 10 }, (_, i) => pngFile(`few/${i}.png`, i));
    files.push({ path: 'few/x.txt', file: new Blob(['text']) });
    const result = await importImages(files, { colour: false }, nodeDecode);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe(
      'Only 10 usable images (1 file skipped): a data set needs at least 64. Add more PNG or JPEG images and try again.',
    );
    expect(result.skipped.map((s) => s.path)).toEqual(['few/x.txt']);
  });
});
