import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** A typeset formula block of the math panel. */
export type FormulaId = 'elbo' | 'discriminator' | 'generator' | 'total';

/**
 * The objective switches beside the loss weights: reconstruction loss, D's batches, the
 * equilibrium gate, GAN only, and the one-click special cases.
 */
export class ObjectiveSwitches {
  /** pixel, feature or mixed. */
  readonly reconstructionLoss: Locator;
  readonly reconstructionsInD: Locator;
  readonly equilibriumGate: Locator;
  readonly ganOnly: Locator;
  /** Whether D still trains while γ = 0 (off: a plain VAE's step is phase 1 alone). */
  readonly dWatches: Locator;
  /** Dynamic binarisation of the training batches. */
  readonly binarize: Locator;
  /** "Training: VAEGAN | plain VAE | plain GAN ...". */
  readonly modelMode: Locator;

  constructor(readonly page: Page) {
    this.reconstructionLoss = page.getByLabel('Reconstruction loss');
    this.reconstructionsInD = page.getByRole('checkbox', { name: /D also sees reconstructions/ });
    this.equilibriumGate = page.getByRole('checkbox', { name: /Equilibrium gate/ });
    this.ganOnly = page.getByRole('checkbox', { name: /GAN only/ });
    this.dWatches = page.getByRole('checkbox', { name: /D watches a plain VAE/ });
    this.binarize = page.getByRole('checkbox', { name: /Binarise the training images/ });
    this.modelMode = page.getByTestId('model-mode');
  }

  /** Opens the Objective tab, where the switches are beside the formulas. */
  async open() {
    await new Tabs(this.page).open('Objective');
  }

  specialCase(name: 'Plain VAE' | 'Plain GAN' | 'VAEGAN'): Locator {
    return this.page.getByRole('group', { name: 'Special cases' }).getByRole('button', { name });
  }
}

/** The math panel: the running model's objective typeset with KaTeX, with live values. */
export class Formulas {
  /** The panel; `data-highlight` names the term highlighted now. */
  readonly root: Locator;
  /** KaTeX's visible rendering of every formula block. */
  readonly rendered: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('formulas');
    this.rendered = this.root.locator('.katex-html');
  }

  /**
   * Opens the Objective tab (the formulas are typeset when it first opens) and scrolls to the
   * formulas, below the switches, as a person reading them would: out of view they hold still.
   */
  async open() {
    await new Tabs(this.page).open('Objective');
    await this.root.scrollIntoViewIfNeeded();
  }

  /** A formula block: elbo, discriminator, generator or total. */
  formula(id: FormulaId): Locator {
    return this.root.locator(`[data-formula="${id}"]`);
  }

  /** The visible rendering of one formula block. */
  renderedFormula(id: FormulaId): Locator {
    return this.root.locator(`[data-formula="${id}"] .katex-html`);
  }

  /** The first place a term (kl, rec, disc, gen) is typeset. */
  term(name: string): Locator {
    return this.root.locator(`[data-term="${name}"]`).first();
  }
}
