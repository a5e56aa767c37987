import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { encodePng, testPicture } from '../tests/helpers/png';
import { expect, expectNoPageErrors, test } from './fixtures';
import { Playground } from './pages/playground';

/** PNGs of two classes (different sizes, so centring and resizing run), as path -> bytes. */
function pictures(perClass: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < perClass; i++) {
    files[`circles/${i}.png`] = encodePng(24, 18, testPicture(24, 18, i));
    files[`squares/${i}.png`] = encodePng(40, 40, testPicture(40, 40, 50 + i));
  }
  return files;
}

/** A valid PNG cut short: its signature says PNG, its data is incomplete. */
const brokenPng = () => encodePng(16, 16, testPicture(16, 16, 3)).slice(0, 45);

test.describe('your own images', () => {
  test('a folder with a broken PNG and a text file trains; both files are listed as skipped', async ({
    page,
  }, testInfo) => {
    const root = testInfo.outputPath('shapes');
    for (const [path, bytes] of Object.entries({
      ...pictures(40),
      'circles/broken.png': brokenPng(),
      'notes.txt': new TextEncoder().encode('not an image'),
    })) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    const app = new Playground(page);
    await app.open();
    const reconBefore = await app.canvasStats('Reconstructions');

    await page.getByLabel('Folder of images').setInputFiles(root);
    const message = page.getByTestId('user-images-message');
    await expect(message).toContainText('Loaded 80 images from "shapes" in', { timeout: 60_000 });
    await expect(message).toContainText('2 classes from the sub-folders');
    await expect(message).toContainText('2 files were skipped');
    const skipped = page.getByRole('list', { name: 'Skipped files' });
    await expect(skipped).toContainText('shapes/circles/broken.png: broken PNG');
    await expect(skipped).toContainText('shapes/notes.txt: not a PNG or JPEG image');

    // The model is rebuilt on the user's set: the form and the URL name it.
    await expect(page.getByLabel('Data set')).toHaveValue('user');
    await expect(app.runStatus).toHaveText('ready');
    await expect.poll(() => new URL(page.url()).searchParams.get('dataset')).toBe('user');
    const reconReady = await app.canvasStats('Reconstructions');
    expect(reconReady.checksum).not.toBe(reconBefore.checksum);

    await app.train.click();
    await app.waitForSteps(10);
    await expect
      .poll(async () => (await app.canvasStats('Reconstructions')).checksum)
      .not.toBe(reconReady.checksum);
    const recon = await app.canvasStats('Reconstructions');
    expect(recon.variance).toBeGreaterThan(0);
    // 8 columns of 28-pixel cells: the grey size.
    expect(recon.width).toBe(8 * 28 + 7 + 3 * 3);
    await app.pause.click();

    // The latent explorer scatters the test images with the sub-folders as classes.
    const legend = page.getByRole('list', { name: 'Classes' });
    await expect(legend).toContainText('circles');
    await expect(legend).toContainText('squares');
    expectNoPageErrors(page);
  });

  test('a zip in colour trains at 32 x 32 and paints colour', async ({ page }) => {
    const app = new Playground(page);
    await app.open();
    await page.getByLabel('Keep colour (32×32)').check();
    const zip = zipSync(pictures(36));
    await page.getByLabel('Image files or a zip').setInputFiles({
      name: 'pets.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zip),
    });
    const message = page.getByTestId('user-images-message');
    await expect(message).toContainText('Loaded 72 images from "pets" in', { timeout: 60_000 });
    await expect(message).toContainText('32×32 colour');
    await expect(app.runStatus).toHaveText('ready');
    await app.step.click();
    await app.waitForSteps(1);
    const recon = await app.canvasStats('Reconstructions');
    expect(recon.width).toBe(8 * 32 + 7 + 3 * 3);
    // Some test input pixel has unequal red and green: the colour reached the canvas.
    const coloured = await app.canvas('Reconstructions').evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, 32, 32).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1]) n += 1;
      return n;
    });
    expect(coloured).toBeGreaterThan(0);
    expectNoPageErrors(page);
  });

  test('a zip dropped on the drop zone is read as images, not as a run to import', async ({
    page,
  }) => {
    const app = new Playground(page);
    await app.open();
    const zip = zipSync(pictures(32));
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const transfer = new DataTransfer();
      const file = new File([new Uint8Array(bytes)], 'dropped.zip', { type: 'application/zip' });
      transfer.items.add(file);
      return transfer;
    }, Array.from(zip));
    const zone = page.getByRole('region', { name: 'Drop zone for your images' });
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
    await expect(page.getByTestId('user-images-message')).toContainText(
      'Loaded 64 images from "dropped" in',
      { timeout: 60_000 },
    );
    await expect(page.getByLabel('Data set')).toHaveValue('user');
    await expect(app.runStatus).toHaveText('ready');
    // The page-wide drop of run zips did not also take it.
    await expect(page.getByRole('alert')).toHaveCount(0);
    expectNoPageErrors(page);
  });

  test('ten images are refused with a message, and MNIST keeps running', async ({ page }) => {
    const app = new Playground(page);
    await app.open();
    const files = Array.from({ length: 10 }, (_, i) => ({
      name: `digit-${i}.png`,
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(28, 28, testPicture(28, 28, i))),
    }));
    await page.getByLabel('Image files or a zip').setInputFiles(files);
    await expect(page.getByTestId('user-images-message')).toHaveText(
      'Only 10 usable images: a data set needs at least 64. Add more PNG or JPEG images and try again.',
    );
    await expect(page.getByLabel('Data set')).toHaveValue('mnist');
    await expect(page.getByRole('option', { name: 'Your images (none loaded)' })).toBeDisabled();
    await expect(app.runStatus).toHaveText('ready');
    expectNoPageErrors(page);
  });

  test('a link with dataset=user says the images cannot come from a URL', async ({ page }) => {
    const app = new Playground(page);
    await app.open('?dataset=user');
    await expect(page.getByText(/dataset=user names images from your own computer/)).toBeVisible();
    await expect(page.getByLabel('Data set')).toHaveValue('mnist');
  });
});
