import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The loss charts, by test id. */
export type ChartId =
  'chart-vae' | 'chart-gan' | 'chart-d' | 'chart-gate' | 'chart-speed' | 'chart-norms';

/** The curves panel: the loss charts and the count of points they hold. */
export class Curves {
  readonly section: Locator;
  /** "123 points": the points the charts hold. */
  readonly pointsLabel: Locator;

  constructor(readonly page: Page) {
    this.section = page.locator('[data-tour="curves"]');
    this.pointsLabel = page.getByTestId('curve-points');
  }

  /** Opens the Training tab, where the curves are. */
  async open() {
    await new Tabs(this.page).open('Training');
  }

  /**
   * Brings the curves into view, as a person does to read them (their tab, then a scroll where
   * the window is small): out of view, the charts and their captions hold their redraw.
   */
  async view() {
    await this.open();
    await this.section.scrollIntoViewIfNeeded();
  }

  /** The number of curve points the charts say they hold (read with the curves in view). */
  async points(): Promise<number> {
    await this.view();
    const text = (await this.pointsLabel.textContent()) ?? '';
    return Number(/(\d+) points/.exec(text)?.[1] ?? Number.NaN);
  }

  chart(id: ChartId): Locator {
    return this.page.getByTestId(id);
  }

  /** The number of points a chart draws (its data-points attribute). */
  async chartPoints(id: ChartId): Promise<number> {
    return Number(await this.chart(id).getAttribute('data-points'));
  }

  /**
   * The latest values a chart shows in its caption, e.g. "L_rec (pixel NLL) 210.3", with the
   * curves scrolled into view.
   */
  async latest(id: ChartId): Promise<Locator> {
    await this.view();
    return this.chart(id).locator('.chart-latest');
  }

  /** A chart's drawing (a canvas), named after the curves it draws. */
  drawing(id: ChartId): Locator {
    return this.chart(id).getByRole('img', { name: /^Curves of / });
  }

  /** What a chart reads out for the step under the pointer: "step 120 · L_D 0.6931 · …". */
  readout(id: ChartId): Locator {
    return this.chart(id).getByText(/^step \d+ · /);
  }

  /** A curve's entry in a chart's legend. */
  legendItem(name: string): Locator {
    return this.section
      .getByRole('list', { name: 'Legend' })
      .getByRole('listitem')
      .filter({ hasText: name });
  }
}
