import { Tabs } from './tabs';
import type { Locator, Page } from '@playwright/test';

/** The posterior-collapse panel: KL per latent dimension and the active units over training. */
export class PosteriorPanel {
  readonly section: Locator;
  /** "5 of 16 units active; KL 12.3 nats per image …". */
  readonly summary: Locator;
  readonly status: Locator;
  /** The sorted bar chart; data-bars is the number of bars. */
  readonly klChart: Locator;
  /** One item per latent dimension, in the bars' order: "z3 1.25" or "z7 0.00 (inactive)". */
  readonly dimensions: Locator;
  /** Active units over training; data-points is the number of measurements. */
  readonly activeChart: Locator;

  constructor(readonly page: Page) {
    this.section = page.getByRole('region', { name: /Posterior collapse/ });
    this.summary = page.getByTestId('posterior-summary');
    this.status = page.getByTestId('posterior-status');
    this.klChart = page.getByTestId('posterior-kl-chart');
    this.dimensions = page
      .getByRole('list', { name: 'KL per latent dimension' })
      .getByRole('listitem');
    this.activeChart = page.getByTestId('posterior-active-chart');
  }

  /** Scrolls the panel into view, as a person does to read it. */
  /** Opens the Latent space tab, where the panel is. */
  async open() {
    await new Tabs(this.page).open('Latent space');
  }

  async view() {
    await this.open();
    await this.section.scrollIntoViewIfNeeded();
  }

  /** The active units the summary states, and the latent size. */
  async activeUnits(): Promise<{ active: number; of: number }> {
    const m = /(\d+) of (\d+)/.exec((await this.summary.textContent()) ?? '');
    return { active: Number(m?.[1]), of: Number(m?.[2]) };
  }

  /** The KL of each dimension, in the chart's (sorted) order. */
  async kls(): Promise<number[]> {
    const items = await this.dimensions.allTextContents();
    return items.map((t) => Number(/z\d+ ([\d.]+)/.exec(t)?.[1]));
  }
}
