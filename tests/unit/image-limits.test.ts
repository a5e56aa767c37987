// The image import's bounds: sizes read from PNG and JPEG headers before decoding, pictures past
// the per-picture cap skipped without being decoded, decodes held to a pixel budget at once and
// in all, zips read entry by entry against the cap (counted in bytes read), and a decode that
// never ends given up.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { imageDimensions } from '../../src/features/image-import/shared/image-header';
import {
  describePixels,
  MAX_PIXELS_IN_FLIGHT,
} from '../../src/features/image-import/shared/import-limits';
import {
  type DecodeImage,
  type ImportFile,
  importImages,
} from '../../src/features/image-import/worker/image-import';
import { zipClaimingEntries } from '../helpers/crafted-zip';
import { decodePng, encodePng, jpegDeclaring, pngDeclaring, testPicture } from '../helpers/png';

const nodeDecode: DecodeImage = (bytes) => Promise.resolve(decodePng(bytes));

const png = (w: number, h: number, seed: number) => encodePng(w, h, testPicture(w, h, seed));
const file = (path: string, bytes: Uint8Array): ImportFile => ({
  path,
  file: new Blob([bytes as Uint8Array<ArrayBuffer>]),
});

/** A Blob that adds up the bytes read from it through slice(). */
class CountingBlob extends Blob {
  static read = 0;
  override slice(start?: number, end?: number, type?: string): Blob {
    const part = super.slice(start, end, type);
    CountingBlob.read += part.size;
    return part;
  }
}

/** A decoder that counts its calls and the most running at once, and draws a small picture. */
function spyDecoder() {
  const spy = { calls: 0, running: 0, most: 0 };
  const decode: DecodeImage = async () => {
    spy.calls += 1;
    spy.running += 1;
    spy.most = Math.max(spy.most, spy.running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    spy.running -= 1;
    return { width: 4, height: 4, rgba: new Uint8Array(64).fill(200) };
  };
  return { spy, decode };
}

describe('picture sizes from their headers', () => {
  it('reads a PNG IHDR and a JPEG frame header behind other segments', () => {
    expect(imageDimensions(png(20, 16, 1), 'png')).toEqual({ width: 20, height: 16 });
    expect(imageDimensions(jpegDeclaring(640, 480), 'jpeg')).toEqual({ width: 640, height: 480 });
    // An Exif segment of 60 kB before the frame header is walked over.
    expect(imageDimensions(jpegDeclaring(30_000, 20_000, 60_000), 'jpeg')).toEqual({
      width: 30_000,
      height: 20_000,
    });
  });

  it('finds nothing in files cut short before the header', () => {
    expect(imageDimensions(png(20, 16, 1).slice(0, 20), 'png')).toBeNull();
    expect(imageDimensions(jpegDeclaring(640, 480).slice(0, 30), 'jpeg')).toBeNull();
    // Scan data before any frame header.
    expect(imageDimensions(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'jpeg')).toBeNull();
  });

  it('says a size in words', () => {
    expect(describePixels(30_000, 30_000)).toBe('30,000 × 30,000 pixels (900 megapixels)');
    expect(describePixels(2000, 1500)).toBe('2,000 × 1,500 pixels (3.0 megapixels)');
  });
});

describe('what is decoded', () => {
  it('a PNG that declares 30,000 × 30,000 is skipped without being decoded', async () => {
    const huge = pngDeclaring(30_000, 30_000);
    expect(huge.length).toBeLessThan(150_000);
    expect(imageDimensions(huge, 'png')).toEqual({ width: 30_000, height: 30_000 });
    const files = Array.from({ length: 64 }, (_, i) => file(`set/${i}.png`, png(8, 8, i)));
    files.push(file('set/zz-huge.png', huge));
    files.push(file('set/zz-huge.jpg', jpegDeclaring(30_000, 30_000)));
    const { spy, decode } = spyDecoder();
    const result = await importImages(files, { colour: false }, decode);
    if (!result.ok) throw new Error(result.message);
    expect(spy.calls).toBe(64);
    expect(result.skipped).toEqual([
      {
        path: 'set/zz-huge.jpg',
        reason:
          '30,000 × 30,000 pixels (900 megapixels): more than the 50-megapixel limit for one picture',
      },
      {
        path: 'set/zz-huge.png',
        reason:
          '30,000 × 30,000 pixels (900 megapixels): more than the 50-megapixel limit for one picture',
      },
    ]);
  });

  it('decodes four small pictures at once, but large ones only as the pixel budget allows', async () => {
    const small = Array.from({ length: 12 }, (_, i) => file(`a/${i}.png`, png(8, 8, i)));
    const { spy, decode } = spyDecoder();
    await importImages(small, { colour: false }, decode);
    expect(spy.most).toBe(4);
    // 6,000 × 5,000 = 30 megapixels each: two fit in 64 at once, three do not.
    expect(2 * 30e6).toBeLessThanOrEqual(MAX_PIXELS_IN_FLIGHT);
    expect(3 * 30e6).toBeGreaterThan(MAX_PIXELS_IN_FLIGHT);
    const large = Array.from({ length: 6 }, (_, i) =>
      file(`b/${i}.jpg`, jpegDeclaring(6000, 5000)),
    );
    const second = spyDecoder();
    await importImages(large, { colour: false }, second.decode);
    expect(second.spy.calls).toBe(6);
    expect(second.spy.most).toBe(2);
  });

  it('stops decoding at the total pixel budget and says how many were left out', async () => {
    // 80 pictures of 10 × 10: a budget of 7,000 pixels decodes the first 70 by path.
    const files = Array.from({ length: 80 }, (_, i) =>
      file(`p/${String(i).padStart(2, '0')}.png`, png(10, 10, i)),
    );
    const result = await importImages(files, { colour: false, maxTotalPixels: 7000 }, nodeDecode);
    if (!result.ok) throw new Error(result.message);
    expect(result.dataset.train.count + result.dataset.test.count).toBe(70);
    expect(result.found).toBe(80);
    expect(result.pixelCapped).toBe(10);
    expect(result.capped).toBe(0);
  });

  it('gives up a decode that never ends and goes on with the rest', async () => {
    const files = Array.from({ length: 65 }, (_, i) =>
      file(`s/${String(i).padStart(2, '0')}.png`, png(6, 6, i)),
    );
    const stuck = files[10]!.path;
    let index = 0;
    const decode: DecodeImage = (bytes, type, shape) =>
      index++ === 10 ? new Promise(() => {}) : nodeDecode(bytes, type, shape);
    const result = await importImages(files, { colour: false, decodeTimeoutMs: 50 }, decode);
    if (!result.ok) throw new Error(result.message);
    expect(result.dataset.train.count + result.dataset.test.count).toBe(64);
    expect(result.skipped).toEqual([
      { path: stuck, reason: 'broken PNG: it took longer than 0.05 s to decode' },
    ]);
  });
});

describe('a zip of pictures past the cap', () => {
  it('reads the pictures within the cap and only the first bytes of the rest', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 70; i++) entries[`a/${String(i).padStart(2, '0')}.png`] = png(8, 8, i);
    // Twenty more, last by path, of about 256 kB each: noise does not compress.
    const noise = (seed: number) => {
      const rgba = new Uint8Array(256 * 256 * 4);
      let s = seed;
      for (let k = 0; k < rgba.length; k++)
        rgba[k] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
      return encodePng(256, 256, rgba);
    };
    for (let i = 0; i < 20; i++) entries[`z/${i}.png`] = noise(i + 1);
    const zip = zipSync(entries, { level: 0 });
    expect(zip.length).toBeGreaterThan(20 * 256 * 1024);
    CountingBlob.read = 0;
    const result = await importImages(
      [{ path: 'set.zip', file: new CountingBlob([zip]) }],
      { colour: false, cap: 70 },
      nodeDecode,
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.found).toBe(90);
    expect(result.capped).toBe(20);
    // The 70 small pictures whole, the directory, and 4 kB of each of the twenty large ones.
    expect(CountingBlob.read).toBeLessThan(300_000);
  });

  it('a zip whose directory claims 4,294,967,295 entries is listed as skipped at once', async () => {
    const files = Array.from({ length: 64 }, (_, i) => file(`d/${i}.png`, png(6, 6, i)));
    files.push(file('claims.zip', zipClaimingEntries(4_294_967_295)));
    const result = await importImages(files, { colour: false }, nodeDecode);
    if (!result.ok) throw new Error(result.message);
    expect(result.skipped).toEqual([
      {
        path: 'claims.zip',
        reason:
          'claims.zip cannot be read: The zip lists 4,294,967,295 entries; at most 1,000,000 are read.',
      },
    ]);
  });
});
