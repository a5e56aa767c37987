import { expect, type Locator, type Page } from '@playwright/test';

/** The status bar in the header: backend, run status, step count and speed. */
export class StatusBar {
  /** The backend the training worker runs on: webgpu, webgl, wasm or cpu. */
  readonly backendName: Locator;
  /** The adapter, renderer or thread count behind the backend, in brackets. */
  readonly backendDetail: Locator;
  /** ready, training, paused, error, … */
  readonly runStatus: Locator;
  /** "step 123". */
  readonly stepCount: Locator;
  /** "12.3 steps/s". */
  readonly stepsPerSec: Locator;
  /** "epoch 1.25", beside the steps. */
  readonly epochCount: Locator;
  /** "20.1 of 94.9 GFLOP/s (21% of the peak)": wasm only, once the peak is measured. */
  readonly gflops: Locator;

  constructor(readonly page: Page) {
    this.backendName = page.getByTestId('backend-name');
    this.backendDetail = page.getByTestId('backend-detail');
    this.runStatus = page.getByTestId('run-status');
    this.stepCount = page.getByTestId('step-count');
    this.stepsPerSec = page.getByTestId('steps-per-sec');
    this.epochCount = page.getByTestId('epoch-count');
    this.gflops = page.getByTestId('gflops');
  }

  /** The step count shown in the status line ("step 123"). */
  async steps(): Promise<number> {
    const text = (await this.stepCount.textContent()) ?? '';
    const match = /step (\d+)/.exec(text);
    if (!match) throw new Error(`no step count in "${text}"`);
    return Number(match[1]);
  }

  /** Waits until the status line shows at least `atLeast` steps. */
  async waitForSteps(atLeast: number, timeout = 60_000) {
    await expect.poll(() => this.steps(), { timeout }).toBeGreaterThanOrEqual(atLeast);
  }

  /** The speed shown ("12.3 steps/s"), as a number. */
  async stepsPerSecond(): Promise<number> {
    return Number(/([\d.]+)/.exec((await this.stepsPerSec.textContent()) ?? '')?.[1]);
  }
}
