import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GunzipError, gunzip } from '../../src/shared/gzip';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('gunzip (DecompressionStream)', () => {
  it('decompresses a known file: "hello, world" and a megabyte of one byte', async () => {
    const hello = new Uint8Array(gzipSync('hello, world'));
    expect(text(await gunzip(hello, 12))).toBe('hello, world');
    const zeros = new Uint8Array(gzipSync(new Uint8Array(1 << 20).fill(7)));
    const out = await gunzip(zeros, 1 << 20);
    expect(out.length).toBe(1 << 20);
    expect(out.every((v) => v === 7)).toBe(true);
  });

  it('says how long the data really is when it is not the expected length', async () => {
    const hello = new Uint8Array(gzipSync('hello, world'));
    await expect(gunzip(hello, 11)).rejects.toThrow('holds 12 bytes of data, expected 11');
    await expect(gunzip(hello, 13)).rejects.toThrow('holds 12 bytes of data, expected 13');
  });

  it('refuses what is not gzip, and damaged or cut-off gzip', async () => {
    await expect(gunzip(new TextEncoder().encode('<!doctype html><p>404'), 10)).rejects.toThrow(
      new GunzipError('not a gzip file (no gzip header)'),
    );
    const data = new Uint8Array(gzipSync(new Uint8Array(5000).map((_, i) => (i * 7919) % 251)));
    await expect(gunzip(data.subarray(0, data.length - 50), 5000)).rejects.toThrow(
      /damaged gzip data/,
    );
    const damaged = data.slice();
    damaged.fill(0xff, 20, 40);
    await expect(gunzip(damaged, 5000)).rejects.toThrow(GunzipError);
  });
});
