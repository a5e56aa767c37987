/**
 * Lays out image cells (28x28 grey levels, or any ImageShape, grey or RGB) into one RGBA picture
 * for a canvas. Pure functions on typed arrays: the worker draws, the page only paints.
 */
import { imageSize, type ImageShape, MNIST_IMAGE } from './config';
import type { ImageGrid } from '../features/training/shared/protocol';

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

/** An intensity in [0, 1] as a byte; values outside are clamped, NaN paints as mid grey. */
function toByte(v: number): number {
  return Number.isNaN(v) ? 128 : Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/**
 * Draws `count` cells of intensities in [0, 1] (cell after cell, imageSize(shape) values each,
 * HWC order) into a grid. Grey cells paint the same byte into R, G and B.
 */
export function composeGrid(
  cells: Float32Array,
  count: number,
  layout: GridLayout,
  shape: ImageShape = MNIST_IMAGE,
): ImageGrid {
  const cellValues = imageSize(shape);
  if (cells.length < count * cellValues) {
    throw new Error(`composeGrid: ${cells.length} values cannot hold ${count} cells`);
  }
  const { width: cw, height: ch, channels } = shape;
  const { cols, gap, groupEvery = 0, groupGap = 0 } = layout;
  const rows = Math.ceil(count / cols);
  const colX = (c: number) =>
    c * (cw + gap) + (groupEvery > 0 ? Math.floor(c / groupEvery) * groupGap : 0);
  const width = colX(cols - 1) + cw;
  const height = rows * (ch + gap) - gap;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 4] = GAP_RGB[0];
    pixels[i * 4 + 1] = GAP_RGB[1];
    pixels[i * 4 + 2] = GAP_RGB[2];
    pixels[i * 4 + 3] = 255;
  }
  for (let n = 0; n < count; n++) {
    const x0 = colX(n % cols);
    const y0 = Math.floor(n / cols) * (ch + gap);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const v = n * cellValues + (y * cw + x) * channels;
        const p = ((y0 + y) * width + x0 + x) * 4;
        if (channels === 1) {
          const byte = toByte(cells[v]!);
          pixels[p] = byte;
          pixels[p + 1] = byte;
          pixels[p + 2] = byte;
        } else {
          pixels[p] = toByte(cells[v]!);
          pixels[p + 1] = toByte(cells[v + 1]!);
          pixels[p + 2] = toByte(cells[v + 2]!);
        }
      }
    }
  }
  return { width, height, pixels, cols, rows };
}

/** One image as a picture of its own. */
export function singleImage(cell: Float32Array, shape: ImageShape = MNIST_IMAGE): ImageGrid {
  return composeGrid(cell, 1, { cols: 1, gap: 0 }, shape);
}

/** Interleaves two equally long runs of cells of `cellValues` values each: a0, b0, a1, b1, ... */
export function interleave(
  a: Float32Array,
  b: Float32Array,
  cellValues: number = CELL_PIXELS,
): Float32Array {
  if (a.length !== b.length) throw new Error('interleave: runs differ in length');
  const count = a.length / cellValues;
  const out = new Float32Array(a.length * 2);
  for (let n = 0; n < count; n++) {
    out.set(a.subarray(n * cellValues, (n + 1) * cellValues), 2 * n * cellValues);
    out.set(b.subarray(n * cellValues, (n + 1) * cellValues), (2 * n + 1) * cellValues);
  }
  return out;
}

/** Images of a split as floats in [0, 1], [count, cellValues] row-major (784 for MNIST). */
export function toUnitFloats(
  images: Uint8Array,
  indices: ArrayLike<number>,
  cellValues: number = CELL_PIXELS,
): Float32Array {
  const out = new Float32Array(indices.length * cellValues);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i]! * cellValues;
    for (let p = 0; p < cellValues; p++) out[i * cellValues + p] = images[start + p]! / 255;
  }
  return out;
}
