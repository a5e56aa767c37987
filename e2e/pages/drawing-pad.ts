import type { Locator, Page } from '@playwright/test';

/** A stroke in fractions of the drawing surface's width and height (0 to 1). */
export type StrokePoints = [number, number][];

/** The drawing pad: a surface for mouse, touch and pen, the image the encoder sees, its code. */
export class DrawingPad {
  readonly surface: Locator;
  readonly canvas: Locator;
  readonly clear: Locator;
  /** The drawing as a 28×28 image, as the encoder reads it. */
  readonly input: Locator;
  readonly recon: Locator;
  /** μ and σ of each latent dimension. */
  readonly code: Locator;
  readonly caption: Locator;
  readonly moveHandle: Locator;
  readonly traverseAround: Locator;

  constructor(readonly page: Page) {
    this.surface = page.getByRole('application', { name: 'Drawing pad' });
    this.canvas = this.surface.locator('canvas');
    this.clear = page.getByRole('button', { name: 'Clear', exact: true });
    this.input = page.getByRole('img', { name: 'Drawing as the encoder sees it' });
    this.recon = page.getByRole('img', { name: 'Reconstruction of the drawing' });
    this.code = page.getByRole('table', { name: 'Code of the drawing' });
    this.caption = page.getByTestId('drawing-caption');
    this.moveHandle = page.getByRole('button', { name: "Move the pad's handle to its code" });
    this.traverseAround = page.getByRole('button', { name: 'Traverse around it' });
  }

  /** "Use as interpolation end A" or "… B". */
  useAsEnd(end: 'A' | 'B'): Locator {
    return this.page.getByRole('button', { name: `Use as interpolation end ${end}` });
  }

  /** Draws one stroke with the mouse, as a person drags it. */
  async drawWithMouse(points: StrokePoints) {
    await this.canvas.scrollIntoViewIfNeeded();
    const box = (await this.canvas.boundingBox())!;
    const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height];
    const [x0, y0] = at(points[0]!);
    await this.page.mouse.move(x0!, y0!);
    await this.page.mouse.down();
    for (const p of points.slice(1)) {
      const [x, y] = at(p);
      await this.page.mouse.move(x!, y!, { steps: 4 });
    }
    await this.page.mouse.up();
  }

  /** Draws one stroke as pointer events of a pen or a finger (pointerType 'pen' or 'touch'). */
  async drawWith(pointerType: 'pen' | 'touch', points: StrokePoints) {
    await this.canvas.scrollIntoViewIfNeeded();
    const box = (await this.canvas.boundingBox())!;
    const init = ([fx, fy]: [number, number]) => ({
      pointerType,
      pointerId: 7,
      isPrimary: true,
      bubbles: true,
      button: 0,
      buttons: 1,
      clientX: box.x + fx * box.width,
      clientY: box.y + fy * box.height,
    });
    await this.canvas.dispatchEvent('pointerdown', init(points[0]!));
    for (const p of points.slice(1)) await this.canvas.dispatchEvent('pointermove', init(p));
    await this.canvas.dispatchEvent('pointerup', { ...init(points.at(-1)!), buttons: 0 });
  }

  /** Grey levels (red channel) of a 28×28 picture of the pad, row by row. */
  async grey(canvas: Locator): Promise<number[]> {
    return canvas.evaluate((node) => {
      const c = node as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 0; i < data.length; i += 4) out.push(data[i]!);
      return out;
    });
  }

  /** The μ column of the code table, one number per latent dimension. */
  async mu(): Promise<number[]> {
    const cells = await this.code.locator('tbody tr td:nth-child(2)').allTextContents();
    return cells.map(Number);
  }
}
