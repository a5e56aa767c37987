import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The plain-VAE comparison run: its controls and both runs' prior samples. */
export class Comparison {
  readonly start: Locator;
  readonly stop: Locator;
  /** ready, training, paused … of the comparison run. */
  readonly status: Locator;
  /** The note that both runs share the CPU. */
  readonly sharedCpuNote: Locator;

  constructor(readonly page: Page) {
    this.start = page.getByRole('button', { name: 'Compare with a plain VAE (γ = 0)' });
    this.stop = page.getByRole('button', { name: 'Stop the comparison' });
    this.status = page.getByTestId('comparison-status');
    this.sharedCpuNote = page.getByText('The two runs share the CPU', { exact: false });
  }

  /** Opens the Quality tab, where the comparison is. */
  async open() {
    await new Tabs(this.page).open('Quality');
  }

  /** Prior samples of this run (main) or of the plain VAE (vae). */
  samples(run: 'main' | 'vae'): Locator {
    return this.page.getByTestId(`comparison-${run}-samples`);
  }

  /** The step the plain VAE's samples are from. */
  async vaeSamplesStep(): Promise<number> {
    return Number(await this.samples('vae').getAttribute('data-step'));
  }

  /** Variance of a sample grid's grey levels (0 for a blank or unpainted canvas). */
  async variance(run: 'main' | 'vae'): Promise<number> {
    return this.samples(run).evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      let sumSq = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        sum += data[i]!;
        sumSq += data[i]! * data[i]!;
      }
      return canvas.width > 28 ? sumSq / n - (sum / n) ** 2 : 0;
    });
  }
}
