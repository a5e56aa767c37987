import { expect, type Locator, type Page } from '@playwright/test';
import { CLASS_COLOURS } from '../../src/ui/palette';
import type { TestApi } from '../test-api';
import { Tabs } from './tabs';

/** The latent space explorer as a person sees it: controls by their accessible names. */
export class Explorer {
  readonly pad: Locator;
  /** The canvas behind the pad, where the decoded plane is painted. */
  readonly padBackground: Locator;
  /** Where the pad's image was decoded ("decoded in the explorer worker" …). */
  readonly padReadout: Locator;
  readonly decoded: Locator;
  readonly scatter: Locator;
  /** The scatter's legend: one item per class. */
  readonly classes: Locator;
  readonly classItems: Locator;
  readonly strip: Locator;
  readonly reconA: Locator;
  readonly reconB: Locator;
  readonly selectedCaption: Locator;
  readonly selectedRecon: Locator;
  readonly status: Locator;
  /** The checkbox that paints the decoded plane behind the pad. */
  readonly showDecodedPlane: Locator;
  /** Plane of the pad: principal axes or latent axes. */
  readonly plane: Locator;
  readonly otherCoordinates: Locator;
  /** The selected test image, by number. */
  readonly testImage: Locator;
  readonly imageA: Locator;
  readonly interpolationSteps: Locator;
  /** linear or spherical. */
  readonly path: Locator;
  /** The checkbox that paints D(Dec(z)) over the pad. */
  readonly showDMap: Locator;
  /** The map's colour scale and the range of D it shows. */
  readonly dMapLegend: Locator;
  /** The drawing's code on the pad and on the scatter (data-x, data-y: plane coordinates). */
  readonly drawingOnPad: Locator;
  readonly drawingOnScatter: Locator;

  constructor(
    readonly page: Page,
    private readonly api: TestApi,
  ) {
    this.pad = page.getByRole('slider', { name: 'Latent pad' });
    this.padBackground = this.pad.locator('canvas');
    this.padReadout = page.getByTestId('pad-readout');
    this.decoded = page.getByRole('img', { name: 'Decoded image' });
    this.scatter = page.getByRole('img', { name: 'Encoded test images' });
    this.classes = page.getByRole('list', { name: 'Classes' });
    this.classItems = this.classes.getByRole('listitem');
    this.strip = page.getByRole('img', { name: 'Interpolation', exact: true });
    this.reconA = page.getByRole('img', { name: 'Reconstruction of A' });
    this.reconB = page.getByRole('img', { name: 'Reconstruction of B' });
    this.selectedCaption = page.getByTestId('selected-caption');
    this.selectedRecon = page.getByRole('img', { name: 'Reconstruction of the selected image' });
    this.status = page.getByTestId('explorer-status');
    this.showDecodedPlane = page.getByLabel(/Show the decoded plane behind the pad/);
    this.plane = page.getByLabel('Plane', { exact: true });
    this.otherCoordinates = page.getByLabel('Other coordinates');
    this.testImage = page.getByRole('spinbutton', { name: 'Test image', exact: true });
    this.imageA = page.getByRole('spinbutton', { name: 'Image A' });
    this.interpolationSteps = page.getByRole('spinbutton', { name: 'Interpolation steps' });
    this.path = page.getByLabel('Path');
    this.showDMap = page.getByLabel(/Paint the discriminator's view/);
    this.dMapLegend = page.getByTestId('dmap-legend');
    this.drawingOnPad = page.getByTestId('drawing-marker-pad');
    this.drawingOnScatter = page.getByTestId('drawing-marker-scatter');
  }

  /** What an interpolation end shows ("A: your drawing, input and reconstruction"). */
  endCaption(end: 'A' | 'B'): Locator {
    return this.page.getByTestId(`interp-caption-${end}`);
  }

  /** Share of the pad background's pixels in a colour of D's map (not grey, not the ground). */
  async padHeatShare(): Promise<number> {
    return this.padBackground.evaluate((node) => {
      const c = node as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) {
        const spread =
          Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!);
        if (spread > 40) coloured++;
      }
      return coloured / (d.length / 4);
    });
  }

  /** Opens the Latent space tab. */
  async open() {
    await new Tabs(this.page).open('Latent space');
  }

  /** Waits until the explorer holds weights of at least `step` and has laid out the test set. */
  async waitReady(step = 0) {
    // In view, as a person looks at it: out of view the explorer waits for the newest weights.
    await this.open();
    await this.pad.scrollIntoViewIfNeeded();
    await expect(this.pad).toHaveAttribute('aria-disabled', 'false', { timeout: 90_000 });
    await expect
      .poll(() => this.api.explorerLoadedStep(), { timeout: 90_000 })
      .toBeGreaterThanOrEqual(step);
    await expect(this.scatter).not.toHaveAttribute('data-count', '0');
  }

  /** Waits until the scatter and the strip show weights of exactly `step` (training paused). */
  async waitSettled(step: number) {
    await this.waitReady(step);
    await expect(this.scatter).toHaveAttribute('data-step', String(step), { timeout: 30_000 });
    await expect(this.strip).toHaveAttribute('data-step', String(step), { timeout: 30_000 });
  }

  /** Handle position in plane coordinates. */
  async handle(): Promise<{ x: number; y: number }> {
    const x = Number(await this.pad.getAttribute('data-x'));
    const y = Number(await this.pad.getAttribute('data-y'));
    return { x, y };
  }

  /** Where the handle sits inside the pad, as fractions of its width and height. */
  async handleFraction(): Promise<{ fx: number; fy: number }> {
    return this.pad.evaluate((node) => {
      const handle = node.querySelector<HTMLElement>('.latent-pad__handle')!;
      const pad = node.getBoundingClientRect();
      const h = handle.getBoundingClientRect();
      return {
        fx: (h.left + h.width / 2 - pad.left) / pad.width,
        fy: (h.top + h.height / 2 - pad.top) / pad.height,
      };
    });
  }

  /** Grey levels (red channel) of a canvas, row by row. */
  async grey(canvas: Locator): Promise<number[]> {
    return canvas.evaluate((node) => {
      const c = node as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 0; i < data.length; i += 4) out.push(data[i]!);
      return out;
    });
  }

  /** The 28 x 28 cell at column `col` of the interpolation strip (cells 1 px apart). */
  async stripCell(col: number): Promise<number[]> {
    return this.strip.evaluate((node, col) => {
      const c = node as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(col * 29, 0, 28, 28).data;
      const out: number[] = [];
      for (let i = 0; i < data.length; i += 4) out.push(data[i]!);
      return out;
    }, col);
  }

  /** Share of the pad background's pixels that are grey (r = g = b): decoded images, not the dark ground. */
  async padGreyShare(): Promise<number> {
    return this.padBackground.evaluate((node) => {
      const c = node as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let grey = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === d[i + 1] && d[i] === d[i + 2]) grey++;
      return grey / (d.length / 4);
    });
  }

  /** Class colours found on the scatter, and the CSS position of one point of each. */
  async scatterColours(): Promise<{ colour: string; x: number; y: number }[]> {
    const palette: string[] = [...CLASS_COLOURS];
    return this.scatter.evaluate((node, palette) => {
      const c = node as HTMLCanvasElement;
      const { width, height } = c;
      const data = c.getContext('2d')!.getImageData(0, 0, width, height).data;
      const rect = c.getBoundingClientRect();
      const hex = (i: number) =>
        '#' +
        [data[i]!, data[i + 1]!, data[i + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
      const found = new Map<string, { x: number; y: number }>();
      // A point is a 3 x 3 square of one class colour: look for its centre.
      for (let y = 1; y < height - 1; y++) {
        for (let x = 1; x < width - 1; x++) {
          const colour = hex((y * width + x) * 4);
          if (!palette.includes(colour) || found.has(colour)) continue;
          let solid = true;
          for (let dy = -1; dy <= 1 && solid; dy++)
            for (let dx = -1; dx <= 1 && solid; dx++)
              solid = hex(((y + dy) * width + x + dx) * 4) === colour;
          if (solid)
            found.set(colour, {
              x: rect.left + ((x + 0.5) / width) * rect.width,
              y: rect.top + ((y + 0.5) / height) * rect.height,
            });
        }
      }
      return [...found].map(([colour, p]) => ({ colour, ...p }));
    }, palette);
  }
}

/** Largest absolute difference between two equally long pixel lists. */
export function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

export const checksum = (values: number[]) => values.reduce((s, v) => (s * 31 + v) >>> 0, 0);
