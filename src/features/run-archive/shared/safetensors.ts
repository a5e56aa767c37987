/**
 * The safetensors file format (Hugging Face), written and read here in a few lines so the app
 * needs no library for it: an 8-byte little-endian header length N, N bytes of JSON, then the
 * tensors' raw little-endian bytes. The JSON maps each tensor's name to its dtype, shape and
 * [begin, end) byte offsets into the data that follows, plus an optional "__metadata__" object
 * of strings. Writing lays the tensors out in the order given, back to back, and pads the header
 * with spaces to a multiple of 8 bytes (as the reference implementation does), so every tensor
 * starts aligned. Reading checks everything a hostile file could get wrong. Also float16 to and
 * from float32, which the shipped warm-start runs use. No tfjs, no DOM.
 */

/** The dtypes this app writes and reads. */
export type SafeDtype = 'F32' | 'F16' | 'I32';

const BYTES: Record<SafeDtype, number> = { F32: 4, F16: 2, I32: 4 };

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  /** The tensor's bytes, little-endian, row-major. */
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Why bytes are not a safetensors file this app can read. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Largest header read: far above any model here, small enough to refuse a hostile length. */
const MAX_HEADER = 100 * 1024 * 1024;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The little-endian bytes of a float32 array (a view when the platform is little-endian). */
export function float32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Writes tensors and metadata as one safetensors file.
 * @param tensors in the order they are laid out; names must be unique and not "__metadata__"
 */
export function writeSafetensors(
  tensors: { name: string; tensor: SafeTensor }[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, tensor } of tensors) {
    if (name === '__metadata__' || name in header) {
      throw new Error(`safetensors: the tensor name ${JSON.stringify(name)} is taken`);
    }
    const bytes = count(tensor.shape) * BYTES[tensor.dtype];
    if (bytes !== tensor.data.byteLength) {
      throw new Error(
        `safetensors: ${name} has ${tensor.data.byteLength} bytes for shape [${tensor.shape.join(', ')}] ${tensor.dtype}`,
      );
    }
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const { tensor } of tensors) {
    out.set(tensor.data, at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** Whether bytes start like a safetensors file: a sane header length, then '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > 0n && n <= BigInt(bytes.byteLength - 8) && bytes[8] === 0x7b;
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads a safetensors file. Throws SafetensorsError, with a message for people, for a truncated
 * file, a header that is not JSON, an unknown dtype, a shape that does not match its bytes, or
 * tensors that overlap, leave gaps or run past the end. The tensors' data are copies, aligned
 * for their dtype.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError('The file is too short to be a safetensors file.');
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) {
    throw new SafetensorsError(
      `The safetensors header says it is ${n} bytes long, but the file has only ${bytes.byteLength - 8} bytes after its length: it is truncated or not a safetensors file.`,
    );
  }
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)),
    );
  } catch (error) {
    throw new SafetensorsError(
      `The safetensors header is not valid JSON (${(error as Error).message}).`,
    );
  }
  if (!isRecord(header)) throw new SafetensorsError('The safetensors header is not a JSON object.');
  const dataLength = bytes.byteLength - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafeTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new SafetensorsError('The safetensors __metadata__ must map names to strings.');
      }
      Object.assign(metadata, entry);
      continue;
    }
    const bad = (why: string): never => {
      throw new SafetensorsError(`Tensor ${JSON.stringify(name)} in the safetensors file: ${why}.`);
    };
    if (!isRecord(entry)) bad('its entry is not an object');
    const e = entry as Record<string, unknown>;
    const dtype = e.dtype as SafeDtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) {
      bad(`dtype ${JSON.stringify(e.dtype)} is not one this app reads (F32, F16, I32)`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad('its shape is not a list of whole numbers');
    }
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLength
    ) {
      bad(
        `its data_offsets ${JSON.stringify(offsets)} do not lie within the ${dataLength} data bytes`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const expected = count(shape as number[]) * BYTES[dtype];
    if (end - begin !== expected) {
      bad(
        `shape [${(shape as number[]).join(', ')}] ${dtype} needs ${expected} bytes, not ${end - begin}`,
      );
    }
    spans.push([begin, end, name]);
    // A copy: the file's buffer need not be aligned for the dtype, and may be moved on.
    tensors.set(name, {
      dtype,
      shape: [...(shape as number[])],
      data: bytes.slice(headerEnd + begin, headerEnd + end),
    });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at) {
      throw new SafetensorsError(
        begin < at
          ? `Tensor ${JSON.stringify(name)} overlaps the one before it in the safetensors file.`
          : `The safetensors data has a gap before tensor ${JSON.stringify(name)}.`,
      );
    }
    at = end;
  }
  if (at !== dataLength) {
    throw new SafetensorsError(
      `The safetensors file has ${dataLength - at} bytes after its last tensor that no tensor owns.`,
    );
  }
  return { tensors, metadata };
}

/** A tensor's values as float32, whatever float dtype it is stored in. */
export function toFloat32(t: SafeTensor): Float32Array {
  if (t.dtype === 'F32')
    return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
  if (t.dtype === 'F16') {
    const halves = new Uint16Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 2);
    const out = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]!);
    return out;
  }
  throw new SafetensorsError(`A ${t.dtype} tensor holds no floats.`);
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A number to IEEE 754 binary16 bits, rounded to nearest, ties to even (as numpy and torch do). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf, NaN
  let e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = mantissa + half - 1 + ((mantissa >> shift) & 1);
    return sign | (rounded >> shift);
  }
  const rounded = mantissa + 0xfff + ((mantissa >> 13) & 1);
  if (rounded & 0x800000) {
    // The mantissa rounded up into the next exponent.
    mantissa = 0;
    e += 1;
    if (e >= 31) return sign | 0x7c00;
  } else {
    mantissa = rounded;
  }
  return sign | (e << 10) | ((mantissa >> 13) & 0x3ff);
}

/** Float32 values as F16 bytes. */
export function float16Bytes(values: Float32Array): Uint8Array {
  const halves = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) halves[i] = floatToHalf(values[i]!);
  return new Uint8Array(halves.buffer);
}
