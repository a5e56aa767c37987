// A long run comes back: trains the default model in headless Chromium on the production build
// for --minutes (default 10), exports it with "Export weights (.zip)" (a real download), opens a
// fresh page, imports the zip through the file input, checks the step and Adam's counters, and
// trains on. Writes bench/long-roundtrip.md.
//
// Usage: npm run build && npm run bench:roundtrip [-- --minutes 10 --on 30]
import { strFromU8, unzipSync } from 'fflate';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const minutes = Number(option('minutes', '10'));
const onSeconds = Number(option('on', '30'));
const out = option('out', 'bench/long-roundtrip.md');

const { base, stop } = await startPreview(4183);
const browser = await launchChromium();
const context = await browser.newContext({ acceptDownloads: true });
const errors = [];
const state = (page) =>
  page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    return { step: s.step, status: s.status, backend: s.backend?.name ?? '?' };
  });
const waitFor = async (page, test, what, timeout = 180_000) => {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (test(s)) return s;
    if (Date.now() - t0 > timeout)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};
const open = async () => {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
  await waitFor(page, (s) => s.status === 'ready', 'the model');
  return page;
};

const page = await open();
const started = new Date();
await page.getByRole('button', { name: 'Train', exact: true }).click();
const trainStart = Date.now();
while (Date.now() - trainStart < minutes * 60_000) {
  await new Promise((r) => setTimeout(r, 10_000));
  const s = await state(page);
  if (s.status !== 'training') throw new Error(`training stopped: ${JSON.stringify(s)}`);
  process.stdout.write(
    `\r${((Date.now() - trainStart) / 60_000).toFixed(1)} min, step ${s.step}   `,
  );
}
await page.getByRole('button', { name: 'Pause' }).click();
const trained = await waitFor(page, (s) => s.status === 'paused', 'the pause');
const trainedFor = (Date.now() - trainStart) / 1000;
console.log(`\ntrained ${trained.step} steps in ${trainedFor.toFixed(0)} s on ${trained.backend}`);

const [download] = await Promise.all([
  page.waitForEvent('download'),
  page.getByRole('button', { name: 'Export weights (.zip)' }).click(),
]);
const zipPath = path.join(os.tmpdir(), `long-run-${process.pid}.zip`);
await download.saveAs(zipPath);
const zip = new Uint8Array(await readFile(zipPath));
const manifest = JSON.parse(strFromU8(unzipSync(zip)['manifest.json']));
await page.close();

const fresh = await open();
const importStart = Date.now();
await fresh.getByTestId('import-file').setInputFiles(zipPath);
const imported = await waitFor(
  fresh,
  (s) => s.step === manifest.step && s.status === 'paused',
  'the import',
  60_000,
);
const importSeconds = (Date.now() - importStart) / 1000;
await fresh.getByRole('button', { name: 'Train', exact: true }).click();
await new Promise((r) => setTimeout(r, onSeconds * 1000));
await fresh.getByRole('button', { name: 'Pause' }).click();
const after = await waitFor(fresh, (s) => s.status === 'paused', 'the pause');
const last = await fresh.evaluate(() => {
  const { series } = window.vaeganPlayground.getState();
  const at = series.steps.length - 1;
  return {
    step: series.steps[at],
    reconstruction: series.columns.reconstruction[at],
    kl: series.columns.kl[at],
  };
});
await browser.close();
stop();

const opt = (name) => {
  const o = manifest.optimizers[name];
  return `${name}: ${o.iterations} updates, accBeta1 ${o.accBeta1}, accBeta2 ${o.accBeta2}`;
};
const lines = [
  '# A long run comes back',
  '',
  `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run build && npm run bench:roundtrip -- --minutes ${minutes} --on ${onSeconds}\`,`,
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, headless Chromium ${browser.version()}, the app's default model and backend (${trained.backend}).`,
  '',
  `- Trained ${trained.step.toLocaleString('en-US')} steps in ${trainedFor.toFixed(0)} s, paused, exported with "Export weights (.zip)" (${(zip.byteLength / 1e6).toFixed(1)} MB).`,
  `- The manifest's optimisers: ${['vae', 'discriminator', 'generator'].map(opt).join('; ')}.`,
  `- A fresh page imported the zip in ${importSeconds.toFixed(1)} s: step ${imported.step.toLocaleString('en-US')}, paused.`,
  `- Trained on for ${onSeconds} s: step ${after.step.toLocaleString('en-US')} (${(after.step - imported.step).toLocaleString('en-US')} more); the last curve point (step ${last.step}) has L_rec ${last.reconstruction?.toFixed(2)} and KL ${last.kl?.toFixed(2)} nats.`,
  `- Page errors: ${errors.length === 0 ? 'none' : errors.join('; ')}.`,
  '',
];
await writeFile(out, lines.join('\n'));
console.log(lines.join('\n'));
if (errors.length > 0 || after.step <= imported.step) process.exit(1);
