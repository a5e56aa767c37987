/**
 * A run zip opened with the caps of limits.ts: the directory is read and checked before
 * anything is inflated, then only the entries the manifest names are read, each against the
 * cap for its kind and all of them against the total. The reader's refusals become the run
 * archive's own (RunArchiveError), with what the person can do about them.
 */
import { ZipBytes, ZipError } from '../../../shared/zip-reader';
import { refuse } from './format';
import { MAX_RUN_BYTES, MAX_RUN_ENTRIES, maxEntryBytes, mebibytes } from './limits';

/** A ZipError as the run archive's own refusal, with what the person can do about it. */
function refuseZip(error: unknown): never {
  if (!(error instanceof ZipError)) throw error;
  if (error.problem === 'damaged') {
    refuse('truncated', `${error.message} Download or copy the file again.`);
  }
  if (error.problem === 'unsupported') {
    refuse('not-a-run', `${error.message} Runs exported by VAEGAN Playground are plain zips.`);
  }
  refuse(
    'too-large',
    `${error.message} A run exported by VAEGAN Playground stays far below that, so this file ` +
      'was not made by it, or was altered.',
  );
}

/** Opens a run zip (throws RunArchiveError); see the file header. */
export function openRunZip(bytes: Uint8Array) {
  let zip: ZipBytes;
  try {
    zip = new ZipBytes(bytes, { maxEntries: MAX_RUN_ENTRIES });
  } catch (error) {
    refuseZip(error);
  }
  let total = 0;
  return {
    names: zip.entries.map((e) => e.name),
    /** The entry's bytes, or undefined when the zip has no such entry. */
    read(name: string, kind: Parameters<typeof maxEntryBytes>[0]): Uint8Array | undefined {
      const entry = zip.entry(name);
      if (!entry) return undefined;
      // The entry's own cap first (its message names it), then the total.
      if (entry.size <= maxEntryBytes(kind)) total += entry.size;
      if (total > MAX_RUN_BYTES) {
        refuse(
          'too-large',
          `The entries of this zip declare more than ${mebibytes(MAX_RUN_BYTES)} in all (at ` +
            `${name}); a run exported by VAEGAN Playground stays far below that.`,
        );
      }
      try {
        return zip.read(entry, maxEntryBytes(kind));
      } catch (error) {
        return refuseZip(error);
      }
    },
  };
}
