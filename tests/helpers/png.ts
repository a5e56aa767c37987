/**
 * A tiny PNG encoder and decoder for tests (Node only): 8-bit RGBA, filter 0 on every row.
 * The decoder reads what the encoder writes (and throws on anything else), so tests can run the
 * image import in Node; the browser decodes the same files in the end-to-end tests.
 */
import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** RGBA bytes (width * height * 4) as a PNG file. */
export function encodePng(
  width: number,
  height: number,
  rgba: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, filter method 0, no interlace
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (1 + width * 4) + 1);
  }
  const parts = [
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

/** Decodes a PNG written by encodePng; throws on anything else (or a damaged file). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = Buffer.from(bytes.subarray(offset + 4, offset + 8)).toString('latin1');
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      if (data[8] !== 8 || data[9] !== 6) throw new Error('only 8-bit RGBA');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  if (width === 0 || raw.length !== height * (1 + width * 4)) throw new Error('damaged PNG');
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    if (raw[y * (1 + width * 4)] !== 0) throw new Error('only filter 0');
    rgba.set(raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  }
  return { width, height, rgba };
}

/** A width x height picture of one colour, with a square of another in the middle (varies by seed). */
export function testPicture(width: number, height: number, seed: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const r = (seed * 53) % 256;
  const g = (seed * 97) % 256;
  const b = (seed * 151) % 256;
  const side = 2 + (seed % Math.max(1, Math.min(width, height) - 2));
  const x0 = Math.floor((width - side) / 2);
  const y0 = Math.floor((height - side) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
      const p = (y * width + x) * 4;
      rgba[p] = inside ? 255 - r : r;
      rgba[p + 1] = inside ? 255 - g : g;
      rgba[p + 2] = inside ? 255 - b : b;
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

/**
 * A valid PNG that declares `width` x `height` pixels, 1-bit grey, all black: a 30,000 x 30,000
 * one is about 110 kB, and 3.35 GiB once a browser decodes it to RGBA.
 */
export function pngDeclaring(width: number, height: number): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([1, 0, 0, 0, 0], 8); // 1 bit, grey, deflate, filter method 0, no interlace
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter 0, black pixels
  const parts = [
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * The head of a baseline JPEG that declares `width` x `height` (at most 65,535 each): the
 * start marker, a JFIF segment, an Exif-like segment of `appBytes` bytes, then the frame header
 * (SOF0, three components). No image data: a header reader finds the size, a decoder fails.
 */
export function jpegDeclaring(width: number, height: number, appBytes = 100): Uint8Array {
  const segment = (marker: number, body: number[]) => {
    const length = body.length + 2;
    return [0xff, marker, length >> 8, length & 0xff, ...body];
  };
  const jfif = [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const app1 = new Array<number>(appBytes).fill(0x45);
  const sof0 = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3];
  for (let c = 1; c <= 3; c++) sof0.push(c, 0x11, 0);
  return Uint8Array.from([
    0xff,
    0xd8,
    ...segment(0xe0, jfif),
    ...segment(0xe1, app1),
    ...segment(0xc0, sof0),
    0xff,
    0xd9,
  ]);
}
