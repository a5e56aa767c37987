import { expect, type Locator, type Page } from '@playwright/test';
import { Tabs } from './tabs';

/** Number fields of the run settings, by their accessible names. */
export interface RunSettingsFields {
  latentSize?: number;
  hiddenUnits?: number;
  hiddenLayers?: number;
  batchSize?: number;
  seed?: number;
}

/** "Model and data": the settings that build a new model when applied. */
export class RunSettings {
  readonly dataset: Locator;
  /** mlp or conv. */
  readonly architecture: Locator;
  readonly variant: Locator;
  readonly latentSize: Locator;
  readonly hiddenUnits: Locator;
  readonly hiddenLayers: Locator;
  readonly batchSize: Locator;
  readonly seed: Locator;
  readonly apply: Locator;
  /** "These settings are running." once the worker runs what the form says. */
  readonly state: Locator;
  /** The alert shown when conv is picked on a backend that cannot train it. */
  readonly convBackendMessage: Locator;

  constructor(readonly page: Page) {
    this.dataset = page.getByLabel('Data set');
    this.architecture = page.getByLabel('Architecture');
    this.variant = page.getByLabel('Variant');
    this.latentSize = page.getByRole('spinbutton', { name: 'Latent size' });
    this.hiddenUnits = page.getByRole('spinbutton', { name: 'Hidden units' });
    this.hiddenLayers = page.getByRole('spinbutton', { name: 'Hidden layers' });
    this.batchSize = page.getByRole('spinbutton', { name: 'Batch size' });
    this.seed = page.getByRole('spinbutton', { name: 'Seed' });
    this.apply = page.getByRole('button', { name: 'Apply settings' });
    this.state = page.getByTestId('settings-state');
    this.convBackendMessage = page.getByTestId('conv-backend-message');
  }

  /** Opens the Model and data tab. */
  async open() {
    await new Tabs(this.page).open('Model and data');
  }

  /** The conv message's button that moves the run to a backend with conv kernels. */
  convBackendSwitch(to: 'WebGL' | 'WebGPU'): Locator {
    return this.page.getByRole('button', { name: `Switch to ${to}` });
  }

  /** A preset's button in the Presets group, e.g. "Sharp samples (VAEGAN)". */
  preset(label: string): Locator {
    return this.page
      .getByRole('group', { name: 'Presets' })
      .getByRole('button', { name: label, exact: true });
  }

  /** An option of the data set select, e.g. "Your images (none loaded)". */
  datasetOption(name: string): Locator {
    return this.page.getByRole('option', { name });
  }

  /** Fills the given fields and applies them; done when the form's settings are running. */
  async applyFields(fields: RunSettingsFields) {
    await this.open();
    const inputs: Record<keyof RunSettingsFields, Locator> = {
      latentSize: this.latentSize,
      hiddenUnits: this.hiddenUnits,
      hiddenLayers: this.hiddenLayers,
      batchSize: this.batchSize,
      seed: this.seed,
    };
    for (const [key, value] of Object.entries(fields) as [keyof RunSettingsFields, number][]) {
      await inputs[key].fill(String(value));
    }
    await this.apply.click();
    await expect(this.state).toHaveText(/running/);
  }
}
