import { expect, type Locator, type Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The run a quality figure belongs to. */
export type QualityRun = 'main' | 'comparison';
/** A quality figure's test id suffix. */
export type QualityMeasure =
  'elbo' | 'iwae' | 'fcd' | 'coverage' | 'precision' | 'recall' | 'density' | 'knn-coverage';

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
  /** Precision, recall, density and coverage over training steps. */
  readonly manifoldChart: Locator;
  /** The memorisation check: how many samples, the button, the pairs and what they say. */
  readonly memorisationCount: Locator;
  readonly findNearest: Locator;
  readonly memorisationPairs: Locator;
  readonly memorisationSummary: Locator;

  constructor(readonly page: Page) {
    this.k = page.getByLabel('Importance samples k');
    this.testImages = page.getByRole('spinbutton', { name: 'Test images (bounds)' });
    this.samples = page.getByRole('spinbutton', { name: 'Samples (FCD)' });
    this.measureNow = page.getByRole('button', { name: 'Measure now' });
    this.method = page.getByTestId('quality-method');
    this.boundsChart = page.getByTestId('quality-chart-bounds');
    this.unavailable = page.getByTestId('quality-unavailable');
    this.manifoldChart = page.getByTestId('quality-chart-manifold');
    this.memorisationCount = page.getByRole('spinbutton', { name: 'Samples to check' });
    this.findNearest = page.getByRole('button', { name: 'Find the nearest training images' });
    this.memorisationPairs = page.getByRole('img', {
      name: 'Samples beside their nearest training images',
    });
    this.memorisationSummary = page.getByTestId('memorisation-summary');
  }

  /** A bar of a run's class histogram: a button that shows the samples of its class. */
  classBar(className: string): Locator {
    return this.page.getByRole('button', {
      name: new RegExp(`^Show the samples classified as ${className} \\(`),
    });
  }

  /** The samples of the class clicked, and their caption. */
  classSamples(run: QualityRun, className: string): Locator {
    return this.page
      .getByTestId(`quality-${run}`)
      .getByRole('img', { name: `Samples classified as ${className}` });
  }

  classSamplesCaption(run: QualityRun): Locator {
    return this.page.getByTestId(`class-samples-caption-${run}`);
  }

  /** The count a class bar shows in its name ("… as 3 (17)"). */
  async classCount(className: string): Promise<number> {
    const name = (await this.classBar(className).getAttribute('aria-label')) ?? '';
    return Number(/\((\d+)\)$/.exec(name)?.[1]);
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
    return this.page.getByRole('group', {
      name: new RegExp(`Classes of ${samples} prior samples`),
    });
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
