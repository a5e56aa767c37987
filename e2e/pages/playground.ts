import { expect, type Locator, type Page } from '@playwright/test';

/** Mean, variance and a checksum of a canvas's grey levels, read in the page. */
export interface CanvasStats {
  width: number;
  height: number;
  variance: number;
  checksum: number;
}

/** The playground as a person sees it: controls by their accessible names. */
export class Playground {
  readonly train: Locator;
  readonly pause: Locator;
  readonly step: Locator;
  readonly reset: Locator;
  readonly stepCount: Locator;
  readonly backendName: Locator;
  readonly backendDetail: Locator;
  readonly runStatus: Locator;
  readonly curvePoints: Locator;

  constructor(readonly page: Page) {
    this.train = page.getByRole('button', { name: 'Train' });
    this.pause = page.getByRole('button', { name: 'Pause' });
    this.step = page.getByRole('button', { name: 'Step', exact: true });
    this.reset = page.getByRole('button', { name: 'Reset' });
    this.stepCount = page.getByTestId('step-count');
    this.backendName = page.getByTestId('backend-name');
    this.backendDetail = page.getByTestId('backend-detail');
    this.runStatus = page.getByTestId('run-status');
    this.curvePoints = page.getByTestId('curve-points');
  }

  async open(query = '', timeout = 90_000) {
    await this.page.goto(`/${query}`);
    // Ready when the data set is loaded and the first pictures are drawn.
    await expect(this.train).toBeEnabled({ timeout });
  }

  /** The step count shown in the status line ("step 123"). */
  async steps(): Promise<number> {
    const text = (await this.stepCount.textContent()) ?? '';
    const match = /step (\d+)/.exec(text);
    if (!match) throw new Error(`no step count in "${text}"`);
    return Number(match[1]);
  }

  /**
   * Scrolls the curves into view, as a person does to read them: off screen, the charts and
   * their captions hold their redraw until they are scrolled to.
   */
  async viewCurves() {
    await this.page.locator('[data-tour="curves"]').scrollIntoViewIfNeeded();
  }

  /** The number of curve points the charts say they hold (read with the curves in view). */
  async points(): Promise<number> {
    await this.viewCurves();
    const text = (await this.curvePoints.textContent()) ?? '';
    return Number(/(\d+) points/.exec(text)?.[1] ?? Number.NaN);
  }

  async waitForSteps(atLeast: number, timeout = 60_000) {
    await expect.poll(() => this.steps(), { timeout }).toBeGreaterThanOrEqual(atLeast);
  }

  canvas(name: 'Reconstructions' | 'Prior samples' | 'Interpolation'): Locator {
    return this.page.getByRole('img', { name, exact: true });
  }

  async canvasStats(
    name: 'Reconstructions' | 'Prior samples' | 'Interpolation',
  ): Promise<CanvasStats> {
    return this.canvas(name).evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let sum = 0;
      let sumSq = 0;
      let checksum = 0;
      const n = width * height;
      for (let i = 0; i < data.length; i += 4) {
        const v = data[i]!;
        sum += v;
        sumSq += v * v;
        checksum = (checksum * 31 + v) >>> 0;
      }
      return { width, height, variance: sumSq / n - (sum / n) ** 2, checksum };
    });
  }

  /** Run settings: the architecture select (mlp or conv), applied with Apply settings. */
  get architecture(): Locator {
    return this.page.getByLabel('Architecture');
  }

  get applySettings(): Locator {
    return this.page.getByRole('button', { name: 'Apply settings' });
  }

  /** "These settings are running." once the worker runs what the form says. */
  get settingsState(): Locator {
    return this.page.getByTestId('settings-state');
  }

  /** The alert shown when conv is picked on a backend that cannot train it. */
  get convBackendMessage(): Locator {
    return this.page.getByTestId('conv-backend-message');
  }

  convBackendSwitch(to: 'WebGL' | 'WebGPU'): Locator {
    return this.page.getByRole('button', { name: `Switch to ${to}` });
  }

  /** The live objective choices of the loss panel. */
  get reconstructionLoss(): Locator {
    return this.page.getByLabel('Reconstruction loss');
  }

  get reconstructionsInD(): Locator {
    return this.page.getByRole('checkbox', { name: /D also sees reconstructions/ });
  }

  get equilibriumGate(): Locator {
    return this.page.getByRole('checkbox', { name: /Equilibrium gate/ });
  }

  get ganOnly(): Locator {
    return this.page.getByRole('checkbox', { name: /GAN only/ });
  }

  /** "Training: VAEGAN | plain VAE | plain GAN ...". */
  get modelMode(): Locator {
    return this.page.getByTestId('model-mode');
  }

  specialCase(name: 'Plain VAE' | 'Plain GAN' | 'VAEGAN'): Locator {
    return this.page.getByRole('group', { name: 'Special cases' }).getByRole('button', { name });
  }

  /** A typeset formula block of the math panel: elbo, discriminator, generator or total. */
  formula(id: 'elbo' | 'discriminator' | 'generator' | 'total'): Locator {
    return this.page.locator(`[data-formula="${id}"]`);
  }

  /**
   * The latest values a chart shows in its caption, e.g. "L_rec (pixel NLL) 210.3", with the
   * curves scrolled into view.
   */
  async chartLatest(testId: string): Promise<Locator> {
    await this.viewCurves();
    return this.page.getByTestId(testId).locator('.chart-latest');
  }

  slider(name: string): Locator {
    return this.page.getByRole('slider', { name });
  }

  /** The value the worker confirmed for a slider, e.g. "in force: 0.1 from step 12". */
  inForce(name: string): Locator {
    return this.page.getByTestId(`in-force-${name}`);
  }
}
