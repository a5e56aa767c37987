/**
 * Small seeded randomness for reproducible runs. tfjs draws its own noise from integer seeds,
 * which these generators supply, so one run seed fixes every draw of a run.
 */

/** mulberry32: a fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of integer seeds for tf.randomNormal and friends. */
export function seedStream(seed: number): () => number {
  const next = mulberry32(seed);
  return () => Math.floor(next() * 2147483647);
}
