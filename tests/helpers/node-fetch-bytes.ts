// A FetchBytes for Node tests: serves URLs like "/datasets/mnist/test-labels.u8.gz" from the
// repository's public/ folder, the way the dev server would. The data set files are stored
// gzipped (scripts/datasets.mjs); a test that asks for the data itself, without the .gz
// ("/datasets/mnist/test-labels.u8"), gets it decompressed.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { FetchBytes } from '../../src/shared/dataset';

export const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));

async function readPublic(file: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (!/\.u8$/.test(file)) throw error;
    const buffer = gunzipSync(await readFile(`${file}.gz`));
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
}

export const nodeFetchBytes: FetchBytes = async (url, onProgress) => {
  const pathname = decodeURIComponent(url.replace(/[?#].*$/, '')).replace(/^\/+/, '');
  const file = path.resolve(publicDir, pathname);
  if (!file.startsWith(publicDir)) {
    throw new Error(`Failed to fetch ${url}: outside public/`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readPublic(file);
  } catch {
    throw new Error(`Failed to fetch ${url}: HTTP 404 (no file ${file})`);
  }
  onProgress?.(0, bytes.length);
  onProgress?.(bytes.length, bytes.length);
  return bytes;
};
