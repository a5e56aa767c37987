import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** The checkpoints panel (autosave to IndexedDB) and the offer to resume after a reload. */
export class Checkpoints {
  readonly everySeconds: Locator;
  readonly everySteps: Locator;
  /** The saved checkpoints, newest first; each has data-step. */
  readonly items: Locator;
  /** "Last checkpoint: step 400, 18.1 MB, saved in 120 ms". */
  readonly lastSaved: Locator;
  readonly saveNow: Locator;
  /** "Save checkpoint now" while a save is under way: "Saving…". */
  readonly saving: Locator;
  readonly keep: Locator;
  /** The offer, after a reload, to resume from the newest checkpoint. */
  readonly resumeOffer: Locator;
  /** Auto-stop's checkpoint of the best test ELBO ("best test ELBO -98.12 nats"). */
  readonly best: Locator;

  constructor(readonly page: Page) {
    this.everySeconds = page.getByRole('spinbutton', { name: 'Every (seconds)' });
    this.everySteps = page.getByRole('spinbutton', { name: 'or every (steps, 0 = off)' });
    this.items = page.getByTestId('checkpoint');
    this.lastSaved = page.getByTestId('last-checkpoint');
    this.saveNow = page.getByRole('button', { name: 'Save checkpoint now' });
    this.saving = page.getByRole('button', { name: 'Saving…' });
    this.keep = page.getByRole('spinbutton', { name: 'Keep the last' });
    this.resumeOffer = page.getByRole('region', { name: 'Resume from checkpoint' });
    this.best = page.getByTestId('best-checkpoint');
  }

  /** Opens the Checkpoints tab (the resume offer is above the tabs). */
  async open() {
    await new Tabs(this.page).open('Checkpoints');
  }

  /** The checkpoint of one step in the list. */
  atStep(step: number): Locator {
    return this.page.locator(`[data-testid="checkpoint"][data-step="${step}"]`);
  }

  /** A checkpoint's Restore button, by its step. */
  restore(step: number): Locator {
    return this.page.getByRole('button', { name: `Restore step ${step}` });
  }

  /** The checkpoints of one owner: this tab's run, another open tab's, or a closed tab's. */
  ownedBy(owner: 'this tab' | 'another tab' | 'a closed tab'): Locator {
    return this.page.locator(`[data-testid="checkpoint"][data-owner="${owner}"]`);
  }

  /** The steps of the listed checkpoints of one owner, newest first. */
  async stepsOf(owner: 'this tab' | 'another tab' | 'a closed tab'): Promise<number[]> {
    const items = this.ownedBy(owner);
    const steps: number[] = [];
    for (let i = 0; i < (await items.count()); i++) {
      steps.push(Number(await items.nth(i).getAttribute('data-step')));
    }
    return steps;
  }

  /** A list entry's Delete button. */
  deleteButton(item: Locator): Locator {
    return item.getByRole('button', { name: /^Delete/ });
  }

  /** The resume offer's button. */
  resume(step: number): Locator {
    return this.resumeOffer.getByRole('button', { name: `Resume from step ${step}` });
  }
}
