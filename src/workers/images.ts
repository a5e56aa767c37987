/**
 * Lays out 28x28 grayscale cells into one RGBA picture for a canvas. Pure functions on typed
 * arrays: the worker draws, the page only paints.
 */
import type { ImageGrid } from './protocol';

export const CELL = 28;
const CELL_PIXELS = CELL * CELL;
/** Colour of the gaps between cells (the page's panel colour). */
const GAP_RGB = [30, 41, 59] as const;

export interface GridLayout {
  cols: number;
  /** Pixels between neighbouring cells. */
  gap: number;
  /** Extra pixels after every `groupEvery` columns, e.g. 2 to keep input/output pairs together. */
  groupEvery?: number;
  groupGap?: number;
}

/**
 * Draws `count` cells of intensities in [0, 1] (cell after cell, 784 values each) into a grid.
 * Values outside [0, 1] are clamped, NaN paints as mid grey.
 */
export function composeGrid(cells: Float32Array, count: number, layout: GridLayout): ImageGrid {
  if (cells.length < count * CELL_PIXELS) {
    throw new Error(`composeGrid: ${cells.length} values cannot hold ${count} cells`);
  }
  const { cols, gap, groupEvery = 0, groupGap = 0 } = layout;
  const rows = Math.ceil(count / cols);
  const colX = (c: number) =>
    c * (CELL + gap) + (groupEvery > 0 ? Math.floor(c / groupEvery) * groupGap : 0);
  const width = colX(cols - 1) + CELL;
  const height = rows * (CELL + gap) - gap;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 4] = GAP_RGB[0];
    pixels[i * 4 + 1] = GAP_RGB[1];
    pixels[i * 4 + 2] = GAP_RGB[2];
    pixels[i * 4 + 3] = 255;
  }
  for (let n = 0; n < count; n++) {
    const x0 = colX(n % cols);
    const y0 = Math.floor(n / cols) * (CELL + gap);
    for (let y = 0; y < CELL; y++) {
      for (let x = 0; x < CELL; x++) {
        const v = cells[n * CELL_PIXELS + y * CELL + x]!;
        const byte = Number.isNaN(v) ? 128 : Math.round(Math.min(1, Math.max(0, v)) * 255);
        const p = ((y0 + y) * width + x0 + x) * 4;
        pixels[p] = byte;
        pixels[p + 1] = byte;
        pixels[p + 2] = byte;
      }
    }
  }
  return { width, height, pixels, cols, rows };
}

/** Interleaves two equally long runs of cells: a0, b0, a1, b1, ... */
export function interleave(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new Error('interleave: runs differ in length');
  const count = a.length / CELL_PIXELS;
  const out = new Float32Array(a.length * 2);
  for (let n = 0; n < count; n++) {
    out.set(a.subarray(n * CELL_PIXELS, (n + 1) * CELL_PIXELS), 2 * n * CELL_PIXELS);
    out.set(b.subarray(n * CELL_PIXELS, (n + 1) * CELL_PIXELS), (2 * n + 1) * CELL_PIXELS);
  }
  return out;
}

/** Images of a split as floats in [0, 1], [count, 784] row-major. */
export function toUnitFloats(images: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * CELL_PIXELS);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i]! * CELL_PIXELS;
    for (let p = 0; p < CELL_PIXELS; p++) out[i * CELL_PIXELS + p] = images[start + p]! / 255;
  }
  return out;
}
