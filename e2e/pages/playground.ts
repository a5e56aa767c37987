import { expect, type Locator, type Page, type Response } from '@playwright/test';
import type { TestApi } from '../test-api';
import { Budget } from './budget';
import { Checkpoints } from './checkpoints';
import { Comparison } from './comparison';
import { ConfirmDialog } from './confirm-dialog';
import { CrashPanel } from './crash-panel';
import { Curves } from './curves';
import { Explorer } from './explorer';
import { ExportPanel } from './export';
import { Hyperparams } from './hyperparams';
import { Formulas, ObjectiveSwitches } from './objective';
import { Pictures } from './pictures';
import { Quality } from './quality';
import { RunSettings } from './run-settings';
import { StatusBar } from './status-bar';
import { GuidedTour } from './tour';
import { TrainingControls } from './training-controls';
import { UserImages } from './user-images';
import { Notices } from './notices';
import { Tabs } from './tabs';
import { Help } from './help';
import { Offline } from './offline';
import { DrawingPad } from './drawing-pad';
import { PosteriorPanel } from './posterior';
import { Traversals } from './traversals';
import { WarmStart } from './warm-start';

/**
 * The playground as a person sees it, one page object per panel. Specs reach the page's
 * controls only through these, so a change of layout (where a panel sits, which tab holds it)
 * is mended here and not in every spec.
 */
export class Playground {
  readonly status: StatusBar;
  readonly controls: TrainingControls;
  readonly hyperparams: Hyperparams;
  readonly objective: ObjectiveSwitches;
  readonly runSettings: RunSettings;
  readonly userImages: UserImages;
  readonly pictures: Pictures;
  readonly curves: Curves;
  readonly formulas: Formulas;
  readonly quality: Quality;
  readonly comparison: Comparison;
  readonly explorer: Explorer;
  readonly drawing: DrawingPad;
  readonly traversals: Traversals;
  readonly posterior: PosteriorPanel;
  readonly exports: ExportPanel;
  readonly checkpoints: Checkpoints;
  readonly budget: Budget;
  readonly warmStart: WarmStart;
  readonly crash: CrashPanel;
  readonly notices: Notices;
  readonly tour: GuidedTour;
  readonly confirm: ConfirmDialog;
  /** The dashboard's tabs: every panel but the controls is in one. */
  readonly tabs: Tabs;
  readonly help: Help;
  readonly offline: Offline;
  /** Every alert on the page (form errors, refusals, the crash panel). */
  readonly alerts: Locator;

  constructor(
    readonly page: Page,
    readonly api: TestApi,
  ) {
    this.status = new StatusBar(page);
    this.controls = new TrainingControls(page);
    this.hyperparams = new Hyperparams(page);
    this.objective = new ObjectiveSwitches(page);
    this.runSettings = new RunSettings(page);
    this.userImages = new UserImages(page);
    this.pictures = new Pictures(page);
    this.curves = new Curves(page);
    this.formulas = new Formulas(page);
    this.quality = new Quality(page);
    this.comparison = new Comparison(page);
    this.explorer = new Explorer(page, api);
    this.drawing = new DrawingPad(page);
    this.traversals = new Traversals(page);
    this.posterior = new PosteriorPanel(page);
    this.exports = new ExportPanel(page);
    this.checkpoints = new Checkpoints(page);
    this.budget = new Budget(page);
    this.warmStart = new WarmStart(page);
    this.crash = new CrashPanel(page);
    this.notices = new Notices(page);
    this.tour = new GuidedTour(page);
    this.confirm = new ConfirmDialog(page);
    this.tabs = new Tabs(page);
    this.help = new Help(page);
    this.offline = new Offline(page);
    this.alerts = page.getByRole('alert');
  }

  /** Opens the page with a query (e.g. "?backend=wasm") and waits until it is ready. */
  async open(query = '', timeout = 90_000) {
    await this.goto(query);
    await this.waitReady(timeout);
  }

  /** Navigates without waiting for readiness; the response carries the server's headers. */
  goto(query = ''): Promise<Response | null> {
    return this.page.goto(`/${query}`);
  }

  /** Ready when the data set is loaded and the first pictures are drawn: Train is enabled. */
  async waitReady(timeout = 90_000) {
    await expect(this.controls.train).toBeEnabled({ timeout });
  }

  /** Reloads the page and waits until it is ready again. */
  async reload() {
    await this.page.reload();
    await this.waitReady();
  }

  /** The alerts whose text matches. */
  alert(text: string | RegExp): Locator {
    return this.alerts.filter({ hasText: text });
  }

  /** Text anywhere on the page (prose, not controls). */
  text(text: string | RegExp, options?: { exact?: boolean }): Locator {
    return this.page.getByText(text, options);
  }

  /** A query parameter of the page's address now (the URL follows the settings). */
  urlParam(name: string): string | null {
    return new URL(this.page.url()).searchParams.get(name);
  }

  /**
   * How far the page and the open view would scroll, in pixels: 0 and 0 when everything fits
   * the window (the view scrolls by itself on wide screens, so it counts too).
   */
  overflow(): Promise<{ x: number; y: number }> {
    return this.page.evaluate(() => {
      const root = document.documentElement;
      const view = document.querySelector<HTMLElement>('[role="tabpanel"]:not([hidden])');
      return {
        x: Math.max(root.scrollWidth - root.clientWidth, 0),
        y: Math.max(
          root.scrollHeight - root.clientHeight,
          view ? view.scrollHeight - view.clientHeight : 0,
        ),
      };
    });
  }

  /** The Content-Security-Policy of the page's meta tag. */
  cspMeta(): Promise<string | null> {
    return this.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  }

  /** Drops a file anywhere on the page, where a run zip is imported. */
  async dropOnPage(name: string, text: string, type: string) {
    const dropped = await this.page.evaluateHandle(
      ({ name, text, type }) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type }));
        return data;
      },
      { name, text, type },
    );
    await this.page.dispatchEvent('main', 'drop', { dataTransfer: dropped });
  }
}
