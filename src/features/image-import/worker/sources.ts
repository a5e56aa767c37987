/**
 * The files of an import as candidates, each read only when its turn comes: loose files as
 * they are, and zips opened by their directory alone (bounded: src/shared/zip-reader.ts), each
 * entry inflated when it is decoded. So a zip of a hundred thousand pictures never sits
 * inflated in memory, and the pictures past the cap are only counted, from their first bytes.
 */
import { type ReadAt, ZipSource } from '../../../shared/zip-reader';
import {
  MAX_IMAGE_FILE_BYTES,
  MAX_ZIP_DIRECTORY_BYTES,
  MAX_ZIP_ENTRIES,
} from '../shared/import-limits';
import { isClutter } from '../shared/user-dataset';

/** One file to consider: a dropped file or an entry of a dropped zip. */
export interface Candidate {
  path: string;
  /** Its bytes (a zip entry: as its directory declares them). */
  size: number;
  /** All its bytes (a zip entry: inflated, refused past MAX_IMAGE_FILE_BYTES). */
  read: () => Promise<Uint8Array>;
  /** Its first `n` bytes only, to tell a picture from other files. */
  head: (n: number) => Promise<Uint8Array>;
}

/** Reads a part of a Blob (a File) without reading the rest. */
const blobReader =
  (blob: Blob): ReadAt =>
  async (offset, length) =>
    new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());

/** A loose file. */
export function fileCandidate(path: string, file: Blob): Candidate {
  return {
    path,
    size: file.size,
    read: async () => new Uint8Array(await file.arrayBuffer()),
    head: async (n) => new Uint8Array(await file.slice(0, n).arrayBuffer()),
  };
}

/**
 * The files of a zip, each path prefixed by `root/`; folders and clutter are left out. Throws a
 * message for people naming the zip when its directory cannot be read or breaks a cap.
 */
export async function zipCandidates(zipFile: Blob, root: string): Promise<Candidate[]> {
  let zip: ZipSource;
  try {
    zip = await ZipSource.open(blobReader(zipFile), zipFile.size, {
      maxEntries: MAX_ZIP_ENTRIES,
      maxDirectoryBytes: MAX_ZIP_DIRECTORY_BYTES,
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${root}.zip cannot be read: ${why}`, { cause: error });
  }
  return zip.entries
    .filter((e) => !e.name.endsWith('/') && !isClutter(e.name))
    .map((entry) => ({
      path: `${root}/${entry.name}`,
      size: entry.size,
      read: () => zip.read(entry, MAX_IMAGE_FILE_BYTES),
      head: (n: number) => zip.head(entry, n),
    }));
}
