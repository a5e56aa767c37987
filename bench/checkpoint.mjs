// Checkpoint cost of the production app in headless Debian Chromium: size and save time of a
// checkpoint of the default model (784-512-16, batch 64) while it trains, the training speed,
// and so the most steps a reload can lose under the default policy (every 30 s).
// Usage: npm run build && node bench/checkpoint.mjs [--saves 5] [--backend auto] [--port 4379]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const saves = Number(option('saves', '5'));
const backend = option('backend', 'auto');
const port = Number(option('port', '4379'));
const everySeconds = 30; // the default policy (src/features/checkpoints/client/autosave.ts)
const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const chromiumVersion = browser.version();
const page = await browser.newPage();
await page.goto(`${base}?backend=${backend}`);
const train = page.getByRole('button', { name: 'Train', exact: true });
await train.waitFor();
await page.waitForFunction(
  () =>
    [...document.querySelectorAll('button')].some((b) => b.textContent === 'Train' && !b.disabled),
  null,
  { timeout: 120_000 },
);
// Timed saves only from this bench: no automatic ones in between.
await page.getByRole('checkbox', { name: /Save while training/ }).uncheck();
const backendName = await page.getByTestId('backend-name').textContent();
await train.click();
await page.waitForTimeout(5000);

const state = () =>
  page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    return { step: s.step, time: performance.now() };
  });
const results = [];
const start = await state();
for (let i = 0; i < saves; i++) {
  const before = await page
    .getByTestId('last-checkpoint')
    .textContent()
    .catch(() => '');
  await page.getByRole('button', { name: 'Save checkpoint now' }).click();
  await page.waitForFunction(
    (old) => {
      const t = document.querySelector('[data-testid="last-checkpoint"]')?.textContent ?? '';
      return t !== '' && t !== old;
    },
    before,
    { timeout: 60_000 },
  );
  const text = await page.getByTestId('last-checkpoint').textContent();
  const m = /step (\d+), ([\d.]+) MB, saved in (\d+) ms \(encoding (\d+) ms\)/.exec(text ?? '');
  if (!m) throw new Error(`unexpected text: ${text}`);
  results.push({ step: +m[1], mb: +m[2], totalMs: +m[3], encodeMs: +m[4] });
  await page.waitForTimeout(3000);
}
const end = await state();
await page.getByRole('button', { name: 'Pause' }).click();
await browser.close();
stop();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stepsPerSec = (end.step - start.step) / ((end.time - start.time) / 1000);
const saveS = median(results.map((r) => r.totalMs)) / 1000;
const lostAtMost = Math.ceil((everySeconds + saveS) * stepsPerSec);
const lines = [
  '# Checkpoint cost',
  '',
  `Measured ${new Date().toISOString()} by \`node bench/checkpoint.mjs\`: headless Chromium ` +
    `${chromiumVersion}, backend ${backendName}, ${os.cpus().length} cores, load average ` +
    `${os.loadavg()[0].toFixed(1)}. Default model 784-512-16, shared, batch 64, saving while training.`,
  '',
  '| save | step | size (MB) | encode in worker (ms) | whole save (ms) |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r, i) => `| ${i + 1} | ${r.step} | ${r.mb} | ${r.encodeMs} | ${r.totalMs} |`),
  '',
  `Training speed meanwhile: ${stepsPerSec.toFixed(2)} steps/s. With a checkpoint every ` +
    `${everySeconds} s, a reload loses at most (${everySeconds} s + one save of ` +
    `${saveS.toFixed(2)} s) x ${stepsPerSec.toFixed(2)} steps/s = ${lostAtMost} steps.`,
  '',
];
await writeFile('bench/checkpoint-results.md', lines.join('\n'));
console.log(lines.join('\n'));
process.exit(0);
