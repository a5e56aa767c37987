import { describe, expect, it } from 'vitest';
import { CELL, composeGrid, interleave, toUnitFloats } from '../../src/shared/image-grid';

const PX = CELL * CELL;

/** n cells, cell k filled with the value k / n. */
function cells(n: number): Float32Array {
  const out = new Float32Array(n * PX);
  for (let k = 0; k < n; k++) out.fill(k / n, k * PX, (k + 1) * PX);
  return out;
}

/** The red byte at (x, y) of a grid. */
const red = (grid: { width: number; pixels: Uint8ClampedArray }, x: number, y: number) =>
  grid.pixels[(y * grid.width + x) * 4]!;

describe('composeGrid', () => {
  it('places cells row by row with gaps, opaque everywhere', () => {
    const grid = composeGrid(cells(6), 6, { cols: 3, gap: 2 });
    expect(grid.width).toBe(3 * CELL + 2 * 2);
    expect(grid.height).toBe(2 * CELL + 2);
    expect(grid.rows).toBe(2);
    // Cell 4 (row 1, column 1) holds 4/6 of full intensity.
    expect(red(grid, CELL + 2 + 5, CELL + 2 + 5)).toBe(Math.round((4 / 6) * 255));
    // The gap between columns 0 and 1 is the panel colour, not image.
    expect(red(grid, CELL, 0)).toBe(30);
    for (let i = 3; i < grid.pixels.length; i += 4) expect(grid.pixels[i]).toBe(255);
  });

  it('adds the group gap after every group of columns', () => {
    const grid = composeGrid(cells(4), 4, { cols: 4, gap: 1, groupEvery: 2, groupGap: 3 });
    expect(grid.width).toBe(4 * CELL + 3 * 1 + 3);
    // The third cell starts after two cells, two gaps and one group gap.
    expect(red(grid, 2 * CELL + 2 + 3, 0)).toBe(Math.round((2 / 4) * 255));
  });

  it('clamps out-of-range values and paints NaN grey', () => {
    const data = new Float32Array(3 * PX);
    data.fill(-2, 0, PX);
    data.fill(7, PX, 2 * PX);
    data.fill(Number.NaN, 2 * PX);
    const grid = composeGrid(data, 3, { cols: 3, gap: 0 });
    expect([red(grid, 0, 0), red(grid, CELL, 0), red(grid, 2 * CELL, 0)]).toEqual([0, 255, 128]);
  });

  it('refuses too little data', () => {
    expect(() => composeGrid(new Float32Array(PX), 2, { cols: 2, gap: 0 })).toThrow(/cannot hold/);
  });
});

describe('interleave and toUnitFloats', () => {
  it('interleaves input and output cells pairwise', () => {
    const a = cells(2);
    const b = cells(2).map((v) => v + 0.25);
    const out = interleave(a, b);
    expect([out[0], out[PX], out[2 * PX], out[3 * PX]]).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('scales uint8 pixels of the chosen images to [0, 1]', () => {
    const images = new Uint8Array(3 * PX);
    images.fill(255, 2 * PX);
    images[PX] = 51;
    const out = toUnitFloats(images, [2, 1]);
    expect(out[0]).toBe(1);
    expect(out[PX]).toBeCloseTo(0.2, 6);
  });
});
