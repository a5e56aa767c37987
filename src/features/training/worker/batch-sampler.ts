/**
 * The order of the training batches: seeded, without replacement within an epoch, and able to
 * skip ahead to any step in constant time so that a restored run draws the batches it would have.
 */
import * as tf from '../../../model/tf';
import { unitFloats } from '../../../model/data-ops';
import { mulberry32 } from '../../../shared/random';
import { toUnitFloats } from '../../../shared/image-grid';

/**
 * Training batches drawn without replacement, epoch after epoch, in a seeded order. Also used by
 * bench/quality.ts, which trains outside a worker with the app's batch order.
 */
export class BatchSampler {
  private order: Uint32Array;
  private cursor = 0;
  private random: () => number;
  /** Draws taken from `random` so far (each shuffle takes count - 1). */
  private draws = 0;
  /** The last batch's bytes, kept for the next batch of the same size. */
  private bytes = new Uint8Array(0);

  constructor(
    private readonly images: Uint8Array,
    private readonly count: number,
    private readonly seed: number,
    /** Values per image: 784 for MNIST. */
    private readonly cellValues: number,
  ) {
    this.random = mulberry32(seed);
    this.order = new Uint32Array(count);
    this.shuffle();
  }

  private shuffle() {
    for (let i = 0; i < this.count; i++) this.order[i] = i;
    for (let i = this.count - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = this.order[i]!;
      this.order[i] = this.order[j]!;
      this.order[j] = t;
    }
    this.draws += Math.max(0, this.count - 1);
    this.cursor = 0;
  }

  /** Passes over `shuffles` epochs' orders without computing them (their draws are skipped). */
  private skipShuffles(shuffles: number) {
    if (shuffles <= 0) return;
    this.draws += shuffles * Math.max(0, this.count - 1);
    this.random = mulberry32(this.seed, this.draws);
  }

  /**
   * Moves on by `batches` batches without drawing them, as a restored run must: the same place
   * in the same order as drawing them one by one, in time that does not grow with `batches`
   * (only the last epoch's order is computed).
   */
  advance(batches: number, batchSize: number) {
    if (!Number.isSafeInteger(batches) || batches < 0) {
      throw new RangeError(`cannot advance by ${batches} batches`);
    }
    if (batches === 0) return;
    if (batchSize > this.count) {
      // Indices flow on across epochs; a fresh order is drawn when one runs out.
      let n = batches * batchSize;
      const left = this.count - this.cursor;
      if (n <= left) {
        this.cursor += n;
        return;
      }
      n -= left;
      const orders = Math.ceil(n / this.count);
      this.skipShuffles(orders - 1);
      this.shuffle();
      this.cursor = n - (orders - 1) * this.count;
      return;
    }
    // Whole batches only: an epoch's remainder is dropped and a fresh order drawn.
    const perEpoch = Math.floor(this.count / batchSize);
    const left = Math.floor((this.count - this.cursor) / batchSize);
    if (batches <= left) {
      this.cursor += batches * batchSize;
      return;
    }
    const rest = batches - left; // >= 1, each in a later epoch
    const epochs = Math.floor((rest - 1) / perEpoch); // later epochs passed over whole
    this.skipShuffles(epochs);
    this.shuffle();
    this.cursor = (rest - 1 - epochs * perEpoch + 1) * batchSize;
  }

  /** The next batch's image indices (a view of the order: copy it to keep it). */
  private indices(batchSize: number): Uint32Array {
    if (batchSize > this.count) {
      // A small set of the user's: the batch spans epochs, each in a fresh order.
      const out = new Uint32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        if (this.cursor >= this.count) this.shuffle();
        out[i] = this.order[this.cursor++]!;
      }
      return out;
    }
    if (this.cursor + batchSize > this.count) this.shuffle();
    const indices = this.order.subarray(this.cursor, this.cursor + batchSize);
    this.cursor += batchSize;
    return indices;
  }

  /**
   * The next batch as floats in [0, 1], [batchSize, cellValues]. With `binarizeAt` (the step the
   * batch is for) each value v becomes 1 with probability v, else 0: dynamic binarisation, from a
   * generator seeded by the run's seed and that step, so a restored run draws the same bits.
   */
  next(batchSize: number, binarizeAt?: number): tf.Tensor2D {
    return this.batchOf(this.indices(batchSize), binarizeAt);
  }

  /** The next batch's image indices, a copy to keep: batchOf makes the batch from them. */
  draw(batchSize: number): Uint32Array {
    return this.indices(batchSize).slice();
  }

  /** The batch of images `indices` as next() makes it (binarised for step `binarizeAt`). */
  batchOf(indices: Uint32Array, binarizeAt?: number): tf.Tensor2D {
    const batchSize = indices.length;
    const { images, cellValues } = this;
    if (binarizeAt !== undefined) {
      const values = toUnitFloats(images, indices, cellValues);
      binarizeInPlace(values, binarizeSeed(this.seed, binarizeAt));
      return tf.tensor2d(values, [batchSize, cellValues]);
    }
    // The batch's rows as bytes, then to floats where the backend keeps its tensors.
    if (this.bytes.length !== batchSize * cellValues) {
      this.bytes = new Uint8Array(batchSize * cellValues);
    }
    const bytes = this.bytes;
    for (let i = 0; i < batchSize; i++) {
      const start = indices[i]! * cellValues;
      bytes.set(images.subarray(start, start + cellValues), i * cellValues);
    }
    return unitFloats<tf.Rank.R2>(bytes, [batchSize, cellValues]);
  }
}

/** The seed of step `step`'s binarisation draws (any whole step, up to 2^53). */
export function binarizeSeed(seed: number, step: number): number {
  const low = step % 4294967296;
  const high = Math.floor(step / 4294967296);
  return (
    (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^
      Math.imul(low >>> 0, 0x85ebca6b) ^
      Math.imul(high >>> 0, 0xc2b2ae35)) >>>
    0
  );
}

/** Each value v in [0, 1] becomes 1 with probability v, else 0 (mulberry32 from `seed`). */
export function binarizeInPlace(values: Float32Array, seed: number) {
  const random = mulberry32(seed);
  for (let i = 0; i < values.length; i++) values[i] = random() < values[i]! ? 1 : 0;
}
