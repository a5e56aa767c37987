// Training throughput of the production app, per backend, in headless Debian Chromium.
// Drives the built app like a person (Train button), reads the step count over a timed window
// after a warm-up, and writes bench/results.md. Usage: npm run bench [-- --rec-steps 1000]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = option('backends', 'wasm,webgl,cpu,webgpu').split(',');
const batchSizes = option('batch', '64').split(',').map(Number);
const warmupMs = Number(option('warmup', '8000'));
const windowMs = Number(option('window', '20000'));
const recSteps = Number(option('rec-steps', '1000'));
const port = 4179;
const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const chromiumVersion = browser.version();

const state = (page) =>
  page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    return {
      step: s.step,
      backend: s.backend && `${s.backend.name} (${s.backend.detail})`,
      status: s.status,
      rec: s.series.columns.reconstruction.at(-1),
      kl: s.series.columns.kl.at(-1),
      seriesSteps: s.series.steps.at(-1),
    };
  });

async function openReady(backend, batch) {
  const page = await browser.newPage();
  await page.goto(`${base}?backend=${backend}`);
  const train = page.getByRole('button', { name: 'Train' });
  await train.waitFor();
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 120_000,
  });
  if (batch !== 64) {
    await page.getByRole('spinbutton', { name: 'Batch size' }).fill(String(batch));
    await page.getByRole('button', { name: 'Apply settings' }).click();
    await page.waitForFunction(
      (b) => window.vaeganPlayground.getState().running?.batchSize === b,
      batch,
    );
    await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'ready');
  }
  return page;
}

const rows = [];
for (const batch of batchSizes) {
  for (const backend of backends) {
    const page = await openReady(backend, batch);
    await page.getByRole('button', { name: 'Train' }).click();
    await page.waitForTimeout(warmupMs);
    // Software GPUs take seconds per step: make sure a few steps are done before timing.
    await page.waitForFunction(() => window.vaeganPlayground.getState().step >= 3, null, {
      timeout: 180_000,
    });
    const a = await state(page);
    const t0 = Date.now();
    await page.waitForTimeout(windowMs);
    const b = await state(page);
    const seconds = (Date.now() - t0) / 1000;
    const stepsPerSec = (b.step - a.step) / seconds;
    rows.push({
      backend: b.backend,
      batch,
      stepsPerSec,
      imagesPerSec: stepsPerSec * batch,
      steps: b.step - a.step,
      seconds,
    });
    console.log(
      `${b.backend} batch ${batch}: ${stepsPerSec.toFixed(2)} steps/s, ${(stepsPerSec * batch).toFixed(0)} images/s`,
    );
    await page.close();
  }
}

// Reconstruction loss of the default model after `recSteps` steps, on the fastest backend.
let recLine = '';
if (recSteps > 0) {
  const fastest = rows
    .filter((r) => r.batch === 64)
    .sort((x, y) => y.imagesPerSec - x.imagesPerSec)[0];
  const name = fastest.backend.split(' ')[0];
  const page = await openReady(name, 64);
  await page.getByRole('button', { name: 'Train' }).click();
  const t0 = Date.now();
  await page.waitForFunction((n) => window.vaeganPlayground.getState().step >= n, recSteps, {
    timeout: 30 * 60_000,
    polling: 250,
  });
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'paused');
  const s = await state(page);
  recLine =
    `Default model (shared, MLP 784-512-16, batch 64, seed 1, beta 1, gamma 0.1) on ${s.backend}: ` +
    `after ${s.seriesSteps} steps (${((Date.now() - t0) / 1000).toFixed(0)} s) the reconstruction loss ` +
    `(mean of the last reported window) is ${s.rec.toFixed(1)} nats per image and the KL ${s.kl.toFixed(1)} nats.`;
  console.log(recLine);
  await page.close();
}
await browser.close();
stop();

const table = [
  '| backend | batch | steps/s | images/s |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.backend} | ${r.batch} | ${r.stepsPerSec.toFixed(2)} | ${r.imagesPerSec.toFixed(0)} |`,
  ),
].join('\n');
const report = `# Training throughput

Measured by \`npm run bench\` (bench/throughput.mjs) on ${new Date().toISOString().slice(0, 10)}:
${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), no GPU, headless Chromium ${chromiumVersion}.
The production build trains the default model (MLP 784-512-16, shared variant) in its worker;
each figure counts the steps the app reported over ${windowMs / 1000} s after a ${warmupMs / 1000} s warm-up.
WebGPU and WebGL run on SwiftShader (software) here.

${table}

${recLine}
`;
await writeFile('bench/results.md', report);
console.log('\nwrote bench/results.md');
process.exit(0);
