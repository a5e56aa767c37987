import { expect, type Locator, type Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The run a quality figure belongs to. */
export type QualityRun = 'main' | 'comparison';
/** A quality figure's test id suffix. */
export type QualityMeasure = 'elbo' | 'iwae' | 'fcd' | 'coverage';

/** The quality panel: ELBO, IWAE, FCD and mode coverage, their settings and curves. */
export class Quality {
  /** Importance samples k. */
  readonly k: Locator;
  readonly testImages: Locator;
  readonly samples: Locator;
  readonly measureNow: Locator;
  /** What the figures used ("k = 50 on the first 40 test images …"). */
  readonly method: Locator;
  /** The ELBO and IWAE curves over training steps. */
  readonly boundsChart: Locator;
  /** Why the running model has no quality measures (a model of the user's own images). */
  readonly unavailable: Locator;

  constructor(readonly page: Page) {
    this.k = page.getByLabel('Importance samples k');
    this.testImages = page.getByRole('spinbutton', { name: 'Test images (bounds)' });
    this.samples = page.getByRole('spinbutton', { name: 'Samples (FCD)' });
    this.measureNow = page.getByRole('button', { name: 'Measure now' });
    this.method = page.getByTestId('quality-method');
    this.boundsChart = page.getByTestId('quality-chart-bounds');
    this.unavailable = page.getByTestId('quality-unavailable');
  }

  /** A run's block of figures; its data-step says which step they measured. */
  run(run: QualityRun): Locator {
    return this.page.getByTestId(`quality-${run}`);
  }

  /** One figure of a run. */
  figure(run: QualityRun, measure: QualityMeasure): Locator {
    return this.page.getByTestId(`quality-${run}-${measure}`);
  }

  /** One figure of a run as a number (NaN when it shows none). */
  async value(run: QualityRun, measure: QualityMeasure): Promise<number> {
    return Number((await this.figure(run, measure).textContent()) ?? 'NaN');
  }

  /** The IWAE figure's label, which names k. */
  iwaeLabel(k: number): Locator {
    return this.page.getByText(`IWAE (k = ${k})`);
  }

  /** The class histogram of a run's prior samples ("Classes of 200 prior samples …"). */
  classesOf(samples: number): Locator {
    return this.page.getByRole('img', { name: new RegExp(`Classes of ${samples} prior samples`) });
  }

  /** Points on the bounds chart. */
  async boundsPoints(): Promise<number> {
    return Number(await this.boundsChart.getAttribute('data-points'));
  }

  /** Opens the Quality tab. */
  async open() {
    await new Tabs(this.page).open('Quality');
  }

  /** Small measurements (k = 50, 40 test images, 200 samples), so a test does not wait long. */
  async useSmallMeasurements() {
    await this.open();
    await this.k.selectOption('50');
    await expect(this.k).toHaveValue('50');
    await this.testImages.fill('40');
    await this.samples.fill('200');
  }
}
