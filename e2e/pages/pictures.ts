import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** Grey-level variance and a checksum of a canvas, with its size, read in the page. */
export interface CanvasStats {
  width: number;
  height: number;
  variance: number;
  checksum: number;
}

/** The pictures panel's canvases. */
export type PictureName = 'Reconstructions' | 'Prior samples' | 'Interpolation';

/** The pictures: reconstructions beside their inputs, prior samples, and an interpolation. */
export class Pictures {
  /** D's score under each prior sample, in the grid's order. */
  readonly sampleScores: Locator;

  constructor(readonly page: Page) {
    this.sampleScores = page.getByRole('list', { name: "D's score of each sample" });
  }

  /** The scores under the samples, as numbers. */
  async scores(): Promise<number[]> {
    return (await this.sampleScores.getByRole('listitem').allTextContents()).map(Number);
  }

  /** Opens the Training tab, where the reconstructions and samples are. */
  async open() {
    await new Tabs(this.page).open('Training');
  }

  canvas(name: PictureName): Locator {
    return this.page.getByRole('img', { name, exact: true });
  }

  /** Size, grey-level variance (0 when blank) and a checksum of a picture's pixels. */
  async stats(name: PictureName): Promise<CanvasStats> {
    return this.canvas(name).evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let sum = 0;
      let sumSq = 0;
      let checksum = 0;
      const n = width * height;
      for (let i = 0; i < data.length; i += 4) {
        const v = data[i]!;
        sum += v;
        sumSq += v * v;
        checksum = (checksum * 31 + v) >>> 0;
      }
      return { width, height, variance: sumSq / n - (sum / n) ** 2, checksum };
    });
  }

  /**
   * Pixels of a picture's first `size` x `size` cell whose red and green differ: more than 0
   * once colour has reached the canvas.
   */
  async colouredPixels(name: PictureName, size: number): Promise<number> {
    return this.canvas(name).evaluate((node, size) => {
      const canvas = node as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, size, size).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1]) n += 1;
      return n;
    }, size);
  }
}
