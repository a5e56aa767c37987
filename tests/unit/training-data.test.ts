// The trainer's data sets (src/features/training/worker/training-data.ts): a set fetched ahead
// (prefetch, while the backend starts) is the one the next load takes, downloaded once, with its
// progress shown only from that load on; a failed download shows at that load; a set fetched
// ahead for nothing is let go.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import type { FetchBytes } from '../../src/shared/dataset';
import { TrainingData } from '../../src/features/training/worker/training-data';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASE = '/datasets/';

beforeAll(async () => {
  await prepareDatasets({ root });
});

/** A TrainingData over the real files that counts downloads and records progress. */
function counted(fail?: RegExp) {
  const urls: string[] = [];
  const progress: [number, string][] = [];
  const fetchBytes: FetchBytes = (url, onProgress) => {
    urls.push(url);
    if (fail?.test(url)) return Promise.reject(new Error(`no ${url}`));
    return cachedFetchBytes(url, onProgress);
  };
  const data = new TrainingData(fetchBytes, (fraction, label) => progress.push([fraction, label]));
  data.baseUrl = BASE;
  const downloads = (file: string) => urls.filter((u) => u.endsWith(file)).length;
  return { data, progress, downloads };
}

describe('a data set fetched ahead', () => {
  it('is the one the next load takes: one download, progress from the load on', async () => {
    const { data, progress, downloads } = counted();
    data.prefetch('mnist');
    data.prefetch('mnist'); // once is enough
    await new Promise((r) => setTimeout(r, 300)); // the download gets going meanwhile
    expect(progress).toEqual([]);
    const set = await data.load('mnist');
    expect(set.info.id).toBe('mnist');
    expect(set.train.count).toBe(60_000);
    expect(downloads('mnist/train-images.u8.gz')).toBe(1);
    expect(progress.at(-1)).toEqual([1, 'Loading MNIST']);
    // A later load downloads afresh (the early one was taken).
    await data.load('mnist');
    expect(downloads('mnist/train-images.u8.gz')).toBe(2);
  });

  it('shows its failure at the load that takes it', async () => {
    const { data } = counted(/train-images/);
    data.prefetch('mnist');
    await new Promise((r) => setTimeout(r, 50));
    await expect(data.load('mnist')).rejects.toThrow(/train-images/);
  });

  it('is let go when another set is loaded first', async () => {
    const { data, downloads } = counted();
    data.prefetch('fashion-mnist');
    await data.load('mnist');
    await data.load('fashion-mnist');
    // The early download was dropped at the first load: the second downloads again.
    expect(downloads('fashion-mnist/train-images.u8.gz')).toBe(2);
  });
});
