/**
 * Hostile zips for tests, written byte by byte: entries whose directory records say what the
 * test wants (a size that lies, a huge one), directories that claim more entries than exist,
 * and deflate streams of about a gibibyte of zeros in a few megabytes. fflate's zipSync cannot
 * write such files (it tells the truth), and a gibibyte of zeros is never allocated here.
 */
import { once } from 'node:events';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { METRIC_NAMES } from '../../src/shared/metrics';

export interface CraftedEntry {
  name: string;
  /** The entry's data as stored in the zip (deflated when `method` is 8). */
  data: Uint8Array;
  method?: 0 | 8;
  /** The inflated size the local header and the directory declare (default: the truth). */
  size: number;
  flags?: number;
}

/** A deflated entry of `bytes` with its true size. */
export function deflated(name: string, bytes: Uint8Array): CraftedEntry {
  return { name, data: deflateRawSync(bytes), method: 8, size: bytes.length };
}

const enc = new TextEncoder();

/** A zip of the entries, each declaring its `size`; with `zip64`, zip64 end records too. */
export function craftZip(entries: CraftedEntry[], options: { zip64?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    offset += b.length;
  };
  const records: Uint8Array[] = [];
  for (const e of entries) {
    const name = enc.encode(e.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, e.flags ?? 0, true);
    lv.setUint16(8, e.method ?? 8, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, Math.min(e.size, 0xffffffff), true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const record = new Uint8Array(46 + name.length);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, 0x02014b50, true);
    rv.setUint16(4, 20, true);
    rv.setUint16(6, 20, true);
    rv.setUint16(8, e.flags ?? 0, true);
    rv.setUint16(10, e.method ?? 8, true);
    rv.setUint32(20, e.data.length, true);
    rv.setUint32(24, Math.min(e.size, 0xffffffff), true);
    rv.setUint16(28, name.length, true);
    rv.setUint32(42, offset, true);
    record.set(name, 46);
    records.push(record);
    push(local);
    push(e.data);
  }
  const directoryAt = offset;
  for (const r of records) push(r);
  const directorySize = offset - directoryAt;
  if (options.zip64) {
    push(zip64End(entries.length, directorySize, directoryAt));
    push(zip64Locator(offset - 56));
  }
  push(endRecord(options.zip64 ? 0xffff : entries.length, directorySize, directoryAt));
  const out = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function zip64End(entries: number, directorySize: number, directoryAt: number): Uint8Array {
  const b = new Uint8Array(56);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x06064b50, true);
  v.setBigUint64(4, 44n, true);
  v.setUint16(12, 45, true);
  v.setUint16(14, 45, true);
  v.setBigUint64(24, BigInt(entries), true);
  v.setBigUint64(32, BigInt(entries), true);
  v.setBigUint64(40, BigInt(directorySize), true);
  v.setBigUint64(48, BigInt(directoryAt), true);
  return b;
}

function zip64Locator(recordAt: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x07064b50, true);
  v.setBigUint64(8, BigInt(recordAt), true);
  v.setUint32(16, 1, true);
  return b;
}

function endRecord(entries: number, directorySize: number, directoryAt: number): Uint8Array {
  const b = new Uint8Array(22);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, entries, true);
  v.setUint16(10, entries, true);
  v.setUint32(12, directorySize, true);
  v.setUint32(16, directoryAt, true);
  return b;
}

/**
 * 102 bytes: a local-header signature (so it starts like a zip), then a zip64 end record that
 * claims `entries` entries in an empty directory, its locator and the plain end record.
 */
export function zipClaimingEntries(entries: number): Uint8Array {
  const head = Uint8Array.from([0x50, 0x4b, 0x03, 0x04]);
  const record = zip64End(entries, 0, 4);
  const out = new Uint8Array(4 + 56 + 20 + 22);
  out.set(head, 0);
  out.set(record, 4);
  out.set(zip64Locator(4), 60);
  out.set(endRecord(0xffff, 0xffffffff, 0xffffffff), 80);
  return out;
}

/** Bits written least significant first, as deflate packs them. */
class BitWriter {
  private bytes: number[] = [];
  private bit = 0;
  write(value: number, count: number) {
    for (let i = 0; i < count; i++) {
      if (this.bit === 0) this.bytes.push(0);
      this.bytes[this.bytes.length - 1]! |= ((value >> i) & 1) << this.bit;
      this.bit = (this.bit + 1) & 7;
    }
  }
  /** A Huffman code, most significant bit first. */
  code(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) this.write((value >> i) & 1, 1);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Copies of 258 bytes at distance 1 per fixed-Huffman block: 1,022 makes a whole number of bytes. */
const COPIES = 1022;
const PER_BLOCK = COPIES * 258;

/**
 * One fixed-Huffman block of zeros: a literal 0 first (the copies need a byte behind them),
 * `copies` copies of 258 bytes at distance 1, then `literals` literal zeros.
 */
function zeroBlock(first: boolean, copies: number, literals: number, final: boolean): Uint8Array {
  const w = new BitWriter();
  w.write(final ? 1 : 0, 1);
  w.write(1, 2); // fixed Huffman codes
  if (first) w.code(0x30, 8); // literal 0
  for (let i = 0; i < copies; i++) {
    w.code(0xc5, 8); // length symbol 285: 258 bytes
    w.code(0, 5); // distance code 0: distance 1
  }
  for (let i = 0; i < literals; i++) w.code(0x30, 8);
  w.code(0, 7); // end of block
  return w.done();
}

/**
 * A raw deflate stream of exactly `bytes` zeros (at least 1): the same 1,662-byte block
 * repeated (each yields 263,676 zeros; its bit count is a multiple of 8, so copies line up),
 * then a last block for the rest. A gibibyte costs 6.8 MB.
 */
export function deflatedZeros(bytes: number): { data: Uint8Array; size: number } {
  const parts: Uint8Array[] = [];
  let left = bytes;
  let first = true;
  if (left > PER_BLOCK + 1) {
    parts.push(zeroBlock(true, COPIES, 0, false));
    left -= PER_BLOCK + 1;
    first = false;
    const block = zeroBlock(false, COPIES, 0, false);
    for (; left > PER_BLOCK; left -= PER_BLOCK) parts.push(block);
  }
  if (first) left -= 1;
  const copies = Math.floor(left / 258);
  parts.push(zeroBlock(first, copies, left - copies * 258, true));
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, size: bytes };
}

/**
 * Raw deflate of the chunks, streamed through zlib so the whole text never sits in memory,
 * and its inflated size: for a file of hundreds of megabytes that compresses to a few hundred
 * kilobytes.
 */
export async function deflatedStream(
  chunks: Iterable<Uint8Array>,
): Promise<{ data: Uint8Array; size: number }> {
  const z = createDeflateRaw({ level: 6 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const ended = once(z, 'end');
  let size = 0;
  for (const chunk of chunks) {
    size += chunk.length;
    if (!z.write(chunk)) await once(z, 'drain');
  }
  z.end();
  await ended;
  return { data: new Uint8Array(Buffer.concat(out)), size };
}

/** The files of a zip as crafted entries (deflated, sizes true), to add a crafted one to. */
export function entriesOf(files: Record<string, Uint8Array>): CraftedEntry[] {
  return Object.entries(files).map(([name, bytes]) => deflated(name, bytes));
}

/** A run zip's files zipped again with `patch` merged into its manifest.json. */
export const withManifest = (files: Record<string, Uint8Array>, patch: Record<string, unknown>) => {
  const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Record<string, unknown>;
  return zipSync({ ...files, 'manifest.json': strToU8(JSON.stringify({ ...manifest, ...patch })) });
};

/** history.json of `points` points, every value 1, as 1 MiB chunks (never whole in memory). */
export function* historyJson(points: number): Generator<Uint8Array> {
  const enc = new TextEncoder();
  const per = 1 << 19;
  const block = enc.encode('1,'.repeat(per));
  function* column(): Generator<Uint8Array> {
    yield enc.encode('[');
    for (let left = points - 1; left > 0; left -= per) {
      yield left >= per ? block : block.subarray(0, 2 * left);
    }
    yield enc.encode('1]');
  }
  yield enc.encode('{');
  for (const key of ['step', 'time', 'stepsPerSec', 'imagesPerSec']) {
    yield enc.encode(`"${key}":`);
    yield* column();
    yield enc.encode(',');
  }
  yield enc.encode('"values":{');
  for (const [i, name] of METRIC_NAMES.entries()) {
    yield enc.encode(`${i > 0 ? ',' : ''}"${name}":`);
    yield* column();
  }
  yield enc.encode('}}');
}
