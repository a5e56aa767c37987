import type { Locator, Page } from '@playwright/test';

/** Why the training worker is gone: it stopped, or it stopped answering the heartbeat. */
export type CrashKind = 'stopped' | 'not answering';

/** The panel shown when the training worker died or stopped answering, with its restarts. */
export class CrashPanel {
  constructor(readonly page: Page) {}

  panel(kind: CrashKind): Locator {
    const name = kind === 'stopped' ? 'Training worker stopped' : 'Training worker not answering';
    return this.page.getByRole('alert', { name });
  }

  restartFromCheckpoint(kind: CrashKind, step: number): Locator {
    return this.panel(kind).getByRole('button', {
      name: `Restart from the checkpoint at step ${step}`,
    });
  }

  restartFresh(kind: CrashKind): Locator {
    return this.panel(kind).getByRole('button', { name: 'Restart with fresh weights' });
  }
}
