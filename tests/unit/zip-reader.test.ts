// The bounded zip reader: real zips read as fflate reads them, and crafted ones refused from
// their directory, before any work that grows with what they claim. Reads are counted through
// the async source, so "refused before inflating" is measured in bytes, not in time.
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type ReadAt, ZipBytes, ZipError, ZipSource } from '../../src/shared/zip-reader';
import { craftZip, deflated, deflatedZeros, zipClaimingEntries } from '../helpers/crafted-zip';

const GiB = 1024 ** 3;

/** A source over bytes that adds up how many bytes were asked for. */
function countingSource(bytes: Uint8Array): { readAt: ReadAt; read: () => number } {
  let total = 0;
  return {
    readAt: async (offset, length) => {
      total += length;
      return bytes.slice(offset, offset + length);
    },
    read: () => total,
  };
}

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ZipError) return `${error.problem}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}

async function asyncProblemOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ZipError) return `${error.problem}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}

const random = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
};

describe('zip reader: real zips', () => {
  const files = {
    'manifest.json': strToU8('{"format": "test"}'),
    'a/weights.bin': random(300_000, 1),
    'a/zeros.bin': new Uint8Array(200_000),
    'empty.txt': new Uint8Array(0),
    'ünïcode/名前.txt': strToU8('names in UTF-8'),
  };

  for (const level of [0, 6] as const) {
    it(`reads what fflate wrote (level ${level}) exactly as fflate reads it`, () => {
      const bytes = zipSync(files, { level });
      const zip = new ZipBytes(bytes, { maxEntries: 10 });
      const want = unzipSync(bytes);
      expect(zip.entries.map((e) => e.name).sort()).toEqual(Object.keys(want).sort());
      for (const entry of zip.entries) {
        expect(Buffer.from(zip.read(entry, 1e6)).equals(Buffer.from(want[entry.name]!))).toBe(true);
      }
    });
  }

  it('inflates the crafted stream of zeros to its stated size (so the refusals below are real)', () => {
    for (const n of [1, 2, 259, 263_677, 263_678, 3_000_000]) {
      const zeros = deflatedZeros(n);
      const zip = new ZipBytes(craftZip([{ name: 'z.bin', ...zeros }]), { maxEntries: 4 });
      const out = zip.read(zip.entries[0]!, 4e6);
      expect(out.length).toBe(n);
      expect(out.every((b) => b === 0)).toBe(true);
    }
  });

  it('reads a zip64 directory (end record and locator)', () => {
    const bytes = craftZip([deflated('x.bin', random(5000, 2))], { zip64: true });
    const zip = new ZipBytes(bytes, { maxEntries: 4 });
    expect(zip.entries).toHaveLength(1);
    expect(Array.from(zip.read(zip.entry('x.bin')!, 5000))).toEqual(Array.from(random(5000, 2)));
  });

  it('reads the first bytes of a large entry without inflating the rest', async () => {
    const zeros = deflatedZeros(GiB);
    const bytes = craftZip([{ name: 'big.bin', ...zeros }]);
    const source = countingSource(bytes);
    const zip = await ZipSource.open(source.readAt, bytes.length, { maxEntries: 4 });
    const before = source.read();
    const head = await zip.head(zip.entries[0]!, 16);
    expect(Array.from(head)).toEqual(new Array(16).fill(0));
    // One small chunk of compressed input (4 KiB) and the local header, of 6.8 MB.
    expect(source.read() - before).toBeLessThanOrEqual(4 * 1024 + 30);
  });
});

describe('zip reader: crafted zips are refused from their directory', () => {
  it('a 102-byte zip whose zip64 end record claims 4,294,967,295 entries', () => {
    const bytes = zipClaimingEntries(4_294_967_295);
    expect(bytes.length).toBe(102);
    expect(problemOf(() => new ZipBytes(bytes, { maxEntries: 256 }))).toBe(
      'too-many-entries: The zip lists 4,294,967,295 entries; at most 256 are read.',
    );
  });

  it('a directory that claims more entries than its bytes can hold', () => {
    // Within the cap, but 46 bytes per record cannot fit in an empty directory.
    expect(problemOf(() => new ZipBytes(zipClaimingEntries(200), { maxEntries: 256 }))).toMatch(
      /^damaged: .*claims 200 entries that the file cannot hold/,
    );
  });

  it('four entries that each declare 1 GiB: refused before a byte of data is read', async () => {
    const zeros = deflatedZeros(GiB);
    expect(zeros.data.length).toBeLessThan(7e6);
    const bytes = craftZip(['a', 'b', 'c', 'd'].map((n) => ({ name: `${n}.bin`, ...zeros })));
    const source = countingSource(bytes);
    const zip = await ZipSource.open(source.readAt, bytes.length, { maxEntries: 8 });
    const afterDirectory = source.read();
    // The directory is all that was read: the tail (22 + 65,535 bytes at most) and 4 records.
    expect(afterDirectory).toBeLessThan(66_000);
    expect(await asyncProblemOf(() => zip.read(zip.entries[0]!, 128 * 1024 ** 2))).toBe(
      'too-large: a.bin declares 1,073,741,824 bytes; at most 134,217,728 are read from it.',
    );
    expect(source.read()).toBe(afterDirectory);
    // The same from bytes in memory.
    const inMemory = new ZipBytes(bytes, { maxEntries: 8 });
    expect(problemOf(() => inMemory.read(inMemory.entries[3]!, 128 * 1024 ** 2))).toMatch(
      /^too-large: d\.bin declares 1,073,741,824 bytes/,
    );
  });

  it('an entry that declares 1,000 bytes but inflates to 1 GiB: stopped after one chunk', async () => {
    const zeros = deflatedZeros(GiB);
    const bytes = craftZip([{ name: 'liar.bin', data: zeros.data, size: 1000 }]);
    const source = countingSource(bytes);
    const zip = await ZipSource.open(source.readAt, bytes.length, { maxEntries: 4 });
    const before = source.read();
    expect(await asyncProblemOf(() => zip.read(zip.entries[0]!, 1e6))).toBe(
      'too-large: liar.bin inflates to more than the 1,000 bytes its directory declares.',
    );
    expect(source.read() - before).toBeLessThanOrEqual(64 * 1024 + 30);
  });

  it('an entry that inflates to fewer bytes than it declares', () => {
    const real = deflated('short.bin', random(1000, 3));
    const zip = new ZipBytes(craftZip([{ ...real, size: 5000 }]), { maxEntries: 4 });
    expect(problemOf(() => zip.read(zip.entries[0]!, 1e6))).toMatch(
      /^damaged: .*short\.bin inflates to fewer bytes than declared/,
    );
  });

  it('an encrypted entry and an unknown compression method', () => {
    const plain = deflated('secret.bin', random(100, 4));
    const zip = new ZipBytes(
      craftZip([
        { ...plain, flags: 1 },
        { ...plain, name: 'lzma.bin', method: 14 as 8 },
      ]),
      { maxEntries: 4 },
    );
    expect(problemOf(() => zip.read(zip.entries[0]!, 1e6))).toBe(
      'unsupported: secret.bin is encrypted.',
    );
    expect(problemOf(() => zip.read(zip.entries[1]!, 1e6))).toMatch(
      /^unsupported: lzma\.bin is compressed with method 14/,
    );
  });

  it('a file cut short, and one that is not a zip at all', () => {
    const bytes = zipSync({ 'a.bin': random(5000, 5) });
    expect(problemOf(() => new ZipBytes(bytes.slice(0, 3000), { maxEntries: 4 }))).toMatch(
      /^damaged: The zip archive is truncated or damaged \(there is no zip directory at its end\)/,
    );
    expect(problemOf(() => new ZipBytes(strToU8('PK not really'), { maxEntries: 4 }))).toMatch(
      /^damaged: .*13 bytes are too few for a zip/,
    );
  });
});
