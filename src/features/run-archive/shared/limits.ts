/**
 * Caps on a run zip and its manifest, checked before anything is inflated or built, so that any
 * file a person is handed is read in bounded time and memory. Each cap sits well above what
 * this app writes for the largest run its settings allow, and says why.
 *
 * The largest run: the mlp architecture, `separate` variant, 2,048 hidden units, latent size
 * 128, on the user's colour images (32 × 32 × 3 = 3,072 values per image). Its encoder has
 * 6,818,048 weights (27.3 MB as float32), each of the decoder and generator 6,558,720, the
 * discriminator 6,295,553; the VAE optimiser keeps two moments for the encoder and decoder:
 * 107,014,144 bytes, the largest single entry. Weights and moments together: 315 MB.
 * (Measured by building those models; the conv architecture is an order of magnitude smaller.)
 */
import type { ImageShape } from '../../../shared/config';

const MiB = 1024 * 1024;

/** Entries a run zip may list: it holds 16 at most; room for folders and an archiver's clutter. */
export const MAX_RUN_ENTRIES = 256;
/** manifest.json and each model.json: a few kilobytes each (topology and weight list). */
export const MAX_JSON_BYTES = 1 * MiB;
/**
 * history.json: at most 20,000 points (MAX_HISTORY_POINTS) of 14 numbers of up to 20
 * characters is 5.6 MB; older or hand-made files get three times that.
 */
export const MAX_HISTORY_BYTES = 16 * MiB;
/** One weight shard or optimiser state: the largest is 107 MB (the VAE optimiser above). */
export const MAX_WEIGHTS_BYTES = 128 * MiB;
/**
 * Everything read from one zip, and the largest file the page accepts: 315 MB of weights and
 * moments, the curves and the JSON files, with room to spare. Deflate never makes float32
 * weights larger than they are, so the file itself is smaller still.
 */
export const MAX_RUN_BYTES = 384 * MiB;

/**
 * The most steps a run may claim: more than 30 years at 1,000 steps a second. Keeps every count
 * derived from it (batches times batch size for the batch order, Adam's iterations) far below
 * 2^53, where whole numbers stop being exact.
 */
export const MAX_STEPS = 1e12;
/**
 * The most noise seeds a run may have drawn: three a step, with room for the divergence
 * guard's retried steps, and still below 2^53.
 */
export const MAX_NOISE_DRAWS = 2 ** 50;
/** The most training time a run may claim, in milliseconds: 300 years. */
export const MAX_TRAINING_MS = 1e13;

/**
 * Image shapes a run may have: the ones this app trains on (MNIST and Fashion-MNIST, and the
 * user's images in grey or colour). A larger shape would make a model of gigabytes before its
 * weights could be checked against it.
 */
export const RUN_IMAGE_SHAPES: readonly ImageShape[] = [
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
];

/** The cap on one entry of a run zip, by what it is. */
export function maxEntryBytes(kind: 'json' | 'history' | 'weights'): number {
  return kind === 'json'
    ? MAX_JSON_BYTES
    : kind === 'history'
      ? MAX_HISTORY_BYTES
      : MAX_WEIGHTS_BYTES;
}

/** "384 MiB", for messages. */
export const mebibytes = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;
