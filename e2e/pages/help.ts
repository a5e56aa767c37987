import type { Locator, Page } from '@playwright/test';

/** A toggletip: a "?" button, and the live region its help is written into. */
export interface HelpTip {
  button: Locator;
  /** The help text's region (empty while closed). */
  text: Locator;
}

/** The help beside the controls (toggletips), and the page's message region. */
export class Help {
  /** The always-present live region of the notices. */
  readonly messages: Locator;

  constructor(readonly page: Page) {
    this.messages = page.getByRole('log', { name: 'Messages' });
  }

  /** The toggletip whose button asks `question`, e.g. "What is KL weight?". */
  tip(question: string): HelpTip {
    const button = this.page.getByRole('button', { name: question, exact: true });
    return { button, text: button.locator('xpath=following-sibling::*[@role="status"]') };
  }
}
