import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The unit of a training budget, as the "Stop after" list names it. */
export type BudgetUnitLabel = 'no budget' | 'steps' | 'epochs' | 'minutes';

const UNIT_VALUES: Record<BudgetUnitLabel, string> = {
  'no budget': 'off',
  steps: 'steps',
  epochs: 'epochs',
  minutes: 'minutes',
};

/** The training budget panel: stop after steps, epochs or minutes; auto-stop; the schedule. */
export class Budget {
  readonly unit: Locator;
  readonly amount: Locator;
  readonly patience: Locator;
  readonly schedule: Locator;
  /** "3.2 of 20 epochs (16 %)". */
  readonly progress: Locator;
  /** Why training stopped by itself. */
  readonly stopped: Locator;
  /** The best test ELBO so far and the measurements since. */
  readonly autoStopState: Locator;
  readonly lrFactor: Locator;

  constructor(readonly page: Page) {
    this.unit = page.getByRole('combobox', { name: 'Stop after' });
    this.amount = page.getByRole('spinbutton', { name: 'Budget' });
    this.patience = page.getByRole('spinbutton', { name: 'Auto-stop patience' });
    this.schedule = page.getByRole('combobox', { name: 'Learning-rate schedule' });
    this.progress = page.getByTestId('budget-progress');
    this.stopped = page.getByTestId('budget-stopped');
    this.autoStopState = page.getByTestId('auto-stop-state');
    this.lrFactor = page.getByTestId('lr-factor');
  }

  /** Opens the Model and data tab, where the panel is. */
  async open() {
    await new Tabs(this.page).open('Model and data');
  }

  /** Sets a budget, e.g. stopAfter(30, 'steps'). */
  async stopAfter(amount: number, unit: Exclude<BudgetUnitLabel, 'no budget'>) {
    await this.unit.selectOption(UNIT_VALUES[unit]);
    await this.amount.fill(String(amount));
  }

  async noBudget() {
    await this.unit.selectOption(UNIT_VALUES['no budget']);
  }
}
