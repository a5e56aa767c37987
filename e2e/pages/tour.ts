import type { Locator, Page } from '@playwright/test';

/** The guided first run: a card of steps, each pointing at a part of the page. */
export class GuidedTour {
  readonly card: Locator;
  readonly next: Locator;
  readonly finish: Locator;

  constructor(readonly page: Page) {
    this.card = page.getByTestId('guided-tour');
    this.next = this.card.getByRole('button', { name: 'Next' });
    this.finish = this.card.getByRole('button', { name: 'Finish the tour' });
  }

  /** The part of the page a step points at (its data-tour name, e.g. "train"). */
  target(name: string): Locator {
    return this.page.locator(`[data-tour="${name}"]`);
  }
}
