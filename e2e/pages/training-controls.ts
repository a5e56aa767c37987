import type { Locator, Page } from '@playwright/test';

/** Train, Pause, Step and Reset. */
export class TrainingControls {
  readonly train: Locator;
  readonly pause: Locator;
  readonly step: Locator;
  readonly reset: Locator;

  constructor(readonly page: Page) {
    this.train = page.getByRole('button', { name: 'Train', exact: true });
    this.pause = page.getByRole('button', { name: 'Pause' });
    this.step = page.getByRole('button', { name: 'Step', exact: true });
    this.reset = page.getByRole('button', { name: 'Reset' });
  }
}
