/** Deterministic values in [-1, 1) from a Park-Miller generator: the same for every seed, everywhere. */
export function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from(
    { length: n },
    () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1,
  );
}
