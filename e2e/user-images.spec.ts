import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { encodePng, testPicture } from '../tests/helpers/png';
import { expect, expectNoPageErrors, test } from './fixtures';

/** PNGs of two classes (different sizes, so centring and resizing run), as path -> bytes. */
function shapeFiles(perClass: number): Record<string, Uint8Array> {
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
    app,
    page,
  }, testInfo) => {
    const root = testInfo.outputPath('shapes');
    for (const [path, bytes] of Object.entries({
      ...shapeFiles(40),
      'circles/broken.png': brokenPng(),
      'notes.txt': new TextEncoder().encode('not an image'),
    })) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), bytes);
    }
    const { controls, status, userImages } = app;
    await app.open();
    const reconBefore = await app.pictures.stats('Reconstructions');

    await userImages.open();
    await userImages.folder.setInputFiles(root);
    await expect(userImages.message).toContainText('Loaded 80 images from "shapes" in', {
      timeout: 60_000,
    });
    await expect(userImages.message).toContainText('2 classes from the sub-folders');
    await expect(userImages.message).toContainText('2 files were skipped');
    await expect(userImages.skipped).toContainText('shapes/circles/broken.png: broken PNG');
    await expect(userImages.skipped).toContainText('shapes/notes.txt: not a PNG or JPEG image');

    // The model is rebuilt on the user's set: the form and the URL name it.
    await app.runSettings.open();
    await expect(app.runSettings.dataset).toHaveValue('user');
    await expect(status.runStatus).toHaveText('ready');
    await expect.poll(() => app.urlParam('dataset')).toBe('user');
    await app.pictures.open();
    const reconReady = await app.pictures.stats('Reconstructions');
    expect(reconReady.checksum).not.toBe(reconBefore.checksum);

    await controls.train.click();
    await status.waitForSteps(10);
    await expect
      .poll(async () => (await app.pictures.stats('Reconstructions')).checksum)
      .not.toBe(reconReady.checksum);
    const recon = await app.pictures.stats('Reconstructions');
    expect(recon.variance).toBeGreaterThan(0);
    // 8 columns of 28-pixel cells: the grey size.
    expect(recon.width).toBe(8 * 28 + 7 + 3 * 3);
    await controls.pause.click();

    // The latent explorer scatters the test images with the sub-folders as classes.
    await app.explorer.open();
    await expect(app.explorer.classes).toContainText('circles');
    await expect(app.explorer.classes).toContainText('squares');
    expectNoPageErrors(page);
  });

  test('a zip in colour trains at 32 x 32 and paints colour', async ({ app, page }) => {
    const { controls, status, userImages, pictures } = app;
    await app.open();
    await userImages.open();
    await userImages.keepColour.check();
    const zip = zipSync(shapeFiles(36));
    await userImages.files.setInputFiles({
      name: 'pets.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zip),
    });
    await expect(userImages.message).toContainText('Loaded 72 images from "pets" in', {
      timeout: 60_000,
    });
    await expect(userImages.message).toContainText('32×32 colour');
    await expect(status.runStatus).toHaveText('ready');
    await controls.step.click();
    await status.waitForSteps(1);
    await pictures.open();
    const recon = await pictures.stats('Reconstructions');
    expect(recon.width).toBe(8 * 32 + 7 + 3 * 3);
    // Some test input pixel has unequal red and green: the colour reached the canvas.
    expect(await pictures.colouredPixels('Reconstructions', 32)).toBeGreaterThan(0);
    expectNoPageErrors(page);
  });

  test('a zip dropped on the drop zone is read as images, not as a run to import', async ({
    app,
    page,
  }) => {
    const { userImages } = app;
    await app.open();
    await userImages.open();
    await userImages.drop('dropped.zip', zipSync(shapeFiles(32)), 'application/zip');
    await expect(userImages.message).toContainText('Loaded 64 images from "dropped" in', {
      timeout: 60_000,
    });
    await app.runSettings.open();
    await expect(app.runSettings.dataset).toHaveValue('user');
    await expect(app.status.runStatus).toHaveText('ready');
    // The quality panel says plainly why it has nothing to measure: no classifier for these.
    await app.quality.open();
    await expect(app.quality.unavailable).toContainText('no classifier for your own images');
    await expect(app.quality.measureNow).toBeDisabled();
    // The page-wide drop of run zips did not also take it.
    await expect(app.alerts).toHaveCount(0);
    expectNoPageErrors(page);
  });

  test('ten images are refused with a message, and MNIST keeps running', async ({ app, page }) => {
    const { userImages, runSettings } = app;
    await app.open();
    const files = Array.from({ length: 10 }, (_, i) => ({
      name: `digit-${i}.png`,
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(28, 28, testPicture(28, 28, i))),
    }));
    await userImages.open();
    await userImages.files.setInputFiles(files);
    await expect(userImages.message).toHaveText(
      'Only 10 usable images: a data set needs at least 64. Add more PNG or JPEG images and try again.',
    );
    await runSettings.open();
    await expect(runSettings.dataset).toHaveValue('mnist');
    await expect(runSettings.datasetOption('Your images (none loaded)')).toBeDisabled();
    await expect(app.status.runStatus).toHaveText('ready');
    expectNoPageErrors(page);
  });

  test('a link with dataset=user says the images cannot come from a URL', async ({ app }) => {
    await app.open('?dataset=user');
    await expect(app.text(/dataset=user names images from your own computer/)).toBeVisible();
    await app.runSettings.open();
    await expect(app.runSettings.dataset).toHaveValue('mnist');
  });
});
