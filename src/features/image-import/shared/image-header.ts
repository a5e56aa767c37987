/**
 * Width and height of a PNG or JPEG read from its header, before anything is decoded: a 111 kB
 * PNG can declare 30,000 × 30,000 pixels (3.35 GiB once decoded), so the import checks what a
 * picture will cost before the browser's decoder is asked for it. No DOM: runs in the import
 * worker and under Node.
 */

/** A picture's size as its header declares it. */
export interface ImageDimensions {
  width: number;
  height: number;
}

const be16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const be32 = (b: Uint8Array, at: number) =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** PNG: the IHDR chunk must come first, right after the 8-byte signature. */
function pngDimensions(bytes: Uint8Array): ImageDimensions | null {
  const ihdr = [0x49, 0x48, 0x44, 0x52];
  if (bytes.length < 24 || !ihdr.every((c, i) => bytes[12 + i] === c)) return null;
  return { width: be32(bytes, 16), height: be32(bytes, 20) };
}

/**
 * JPEG: markers are walked from the start (each segment says its length) up to the first
 * start-of-frame (SOF0 to SOF15, less DHT, JPG and DAC, which share the range). Every step moves
 * on by at least two bytes, so the walk ends within the file.
 */
function jpegDimensions(bytes: Uint8Array): ImageDimensions | null {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    // Scan data or the end before any frame header: there is none to find.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = be16(bytes, at + 2);
    if (length < 2) return null;
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof) {
      if (at + 9 > bytes.length) return null;
      return { height: be16(bytes, at + 5), width: be16(bytes, at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

/**
 * The width and height a PNG's IHDR or a JPEG's frame header declares; null when the bytes hold
 * no such header (a broken file, or one cut short before it).
 */
export function imageDimensions(bytes: Uint8Array, type: 'png' | 'jpeg'): ImageDimensions | null {
  return type === 'png' ? pngDimensions(bytes) : jpegDimensions(bytes);
}
