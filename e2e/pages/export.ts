import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';
import type { PictureName } from './pictures';

/** A file the page downloaded: its bytes and the name the page suggested for it. */
export interface Download {
  bytes: Buffer;
  name: string;
}

/** "Save and share": export and import of the run, the curves as CSV, the pictures as PNG. */
export class ExportPanel {
  readonly exportWeights: Locator;
  /** "Export weights" while an export is under way: "Exporting…". */
  readonly exporting: Locator;
  readonly importWeights: Locator;
  readonly exportTorch: Locator;
  readonly curvesCsv: Locator;
  /** The file input of "Import weights". */
  readonly importFile: Locator;
  /** The file input of "Import .safetensors". */
  readonly importSafetensors: Locator;

  constructor(readonly page: Page) {
    this.exportWeights = page.getByRole('button', { name: 'Export weights (.zip)' });
    this.exporting = page.getByRole('button', { name: 'Exporting…' });
    this.importWeights = page.getByRole('button', { name: 'Import weights…' });
    this.exportTorch = page.getByRole('button', { name: 'Export for PyTorch (.safetensors)' });
    this.curvesCsv = page.getByRole('button', { name: 'Curves (CSV)' });
    this.importFile = page.getByTestId('import-file');
    this.importSafetensors = page.getByLabel('PyTorch run to import');
  }

  /** Chooses a file for "Import weights…" as a person would (the file chooser). */
  async chooseRunFile(file: string | { name: string; mimeType: string; buffer: Buffer }) {
    const [chooser] = await Promise.all([
      this.page.waitForEvent('filechooser'),
      this.importWeights.click(),
    ]);
    await chooser.setFiles(file);
  }

  /** Opens the Save and share tab. */
  async open() {
    await new Tabs(this.page).open('Save and share');
  }

  picturePng(name: PictureName): Locator {
    return this.page.getByRole('button', { name: `${name} (PNG)` });
  }

  /** Clicks a button and returns the file it downloads (a real download event, saved to `path`). */
  async download(button: Locator, path: string): Promise<Download> {
    await this.open();
    const [event] = await Promise.all([this.page.waitForEvent('download'), button.click()]);
    await event.saveAs(path);
    return { bytes: await readFile(path), name: event.suggestedFilename() };
  }
}
