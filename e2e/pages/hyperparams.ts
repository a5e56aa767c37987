import type { Locator, Page } from '@playwright/test';

/** A live slider's accessible name. */
export type SliderName =
  | 'KL weight'
  | 'Adversarial weight'
  | 'VAE learning rate'
  | 'Discriminator learning rate'
  | 'Generator learning rate'
  | 'Free bits';

/** The live loss weights: β, γ, the adversarial loss form and the three learning rates. */
export class Hyperparams {
  /** non-saturating or minimax. */
  readonly adversarialLoss: Locator;

  /** KL warm-up: the number of steps β ramps up over (0: off). */
  readonly klWarmup: Locator;
  /** What the worker confirmed for the warm-up ("in force: N = 200 from step 3 …"). */
  readonly klWarmupInForce: Locator;

  constructor(readonly page: Page) {
    this.adversarialLoss = page.getByLabel('Adversarial loss');
    this.klWarmup = page.getByRole('spinbutton', { name: 'KL warm-up steps' });
    this.klWarmupInForce = page.getByTestId('in-force-KL warm-up steps');
  }

  /** A logarithmic slider (positions 0 to 1000; its aria-valuetext is the value). */
  slider(name: SliderName): Locator {
    return this.page.getByRole('slider', { name });
  }

  /** The value the worker confirmed for a slider, e.g. "in force: 0.1 from step 12". */
  inForce(name: SliderName): Locator {
    return this.page.getByTestId(`in-force-${name}`);
  }

  /** The step a slider's confirmed value is in force from ("… from step 12"). */
  async inForceFromStep(name: SliderName): Promise<number> {
    return Number(/from step (\d+)/.exec((await this.inForce(name).textContent()) ?? '')?.[1]);
  }
}
