// A FetchBytes for Node tests: serves URLs like "/datasets/mnist/test-labels.u8" from the
// repository's public/ folder, the way the dev server would.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FetchBytes } from '../../src/shared/dataset';

export const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));

export const nodeFetchBytes: FetchBytes = async (url, onProgress) => {
  const pathname = decodeURIComponent(url.replace(/[?#].*$/, '')).replace(/^\/+/, '');
  const file = path.resolve(publicDir, pathname);
  if (!file.startsWith(publicDir)) {
    throw new Error(`Failed to fetch ${url}: outside public/`);
  }
  let bytes: Uint8Array;
  try {
    const buffer = await readFile(file);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch {
    throw new Error(`Failed to fetch ${url}: HTTP 404 (no file ${file})`);
  }
  onProgress?.(0, bytes.length);
  onProgress?.(bytes.length, bytes.length);
  return bytes;
};
