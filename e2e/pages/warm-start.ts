import type { Locator, Page } from '@playwright/test';

/** "Skip the wait": start from a model trained beforehand for the data set in use. */
export class WarmStart {
  readonly start: Locator;
  /** How the loaded model was trained. */
  readonly record: Locator;

  constructor(readonly page: Page) {
    this.start = page.getByRole('button', { name: 'Start from a trained model' });
    this.record = page.getByTestId('warm-start-record');
  }
}
