import { expect, type Locator, type Page } from '@playwright/test';

/** The dashboard's tabs, by name. */
export type TabName =
  | 'Training'
  | 'Latent space'
  | 'Quality'
  | 'Objective'
  | 'Checkpoints'
  | 'Your images'
  | 'Save and share'
  | 'Model and data';

/** The tab bar: the views of the dashboard, one open at a time (its name is in the URL). */
export class Tabs {
  /** Every tab in the bar. */
  readonly all: Locator;

  constructor(readonly page: Page) {
    this.all = page.getByRole('tablist', { name: 'Views' }).getByRole('tab');
  }

  tab(name: TabName): Locator {
    return this.page.getByRole('tab', { name, exact: true });
  }

  /** The open tab's panel. */
  get panel(): Locator {
    return this.page.getByRole('tabpanel');
  }

  /** Opens a tab, as a person clicks it, unless it is open already. */
  async open(name: TabName) {
    const tab = this.tab(name);
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
  }
}
