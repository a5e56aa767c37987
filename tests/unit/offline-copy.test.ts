import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchBytes } from '../../src/shared/dataset';
import { DATA_CACHE, isDataFile, keepingOfflineCopies } from '../../src/shared/offline-copy';

/** A Cache Storage with one cache, in memory, as the browser's would hold it. */
function fakeCaches(failPut = false) {
  const entries = new Map<string, Response>();
  const opened: string[] = [];
  const cache = {
    match: async (url: string) => entries.get(url),
    put: async (url: string, response: Response) => {
      if (failPut) throw new DOMException('QuotaExceededError');
      entries.set(url, response);
    },
  };
  vi.stubGlobal('caches', {
    open: async (name: string) => {
      opened.push(name);
      return cache;
    },
  });
  return { entries, opened };
}

const served: FetchBytes = async (url) => new TextEncoder().encode(`bytes of ${url}`);

afterEach(() => vi.unstubAllGlobals());

describe('offline copies of the data files the workers fetch', () => {
  it('knows data files from manifests and other files', () => {
    expect(isDataFile('https://a.example/app/datasets/mnist/train-images.u8.gz')).toBe(true);
    expect(isDataFile('https://a.example/classifiers/mnist.bin')).toBe(true);
    expect(isDataFile('https://a.example/datasets/manifest.json')).toBe(false);
    expect(isDataFile('https://a.example/classifiers/manifest.json')).toBe(false);
    expect(isDataFile('https://a.example/assets/index.js')).toBe(false);
    expect(isDataFile('/datasets/mnist/x.gz')).toBe(false); // not an absolute URL
  });

  it('puts each data file into the data cache once, with its bytes and type, and passes the bytes on', async () => {
    const { entries, opened } = fakeCaches();
    const fetch = keepingOfflineCopies(served, true);
    const url = 'https://a.example/datasets/mnist/test-labels.u8.gz';
    const bytes = await fetch(url);
    expect(new TextDecoder().decode(bytes)).toBe(`bytes of ${url}`);
    expect(opened).toEqual([DATA_CACHE]);
    const copy = entries.get(url)!;
    expect(copy.headers.get('content-type')).toBe('application/gzip');
    expect(copy.headers.get('content-length')).toBe(String(bytes.length));
    expect(new TextDecoder().decode(await copy.clone().arrayBuffer())).toBe(`bytes of ${url}`);
    // A second fetch leaves the copy alone.
    await fetch(url);
    expect(entries.get(url)).toBe(copy);
    // Manifests are not kept.
    await fetch('https://a.example/datasets/manifest.json');
    expect([...entries.keys()]).toEqual([url]);
  });

  it('still hands the bytes on when the copy cannot be written, and does nothing when off', async () => {
    const { entries } = fakeCaches(true);
    const url = 'https://a.example/classifiers/mnist.bin';
    expect((await keepingOfflineCopies(served, true)(url)).length).toBeGreaterThan(0);
    expect(entries.size).toBe(0);
    fakeCaches();
    expect(keepingOfflineCopies(served, false)).toBe(served);
  });
});
