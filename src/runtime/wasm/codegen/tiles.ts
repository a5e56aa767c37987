/**
 * The register tiling every matrix product kernel shares (kernels.ts, step-gemm.ts): 4 rows of
 * C by a panel of 8 columns, eight 128-bit accumulators; and the activations a product may end
 * with.
 */

/** Rows of C per tile; the columns per tile are PANEL (two 4-lane vectors). */
export const TILE_ROWS = 4;
/** Columns of a packed panel of B. */
export const PANEL = 8;

export const ACTIVATION = { linear: 0, relu: 1, leakyrelu: 2 } as const;

/** Floats of the packed copy of a K x N matrix B. */
export function packedLength(k: number, n: number): number {
  return Math.ceil(n / PANEL) * PANEL * k;
}
