import { writeFileSync } from 'node:fs';
import type { TestInfo } from '@playwright/test';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import {
  type CraftedEntry,
  craftZip,
  deflatedStream,
  deflatedZeros,
  entriesOf,
  zipClaimingEntries,
  historyJson,
  withManifest,
} from '../tests/helpers/crafted-zip';
import { encodePng, pngDeclaring, testPicture } from '../tests/helpers/png';
import { expect, expectNoPageErrors, test } from './fixtures';
import { recordCase } from './case-times';
import type { Playground } from './pages/playground';

/**
 * Files someone might share, tried as a person would in the production build: chosen with
 * "Import weights…" or "Choose images or a zip…", then Step pressed. Each ends with a message
 * and the run still steps. How long each took (from choosing the file to its message, and from
 * Step to the new step) is recorded as an annotation and printed: a record, not an assertion.
 */

const SMALL = 'hidden=64&batch=16';
const GiB = 1024 ** 3;

/** Presses Step and waits until the step count moves on by one; returns how long it took. */
async function stepTime(app: Playground): Promise<number> {
  const before = await app.status.steps();
  const t0 = Date.now();
  await app.controls.step.click();
  await expect.poll(() => app.status.steps(), { timeout: 60_000 }).toBe(before + 1);
  return Date.now() - t0;
}

/** A trained, paused run and its export's files, to craft from. */
async function exportedRun(app: Playground, testInfo: TestInfo) {
  await app.open(`?${SMALL}`);
  await app.controls.train.click();
  await app.status.waitForSteps(5);
  await app.controls.pause.click();
  await expect(app.status.runStatus).toHaveText('paused');
  await app.exports.open();
  const { bytes } = await app.exports.download(
    app.exports.exportWeights,
    testInfo.outputPath('run.zip'),
  );
  return unzipSync(new Uint8Array(bytes));
}

test.describe('shared files never stall the app', () => {
  test('crafted run zips: each refused with a message, and the run steps on', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(420_000);
    const files = await exportedRun(app, testInfo);
    const zeros = deflatedZeros(GiB);
    const history = await deflatedStream(historyJson(10_000_000));
    const { 'history.json': _h, ...noHistory } = files;
    const weights = ['encoder', 'decoder', 'discriminator'].map((n) => `${n}/weights.bin`);
    weights.push('optimizers/vae.bin');
    const withoutWeights = Object.fromEntries(
      Object.entries(files).filter(([n]) => !weights.includes(n)),
    );
    const big = (size: number): CraftedEntry[] =>
      weights.map((name) => ({ name, method: 8, data: zeros.data, size }));
    const cases: [string, string, () => Uint8Array, RegExp][] = [
      [
        'a manifest with step 1e15',
        'step-1e15.zip',
        () => withManifest(files, { step: 1e15 }),
        /step must be a whole number from 0 to 1e\+12/,
      ],
      [
        'a manifest with noiseDraws 1e308',
        'noise-1e308.zip',
        () => withManifest(files, { noiseDraws: 1e308 }),
        /noiseDraws must be a whole number/,
      ],
      [
        'a 102-byte zip whose zip64 end record claims 4,294,967,295 entries',
        'zip64-claim.zip',
        () => zipClaimingEntries(4_294_967_295),
        /The zip lists 4,294,967,295 entries; at most 256 are read/,
      ],
      [
        'a history.json of 10 million points',
        'history-10M.zip',
        () => craftZip([...entriesOf(noHistory), { name: 'history.json', method: 8, ...history }]),
        /history\.json declares 280,000,188 bytes/,
      ],
      [
        'four 1 GiB entries of zeros',
        'four-gib.zip',
        () => craftZip([...entriesOf(withoutWeights), ...big(GiB)]),
        /encoder\/weights\.bin declares 1,073,741,824 bytes/,
      ],
      [
        'entries that declare 4 GiB each',
        'declares-4gib.zip',
        () => craftZip([...entriesOf(withoutWeights), ...big(0xffffffff)]),
        /declares 4,294,967,295 bytes/,
      ],
      [
        'entries that declare their true size but inflate to 1 GiB',
        'liar.zip',
        () =>
          craftZip([
            ...entriesOf(withoutWeights),
            ...weights.map((name) => ({
              name,
              method: 8 as const,
              data: zeros.data,
              size: files[name]!.length,
            })),
          ]),
        /inflates to more than the [\d,]+ bytes its directory declares/,
      ],
    ];
    for (const [what, name, make, message] of cases) {
      const path = testInfo.outputPath(name);
      writeFileSync(path, make());
      const t0 = Date.now();
      await app.exports.chooseRunFile(path);
      const said = app.notices.notice(`Could not import "${name}"`);
      await expect(said).toBeVisible({ timeout: 60_000 });
      const messageMs = Date.now() - t0;
      await expect(said).toContainText(message);
      const stepMs = await stepTime(app);
      recordCase(testInfo, what, { messageMs, stepMs }, await app.notices.message(said));
    }
    expectNoPageErrors(page);
  });

  test('crafted image files: skipped with the reason, and the run steps on', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(300_000);
    const { userImages } = app;
    await app.open(`?${SMALL}`);
    await app.controls.step.click();
    await app.status.waitForSteps(1);
    await userImages.open();

    // A PNG of 110 kB that declares 30,000 x 30,000 pixels (3.35 GiB decoded).
    writeFileSync(testInfo.outputPath('huge.png'), pngDeclaring(30_000, 30_000));
    let t0 = Date.now();
    await userImages.files.setInputFiles(testInfo.outputPath('huge.png'));
    await expect(userImages.message).toContainText('Only 0 usable images (1 file skipped)', {
      timeout: 60_000,
    });
    let messageMs = Date.now() - t0;
    await expect(userImages.skipped).toContainText(
      'huge.png: 30,000 × 30,000 pixels (900 megapixels): more than the 50-megapixel limit',
    );
    recordCase(
      testInfo,
      'a PNG declaring 30,000 × 30,000 pixels',
      { messageMs, stepMs: await stepTime(app) },
      (await userImages.skipped.textContent()) ?? '',
    );

    // A zip of images whose directory claims 4,294,967,295 entries.
    writeFileSync(testInfo.outputPath('claims.zip'), zipClaimingEntries(4_294_967_295));
    t0 = Date.now();
    await userImages.files.setInputFiles(testInfo.outputPath('claims.zip'));
    await expect(userImages.skipped).toContainText(
      'claims.zip cannot be read: The zip lists 4,294,967,295 entries',
      { timeout: 60_000 },
    );
    messageMs = Date.now() - t0;
    recordCase(
      testInfo,
      'a zip of images claiming 4,294,967,295 entries',
      { messageMs, stepMs: await stepTime(app) },
      (await userImages.skipped.textContent()) ?? '',
    );

    // 70 small pictures and ten entries named .png that declare 1 GiB of zeros each: the ten
    // are skipped from their declared size, never inflated, and the set loads.
    const zeros = deflatedZeros(GiB);
    const pictures: Record<string, Uint8Array> = {};
    for (let i = 0; i < 70; i++)
      pictures[`pics/${i}.png`] = encodePng(12, 12, testPicture(12, 12, i));
    const bombs = Array.from({ length: 10 }, (_, i) => ({
      name: `pics/bomb-${i}.png`,
      method: 8 as const,
      ...zeros,
    }));
    writeFileSync(testInfo.outputPath('bombs.zip'), craftZip([...entriesOf(pictures), ...bombs]));
    t0 = Date.now();
    await userImages.files.setInputFiles(testInfo.outputPath('bombs.zip'));
    await expect(userImages.message).toContainText('Loaded 70 images from "bombs"', {
      timeout: 60_000,
    });
    messageMs = Date.now() - t0;
    await expect(userImages.skipped).toContainText(
      'bombs/pics/bomb-0.png: 1.1 GB is more than the 64 MB one picture may take',
    );
    await expect(app.status.runStatus).toHaveText('ready', { timeout: 60_000 });
    recordCase(
      testInfo,
      'a zip of 70 pictures and ten 1 GiB entries named .png',
      { messageMs, stepMs: await stepTime(app) },
      (await userImages.message.textContent()) ?? '',
    );
    expectNoPageErrors(page);
  });

  test('an import while training asks first and keeps the replaced run; Cancel stops an image import', async ({
    app,
    page,
  }, testInfo) => {
    test.setTimeout(300_000);
    const { controls, status, checkpoints, exports, notices, confirm, userImages } = app;
    const files = await exportedRun(app, testInfo);
    const exported = Number(JSON.parse(strFromU8(files['manifest.json']!)).step);
    await controls.train.click();
    await status.waitForSteps(exported + 10);

    // Choosing a run while training: the page asks; "Keep training" changes nothing.
    const title = 'Replace the run that is training?';
    await exports.chooseRunFile(testInfo.outputPath('run.zip'));
    await expect(confirm.dialog(title)).toBeVisible();
    await expect(confirm.dialog(title)).toContainText('kept as a checkpoint first');
    await confirm.button(title, 'Keep training').click();
    await expect(confirm.dialog(title)).toHaveCount(0);
    await expect(status.runStatus).toHaveText('training');

    // Again, and "Replace it": the training run is paused, kept, then replaced.
    let t0 = Date.now();
    await exports.chooseRunFile(testInfo.outputPath('run.zip'));
    await expect(confirm.dialog(title)).toBeVisible();
    const askedMs = Date.now() - t0;
    t0 = Date.now();
    await confirm.button(title, 'Replace it').click();
    const restored = notices.notice(`Restored "run.zip": step ${exported}`);
    await expect(restored).toBeVisible({ timeout: 60_000 });
    const restoredMs = Date.now() - t0;
    const kept = notices.notice(/^The run it replaced is kept as the checkpoint at step \d+\./);
    await expect(kept).toBeVisible();
    const keptStep = Number(/step (\d+)/.exec((await kept.textContent()) ?? '')![1]);
    expect(keptStep).toBeGreaterThanOrEqual(exported + 10);
    await checkpoints.open();
    await expect(checkpoints.atStep(keptStep)).toBeVisible();
    expect(await status.steps()).toBe(exported);
    recordCase(
      testInfo,
      'a run chosen while training: the question',
      { messageMs: askedMs },
      'Replace the run that is training?',
    );
    recordCase(
      testInfo,
      'a run chosen while training: "Replace it" to restored, replaced run kept',
      { messageMs: restoredMs, stepMs: await stepTime(app) },
      `${await notices.message(restored)} ${await notices.message(kept)}`,
    );

    // A bad file while training: asked, refused with a message, and it trains on.
    await controls.train.click();
    await expect(status.runStatus).toHaveText('training');
    await exports.open();
    await exports.chooseRunFile({
      name: 'notes.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from('not a zip at all'),
    });
    await confirm.button(title, 'Replace it').click();
    await expect(
      notices.notice('Could not import "notes.zip": This file is not a zip'),
    ).toBeVisible();
    await expect(status.runStatus).toHaveText('training');
    await controls.pause.click();
    await expect(status.runStatus).toHaveText('paused');

    // Cancel: a set of 10,000 pictures is being decoded; Cancel ends it and nothing changes.
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10_000; i++) {
      many[`set/${i}.png`] = encodePng(48, 48, testPicture(48, 48, i));
    }
    writeFileSync(testInfo.outputPath('many.zip'), zipSync(many, { level: 0 }));
    await userImages.open();
    await userImages.files.setInputFiles(testInfo.outputPath('many.zip'));
    await expect(userImages.cancel).toBeVisible();
    t0 = Date.now();
    await userImages.cancel.click();
    await expect(userImages.message).toHaveText('Import cancelled: nothing changed.');
    const messageMs = Date.now() - t0;
    await expect(userImages.progress).toHaveCount(0);
    await app.runSettings.open();
    await expect(app.runSettings.dataset).toHaveValue('mnist');
    recordCase(
      testInfo,
      'Cancel during an import of 10,000 pictures',
      { messageMs, stepMs: await stepTime(app) },
      'Import cancelled: nothing changed.',
    );
    expectNoPageErrors(page);
  });
});
