import type { Page, Worker } from '@playwright/test';
import type { Hyperparams } from '../src/shared/config';
// Types only: they also bring the page's declarations of `window.vaeganPlayground` and
// `window.vaeganExplorer` into this program, so the callbacks below are checked against them.
import type { ExplorerTestApi, PlaygroundTestApi } from '../src/app/test-api';

export type { ExplorerTestApi, PlaygroundTestApi };

declare global {
  interface Window {
    /** Content-Security-Policy violations, recorded by `TestApi.recordCspViolations`. */
    cspViolations?: string[];
  }
}

/** What a crash hook makes the training worker do: throw, close itself, or loop forever. */
export type CrashKind = Parameters<PlaygroundTestApi['debug']['crashWorker']>[0];

/**
 * The page's test handles (`window.vaeganPlayground`, `window.vaeganExplorer`), typed from the
 * source; each method is one `page.evaluate`. What a person cannot see or do (the stores' raw
 * numbers, fault injection) goes through here, everything else through the page objects.
 * The callbacks run in the browser, so each names the handle itself (no shared helper).
 */
export class TestApi {
  constructor(readonly page: Page) {}

  /** The steps of the curve points in the page's store (the label on the charts is throttled). */
  curveSteps(): Promise<number[]> {
    return this.page.evaluate(() => window.vaeganPlayground!.getState().series.steps.slice());
  }

  /**
   * The last `n` curve points' values in the page's store, every metric but featureRec (NaN by
   * design while the reconstruction loss is `pixel`: not computed), one flat list.
   */
  lastCurveValues(n: number): Promise<number[]> {
    return this.page.evaluate((count) => {
      const { series } = window.vaeganPlayground!.getState();
      return Object.entries(series.columns)
        .filter(([name]) => name !== 'featureRec')
        .flatMap(([, column]) => column.slice(-count));
    }, n);
  }

  /** The hyperparameters the page holds (it follows what the worker confirms). */
  hyperparams(): Promise<Hyperparams> {
    return this.page.evaluate(() => window.vaeganPlayground!.getState().hyperparams);
  }

  /** Loses the training worker's GPU device; resolves to the backend that lost it. */
  loseDevice(): Promise<string | undefined> {
    return this.page.evaluate(() => window.vaeganPlayground!.debug.loseDevice());
  }

  /** Makes the training worker throw, exit or hang (50 ms after the call returns). */
  crashWorker(kind: CrashKind): Promise<void> {
    return this.page.evaluate((k) => window.vaeganPlayground!.debug.crashWorker(k), kind);
  }

  /** How long the page waits for the worker's heartbeat before calling it not answering. */
  setHeartbeatTimeout(ms: number): Promise<void> {
    return this.page.evaluate((t) => window.vaeganPlayground!.debug.setHeartbeatTimeout(t), ms);
  }

  /** The step of the weights the latent explorer holds, or -1 before it holds any. */
  explorerLoadedStep(): Promise<number> {
    return this.page.evaluate(() => window.vaeganExplorer?.getState().loaded?.step ?? -1);
  }

  /** From the next navigation on, records every CSP violation the page reports. */
  async recordCspViolations(): Promise<void> {
    await this.page.addInitScript(() => {
      const seen: string[] = [];
      window.cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
  }

  /** The CSP violations recorded since the last navigation. */
  cspViolations(): Promise<string[] | undefined> {
    return this.page.evaluate(() => window.cspViolations);
  }

  /** The training worker, found by its script's name. */
  trainerWorker(): Worker | undefined {
    return this.page.workers().find((w) => /trainer/.test(w.url()));
  }
}
