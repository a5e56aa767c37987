import { test as base, expect, type Page } from '@playwright/test';
import { Playground } from './pages/playground';
import { TestApi } from './test-api';

/** What the browser reported while a test ran: uncaught errors and `console.error` calls. */
export interface BrowserErrors {
  /** Uncaught exceptions and unhandled rejections, from the page and its workers. */
  pageErrors: string[];
  /** `console.error` messages (and failed resource loads), from the page and its workers. */
  consoleErrors: string[];
}

/** The fixtures every spec gets besides Playwright's own. */
export interface Fixtures {
  /** Recorded for every test (automatic); attached to the report when a test fails. */
  browserErrors: BrowserErrors;
  /** The page's test handles on `window`, typed from the source. */
  testApi: TestApi;
  /** The playground's page objects, one per panel (not yet opened: call `app.open()`). */
  app: Playground;
}

const logs = new WeakMap<Page, BrowserErrors>();

/**
 * `test` with the fixtures above. The error log never fails a test by itself; call
 * `expectNoPageErrors(page)`.
 */
export const test = base.extend<Fixtures>({
  browserErrors: [
    async ({ page }, use, testInfo) => {
      const log: BrowserErrors = { pageErrors: [], consoleErrors: [] };
      logs.set(page, log);
      // Both events also carry what the page's Web Workers report.
      page.on('pageerror', (error) => log.pageErrors.push(error.stack ?? error.message));
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const { url, lineNumber } = message.location();
        const where = url ? ` (${url}:${lineNumber})` : '';
        log.consoleErrors.push(`${message.worker() ? '[worker] ' : ''}${message.text()}${where}`);
      });
      await use(log);
      const failed = testInfo.status !== testInfo.expectedStatus;
      if (failed && (log.pageErrors.length > 0 || log.consoleErrors.length > 0)) {
        const body = [
          `page errors (${log.pageErrors.length}):`,
          ...log.pageErrors,
          '',
          `console errors (${log.consoleErrors.length}):`,
          ...log.consoleErrors,
        ].join('\n');
        await testInfo.attach('browser-errors', { body, contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],
  testApi: async ({ page }, use) => {
    await use(new TestApi(page));
  },
  app: async ({ page, testApi }, use) => {
    await use(new Playground(page, testApi));
  },
});

/** Browser errors recorded so far for a page made by this file's `test`. */
export function browserErrors(page: Page): BrowserErrors {
  const log = logs.get(page);
  if (!log) throw new Error('browserErrors: use `test` from e2e/fixtures.ts for this page');
  return log;
}

/** Fails unless the page and its workers have had no uncaught error so far. */
export function expectNoPageErrors(page: Page): void {
  expect(browserErrors(page).pageErrors, 'uncaught errors in the page or its workers').toEqual([]);
}

export { expect };
