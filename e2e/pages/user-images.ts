import type { Locator, Page } from '@playwright/test';
import { Tabs } from './tabs';

/** "Your own images": a folder, files or a zip of pictures to train on. */
export class UserImages {
  readonly folder: Locator;
  readonly files: Locator;
  readonly keepColour: Locator;
  readonly dropZone: Locator;
  /** "Loaded 80 images from …", or why nothing was loaded. */
  readonly message: Locator;
  /** The files that were skipped, with the reason. */
  readonly skipped: Locator;
  /** Shown while the import worker reads and decodes. */
  readonly cancel: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.folder = page.getByLabel('Folder of images');
    this.files = page.getByLabel('Image files or a zip');
    this.keepColour = page.getByLabel('Keep colour (32×32)');
    this.dropZone = page.getByRole('region', { name: 'Drop zone for your images' });
    this.message = page.getByTestId('user-images-message');
    this.skipped = page.getByRole('list', { name: 'Skipped files' });
    this.cancel = page.getByRole('button', { name: 'Cancel import' });
    this.progress = page.getByRole('progressbar', { name: 'Image import progress' });
  }

  /** Opens the Your images tab. */
  async open() {
    await new Tabs(this.page).open('Your images');
  }

  /** Drops one file on the drop zone, as a drag from the desktop would (enter, over, drop). */
  async drop(name: string, bytes: Uint8Array, type: string) {
    await this.open();
    const dataTransfer = await this.page.evaluateHandle(
      ({ bytes, name, type }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
        return transfer;
      },
      { bytes: Array.from(bytes), name, type },
    );
    await this.dropZone.dispatchEvent('dragenter', { dataTransfer });
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
  }
}
