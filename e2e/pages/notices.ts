import type { Locator, Page } from '@playwright/test';

/** The notices under the header: warnings and errors from the worker or the page. */
export class Notices {
  constructor(readonly page: Page) {}

  /** The notices whose text matches. */
  notice(text: string | RegExp): Locator {
    return this.page.locator('.notice').filter({ hasText: text });
  }

  /** A notice's message, without its dismiss button. */
  async message(notice: Locator): Promise<string> {
    return (await notice.locator('span').first().textContent()) ?? '';
  }
}
