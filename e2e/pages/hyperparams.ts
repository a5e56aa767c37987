import type { Locator, Page } from '@playwright/test';

/** A live slider's accessible name. */
export type SliderName =
  | 'KL weight'
  | 'Adversarial weight'
  | 'VAE learning rate'
  | 'Discriminator learning rate'
  | 'Generator learning rate';

/** The live loss weights: β, γ, the adversarial loss form and the three learning rates. */
export class Hyperparams {
  /** non-saturating or minimax. */
  readonly adversarialLoss: Locator;

  constructor(readonly page: Page) {
    this.adversarialLoss = page.getByLabel('Adversarial loss');
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
