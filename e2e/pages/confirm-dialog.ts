import type { Locator, Page } from '@playwright/test';

/** The page's own yes/no dialog (src/ui/ConfirmDialog.tsx), found by its title. */
export class ConfirmDialog {
  constructor(readonly page: Page) {}

  /** The open dialog whose title is `title`. */
  dialog(title: string | RegExp): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** A button of that dialog. */
  button(title: string | RegExp, name: string): Locator {
    return this.dialog(title).getByRole('button', { name });
  }
}
