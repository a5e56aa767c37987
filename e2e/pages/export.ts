import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import type { PictureName } from './pictures';

/** A file the page downloaded: its bytes and the name the page suggested for it. */
export interface Download {
  bytes: Buffer;
  name: string;
}

/** "Save and share": export and import of the run, the curves as CSV, the pictures as PNG. */
export class ExportPanel {
  readonly exportWeights: Locator;
  readonly exportTorch: Locator;
  readonly curvesCsv: Locator;
  /** The file input of "Import weights". */
  readonly importFile: Locator;
  /** The file input of "Import .safetensors". */
  readonly importSafetensors: Locator;

  constructor(readonly page: Page) {
    this.exportWeights = page.getByRole('button', { name: 'Export weights (.zip)' });
    this.exportTorch = page.getByRole('button', { name: 'Export for PyTorch (.safetensors)' });
    this.curvesCsv = page.getByRole('button', { name: 'Curves (CSV)' });
    this.importFile = page.getByTestId('import-file');
    this.importSafetensors = page.getByLabel('PyTorch run to import');
  }

  picturePng(name: PictureName): Locator {
    return this.page.getByRole('button', { name: `${name} (PNG)` });
  }

  /** Clicks a button and returns the file it downloads (a real download event, saved to `path`). */
  async download(button: Locator, path: string): Promise<Download> {
    const [event] = await Promise.all([this.page.waitForEvent('download'), button.click()]);
    await event.saveAs(path);
    return { bytes: await readFile(path), name: event.suggestedFilename() };
  }
}
