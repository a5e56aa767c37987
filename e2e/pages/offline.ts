import type { Locator, Page } from '@playwright/test';

/** What the header says about offline use, installing and updates. */
export class Offline {
  /** "Works offline (MNIST saved on this device)" once the service worker holds the set. */
  readonly status: Locator;
  readonly install: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId('offline-status');
    this.install = page.getByRole('button', { name: 'Install app' });
  }

  /** Whether a service worker controls the page. */
  controlled(): Promise<boolean> {
    return this.page.evaluate(() => navigator.serviceWorker.controller !== null);
  }
}
