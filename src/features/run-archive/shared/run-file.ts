/**
 * A run file of either kind the app reads: its own zip (parse.ts) or a `.safetensors` file in
 * PyTorch's layout (torch-run.ts), told apart by their first bytes. No tfjs.
 */
import { refuse } from './format';
import { type ParsedRun, parseRunArchive } from './parse';
import { looksLikeSafetensors } from './safetensors';
import { torchToRun } from './torch-import';

/** Whether bytes start as a zip archive does. */
function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/**
 * Reads and checks a run zip or a run `.safetensors` file. Throws RunArchiveError with a message
 * for people on the first problem; creates no tensors.
 */
export function parseRunFile(bytes: Uint8Array): ParsedRun {
  if (bytes.byteLength === 0 || looksLikeZip(bytes)) return parseRunArchive(bytes);
  if (looksLikeSafetensors(bytes)) return torchToRun(bytes);
  return refuse(
    'not-zip',
    'This file is not a zip archive or a .safetensors run. Choose a file made by "Export weights" or "Export for PyTorch" in VAEGAN Playground, or by python/vaegan.py.',
  );
}
