import type { Locator, Page } from '@playwright/test';

/** Traversals: rows of decodings from −3σ to +3σ along dimensions or principal axes. */
export class Traversals {
  /** each latent dimension, or the top principal axes. */
  readonly mode: Locator;
  /** the origin, the selected test image, the drawing. */
  readonly around: Locator;
  readonly steps: Locator;
  readonly scale: Locator;
  /** The decodings; data-cols is the number per row, data-step the weights' step. */
  readonly image: Locator;
  /** One label per row ("z3 · σ 0.84 · KL 2.31"). */
  readonly rows: Locator;
  readonly caption: Locator;

  constructor(readonly page: Page) {
    this.mode = page.getByLabel('Traverse', { exact: true });
    this.around = page.getByLabel('Around', { exact: true });
    this.steps = page.getByRole('spinbutton', { name: 'Traversal steps' });
    this.scale = page.getByLabel('σ of a row');
    this.image = page.getByRole('img', { name: 'Traversals', exact: true });
    this.rows = page.getByRole('list', { name: 'Traversal rows' }).getByRole('listitem');
    this.caption = page.getByTestId('traversal-caption');
  }

  /** Grey levels of the cell at (row, col) of the picture (28-pixel cells, 1 px apart). */
  async cell(row: number, col: number): Promise<number[]> {
    return this.image.evaluate(
      (node, [row, col]) => {
        const c = node as HTMLCanvasElement;
        const data = c.getContext('2d')!.getImageData(col! * 29, row! * 29, 28, 28).data;
        const out: number[] = [];
        for (let i = 0; i < data.length; i += 4) out.push(data[i]!);
        return out;
      },
      [row, col],
    );
  }
}
