/**
 * A zip reader whose work is bounded before it starts: it reads the central directory itself
 * and checks the entry count, the directory's size and every offset against the file before
 * it reads a single entry, then inflates only the entries the caller asks for, each into a
 * buffer of the size its directory record declares, and stops the moment the data would
 * overflow that buffer. So a crafted file costs at most what its caller's caps allow: a zip64
 * record that claims 4,294,967,295 entries is refused from its 22 + 76 bytes, a "zip bomb"
 * entry after at most one input chunk's worth of output past its declared size.
 *
 * fflate's unzipSync does none of this (it loops over the claimed count and inflates every
 * entry before its caller sees one); its streaming Inflate does the decompression here.
 *
 * The parsing is written once, as generators that ask for byte ranges, and driven either from
 * bytes in memory (a run zip, synchronous) or from an async source such as a Blob (a zip of
 * images, read entry by entry without loading the whole file). No DOM and no tfjs.
 */
import { Inflate } from 'fflate';

/** Why a zip was refused. */
export type ZipProblem = 'damaged' | 'too-many-entries' | 'too-large' | 'unsupported';

/** A zip refused with a message for people (callers add which file it was). */
export class ZipError extends Error {
  constructor(
    readonly problem: ZipProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ZipError';
  }
}

/** One entry as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0: stored, 8: deflated (the only two read). */
  method: number;
  compressedSize: number;
  /** The inflated size the directory declares: reading never yields more. */
  size: number;
  /** Where the entry's local header starts. */
  headerOffset: number;
  encrypted: boolean;
}

/** Caps on the directory, checked before any entry is read. */
export interface ZipDirectoryLimits {
  /** Most entries (files and folders) the directory may list. */
  maxEntries: number;
  /** Most bytes the central directory itself may take (default: what maxEntries needs). */
  maxDirectoryBytes?: number;
}

/** A request for `length` bytes at `offset`, which the driver answers with those bytes. */
interface ByteRange {
  offset: number;
  length: number;
}
type Reading<T> = Generator<ByteRange, T, Uint8Array>;

/** Smallest central directory record (46 bytes) and end record (22 bytes). */
const DIRECTORY_RECORD = 46;
const END_RECORD = 22;
const ZIP64_LOCATOR = 20;
const ZIP64_END_RECORD = 56;
const LOCAL_HEADER = 30;
const MAX_COMMENT = 0xffff;
/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most 1032:1, so one
 * chunk yields at most 66 MB: the most an entry that lies about its size inflates past it.
 */
const INFLATE_CHUNK = 64 * 1024;
/** Compressed bytes read at a time for the first few bytes of an entry (a file type's magic). */
const HEAD_CHUNK = 4 * 1024;
/** A directory record's name, extra field and comment are at most this long together. */
const MAX_RECORD_TAIL = 3 * 0xffff;

const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_DIRECTORY = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** A 64-bit little-endian count; refused when past 2^53 (no real file is). */
function u64(b: Uint8Array, at: number): number {
  const value = u32(b, at) + u32(b, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(value)) damaged('a 64-bit size or offset is out of range');
  return value;
}

const count = (n: number) => n.toLocaleString('en-US');

function damaged(why: string): never {
  throw new ZipError('damaged', `The zip archive is truncated or damaged (${why}).`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** UTF-8 when flagged (or when it decodes as such: many tools forget the flag), else CP437-ish. */
function entryName(bytes: Uint8Array, utf8Flag: boolean): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return utf8Flag ? damaged('an entry name is not valid UTF-8') : latin1.decode(bytes);
  }
}

/** Finds and checks the central directory, then reads its records. */
function* readDirectory(size: number, limits: ZipDirectoryLimits): Reading<ZipEntry[]> {
  if (size < END_RECORD) damaged(`${size} bytes are too few for a zip`);
  const tailLength = Math.min(size, END_RECORD + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = yield { offset: tailStart, length: tailLength };
  let end = -1;
  for (let i = tailLength - END_RECORD; i >= 0; i--) {
    if (u32(tail, i) === SIG_END && i + END_RECORD + u16(tail, i + 20) <= tailLength) {
      end = i;
      break;
    }
  }
  if (end < 0) damaged('there is no zip directory at its end');
  const endAt = tailStart + end;
  let entries = u16(tail, end + 10);
  let directorySize = u32(tail, end + 12);
  let directoryAt = u32(tail, end + 16);
  const disk = u16(tail, end + 4);
  if (disk !== 0 && disk !== 0xffff) {
    throw new ZipError('unsupported', 'Zips split over several files cannot be read.');
  }
  let directoryEnd = endAt;
  if (endAt >= ZIP64_LOCATOR) {
    const locator = yield { offset: endAt - ZIP64_LOCATOR, length: ZIP64_LOCATOR };
    if (u32(locator, 0) === SIG_ZIP64_LOCATOR) {
      const recordAt = u64(locator, 8);
      if (recordAt + ZIP64_END_RECORD > endAt - ZIP64_LOCATOR)
        damaged('the zip64 end record lies outside the file');
      const record = yield { offset: recordAt, length: ZIP64_END_RECORD };
      if (u32(record, 0) !== SIG_ZIP64_END) damaged('the zip64 end record is missing');
      entries = u64(record, 32);
      directorySize = u64(record, 40);
      directoryAt = u64(record, 48);
      if (u64(record, 24) !== entries)
        throw new ZipError('unsupported', 'Zips split over several files cannot be read.');
      directoryEnd = recordAt;
    }
  }
  // The claimed count is checked against the caps and the file before any loop runs over it.
  if (entries > limits.maxEntries) {
    throw new ZipError(
      'too-many-entries',
      `The zip lists ${count(entries)} entries; at most ${count(limits.maxEntries)} are read.`,
    );
  }
  if (entries * DIRECTORY_RECORD > directorySize || directoryAt + directorySize > directoryEnd) {
    damaged(`its directory claims ${count(entries)} entries that the file cannot hold`);
  }
  const maxDirectory =
    limits.maxDirectoryBytes ?? limits.maxEntries * (DIRECTORY_RECORD + MAX_RECORD_TAIL);
  if (directorySize > maxDirectory) {
    throw new ZipError(
      'too-large',
      `The zip's directory is ${count(directorySize)} bytes; at most ${count(maxDirectory)} are read.`,
    );
  }
  const dir = yield { offset: directoryAt, length: directorySize };
  const out: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < entries; i++) {
    if (at + DIRECTORY_RECORD > directorySize || u32(dir, at) !== SIG_DIRECTORY)
      damaged('a directory record is broken');
    const flags = u16(dir, at + 8);
    const nameLength = u16(dir, at + 28);
    const extraLength = u16(dir, at + 30);
    const commentLength = u16(dir, at + 32);
    const next = at + DIRECTORY_RECORD + nameLength + extraLength + commentLength;
    if (next > directorySize) damaged('a directory record runs past the directory');
    let compressedSize = u32(dir, at + 20);
    let size = u32(dir, at + 24);
    let headerOffset = u32(dir, at + 42);
    // The zip64 extra field holds, in this order, whichever of the three are 0xffffffff.
    const extraStart = at + DIRECTORY_RECORD + nameLength;
    for (let e = extraStart; e + 4 <= extraStart + extraLength;) {
      const id = u16(dir, e);
      const length = u16(dir, e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const take = () => {
          if (f + 8 > e + 4 + length) damaged('a zip64 extra field is too short');
          const v = u64(dir, f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (headerOffset === 0xffffffff) headerOffset = take();
      }
      e += 4 + length;
    }
    out.push({
      name: entryName(
        dir.subarray(at + DIRECTORY_RECORD, at + DIRECTORY_RECORD + nameLength),
        (flags & 0x800) !== 0,
      ),
      method: u16(dir, at + 10),
      compressedSize,
      size,
      headerOffset,
      encrypted: (flags & 1) !== 0,
    });
    at = next;
  }
  return out;
}

/** Where an entry's data starts: after its local header, which must be where the directory says. */
function* dataStart(entry: ZipEntry, size: number): Reading<number> {
  if (entry.encrypted) throw new ZipError('unsupported', `${entry.name} is encrypted.`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipError(
      'unsupported',
      `${entry.name} is compressed with method ${entry.method}; only stored and deflated entries are read.`,
    );
  }
  if (entry.headerOffset + LOCAL_HEADER > size) damaged(`${entry.name} lies outside the file`);
  const header = yield { offset: entry.headerOffset, length: LOCAL_HEADER };
  if (u32(header, 0) !== SIG_LOCAL) damaged(`the local header of ${entry.name} is missing`);
  const start = entry.headerOffset + LOCAL_HEADER + u16(header, 26) + u16(header, 28);
  if (start + entry.compressedSize > size) damaged(`${entry.name} runs past the end of the file`);
  return start;
}

/**
 * Inflates at most `want` bytes (all of them when `want` is the declared size) into a buffer of
 * the declared size; more output than declared is refused at once.
 */
function* readData(entry: ZipEntry, size: number, want: number): Reading<Uint8Array> {
  const start = yield* dataStart(entry, size);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      damaged(`${entry.name} is stored with two different sizes`);
    const length = Math.min(want, entry.size);
    return length === 0 ? new Uint8Array(0) : yield { offset: start, length };
  }
  // A full read goes on past the declared size while input is left, to notice a lie; a head
  // read stops as soon as it has its bytes.
  const whole = want >= entry.size;
  const out = new Uint8Array(Math.min(want, entry.size));
  let filled = 0;
  let overflow = false;
  const inflater = new Inflate((chunk) => {
    const room = out.length - filled;
    if (chunk.length > room) {
      if (whole) overflow = true;
      out.set(chunk.subarray(0, room), filled);
      filled = out.length;
      return;
    }
    out.set(chunk, filled);
    filled += chunk.length;
  });
  for (let at = 0; at < entry.compressedSize && !overflow && (filled < out.length || whole);) {
    const length = Math.min(whole ? INFLATE_CHUNK : HEAD_CHUNK, entry.compressedSize - at);
    const chunk = yield { offset: start + at, length };
    at += length;
    try {
      inflater.push(chunk, at >= entry.compressedSize);
    } catch (error) {
      damaged(`${entry.name}: ${(error as Error).message}`);
    }
  }
  if (overflow) {
    throw new ZipError(
      'too-large',
      `${entry.name} inflates to more than the ${count(entry.size)} bytes its directory declares.`,
    );
  }
  if (filled < out.length) damaged(`${entry.name} inflates to fewer bytes than declared`);
  return out;
}

function drive<T>(reading: Reading<T>, bytes: Uint8Array): T {
  let step = reading.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = reading.next(bytes.subarray(offset, offset + length));
  }
  return step.value;
}

async function driveAsync<T>(reading: Reading<T>, readAt: ReadAt): Promise<T> {
  let step = reading.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = reading.next(await readAt(offset, length));
  }
  return step.value;
}

function checkCap(entry: ZipEntry, maxBytes: number) {
  if (entry.size > maxBytes) {
    throw new ZipError(
      'too-large',
      `${entry.name} declares ${count(entry.size)} bytes; at most ${count(maxBytes)} are read from it.`,
    );
  }
}

/** A zip in memory: the directory is read and checked on open, entries on demand. */
export class ZipBytes {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  /** Reads and checks the directory (throws ZipError). */
  constructor(
    private readonly bytes: Uint8Array,
    limits: ZipDirectoryLimits,
  ) {
    this.entries = drive(readDirectory(bytes.byteLength, limits), bytes);
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
  }

  /** The entry of that name, if the directory lists one. */
  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** An entry's bytes; refused (ZipError) when it declares or inflates to more than `maxBytes`. */
  read(entry: ZipEntry, maxBytes: number): Uint8Array {
    checkCap(entry, maxBytes);
    return drive(readData(entry, this.bytes.byteLength, entry.size), this.bytes);
  }
}

/** Reads `length` bytes at `offset` of a file, e.g. `blob.slice(offset, offset + length)`. */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** A zip read piece by piece from a source of `size` bytes (a Blob, a file). */
export class ZipSource {
  private constructor(
    private readonly readAt: ReadAt,
    private readonly size: number,
    readonly entries: readonly ZipEntry[],
  ) {}

  /** Reads and checks the directory (throws ZipError). */
  static async open(readAt: ReadAt, size: number, limits: ZipDirectoryLimits): Promise<ZipSource> {
    return new ZipSource(readAt, size, await driveAsync(readDirectory(size, limits), readAt));
  }

  /** An entry's bytes; refused (ZipError) when it declares or inflates to more than `maxBytes`. */
  read(entry: ZipEntry, maxBytes: number): Promise<Uint8Array> {
    try {
      checkCap(entry, maxBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return driveAsync(readData(entry, this.size, entry.size), this.readAt);
  }

  /** The first `n` bytes of an entry (fewer if it is shorter), inflating no more than needed. */
  head(entry: ZipEntry, n: number): Promise<Uint8Array> {
    return driveAsync(readData(entry, this.size, n), this.readAt);
  }
}
