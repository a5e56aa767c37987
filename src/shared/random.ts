/**
 * Small seeded randomness for reproducible runs. tfjs draws its own noise from integer seeds,
 * which these generators supply, so one run seed fixes every draw of a run.
 */

const MULBERRY_INCREMENT = 0x6d2b79f5;

/**
 * mulberry32: a fast 32-bit PRNG; returns floats in [0, 1).
 * @param skip draws to pass over first. Its state only ever adds a constant, so skipping any
 *   number of draws costs the same as one: a restored run of millions of steps resumes at once.
 */
export function mulberry32(seed: number, skip = 0): () => number {
  if (!Number.isSafeInteger(skip) || skip < 0) throw new RangeError(`cannot skip ${skip} draws`);
  // (seed + skip * increment) mod 2^32; only skip's low 32 bits matter for that product.
  let a = ((seed >>> 0) + Math.imul((skip % 4294967296) >>> 0, MULBERRY_INCREMENT)) >>> 0;
  return () => {
    a = (a + MULBERRY_INCREMENT) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of integer seeds for tf.randomNormal and friends, after `skip` earlier seeds. */
export function seedStream(seed: number, skip = 0): () => number {
  const next = mulberry32(seed, skip);
  return () => Math.floor(next() * 2147483647);
}
