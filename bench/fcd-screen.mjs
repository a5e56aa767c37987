// A quick screen of settings for the FCD at equal training time: each run opens the production
// app at a link (the URL holds every setting), trains until a budget of --minutes minutes of
// training stops it, exports the run, and bench/iwae.ts measures the FCD of 1,000 prior samples
// against the first 1,000 test images (and a rough IWAE on 100 images). Prints one line a run;
// runs, zips and sample PNGs go to --out.
// Usage: npm run build && node bench/fcd-screen.mjs --minutes 3 --out /tmp/fcd-screen \
//          name='dataset=mnist&gamma=0.5&lrD=0.0005&lrG=0.0005' name2='gamma=0&watch=0' ...
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { lastJson, launchChromium, saveDownloads, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const minutes = Number(option('minutes', '3'));
const out = path.resolve(option('out', '/tmp/fcd-screen'));
const runs = args
  .filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))
  .map((a) => ({ name: a.slice(0, a.indexOf('=')), query: a.slice(a.indexOf('=') + 1) }));
if (runs.length === 0 || runs.some((r) => !/^[\w-]+$/.test(r.name)))
  throw new Error("give runs as name='url query', e.g. sharp='gamma=0.5&lrD=0.0005'");
await mkdir(out, { recursive: true });

const { base, stop } = await startPreview(Number(process.env.BENCH_PORT ?? 4331));
const browser = await launchChromium();
const steps = {};
for (const { name, query } of runs) {
  const page = await browser.newPage();
  await page.goto(`${base}?${query}&budgetUnit=minutes&budget=${minutes}`);
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().step > 10, null, {
    timeout: 60_000,
  });
  await page.waitForFunction(
    () => Boolean(window.vaeganPlayground.getState().budgetState?.stopped),
    null,
    { timeout: (minutes + 10) * 60_000, polling: 1000 },
  );
  steps[name] = await page.evaluate(() => window.vaeganPlayground.getState().step);
  await saveDownloads(page, [
    ['Export weights (.zip)', path.join(out, `${name}.zip`)],
    ['Prior samples (PNG)', path.join(out, `${name}.png`)],
  ]);
  await page.close();
}
await browser.close();
stop();
for (const { name, query } of runs) {
  const m = await lastJson(process.execPath, [
    'scripts/run-ts.mjs',
    'bench/iwae.ts',
    path.join(out, `${name}.zip`),
    '--k',
    '10',
    '--images',
    '100',
    '--samples',
    '1000',
    '--state',
    path.join(out, `${name}.state.json`),
  ]);
  console.log(
    `${name}: ${steps[name]} steps in ${minutes} min, FCD ${m.fcd.toFixed(2)}, ${m.classes} of 10 classes, ` +
      `NLL ~${m.nll.toFixed(1)} (k = 10, 100 images); ${query}`,
  );
}
