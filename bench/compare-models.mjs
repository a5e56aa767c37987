// Pixel vs feature reconstruction, MLP vs conv: the production app trains each model on MNIST
// for the same number of steps in headless Debian Chromium (all on wasm: the app adds the conv
// kernels tfjs-backend-wasm lacks), then reads the curves the page reports: L_rec in pixel nats
// (also for feature runs), KL, L_D, L_G and the Dis_l distance, averaged over the last
// `--window` steps; then presses the quality panel's "Measure now" on the final weights: test
// ELBO and IWAE (k importance samples on the first --images test images, binarised), FCD and the
// classes among --samples prior samples. Writes bench/model-comparison.md and one PNG of prior
// samples per model.
// Usage: npm run build && node bench/compare-models.mjs [-- --steps 300 --window 50 --k 100
//        --images 500 --samples 1000 --only conv-pixel,conv-feature]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const steps = Number(option('steps', '300'));
const tail = Number(option('window', '50'));
const batch = Number(option('batch', '64'));
const only = option('only', '');
const quality = {
  k: option('k', '100'),
  images: option('images', '500'),
  samples: option('samples', '1000'),
};
const RUNS = [
  { arch: 'mlp', rec: 'pixel', backend: 'wasm' },
  { arch: 'mlp', rec: 'feature', backend: 'wasm' },
  { arch: 'conv', rec: 'pixel', backend: 'wasm' },
  { arch: 'conv', rec: 'feature', backend: 'wasm' },
].filter((r) => !only || only.split(',').includes(`${r.arch}-${r.rec}`));
const port = Number(process.env.BENCH_PORT ?? 4181);
const { base, stop } = await startPreview(port);
const browser = await launchChromium();

async function run({ arch, rec, backend }) {
  const page = await browser.newPage();
  const query = `?dataset=mnist&arch=${arch}&rec=${rec}&backend=${backend}&batch=${batch}&seed=1`;
  await page.goto(`${base}${query}`);
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 120_000,
  });
  // Quality measures once, on the final weights: no automatic ones while training.
  await page.getByRole('checkbox', { name: /Measure every/ }).uncheck();
  await page.locator('#quality-k').selectOption(quality.k);
  await page.locator('#quality-images').fill(quality.images);
  await page.locator('#quality-samples').fill(quality.samples);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction((n) => window.vaeganPlayground.getState().step >= n, steps, {
    timeout: 0,
    polling: 100,
  });
  await page.getByRole('button', { name: 'Pause' }).click();
  const seconds = (Date.now() - t0) / 1000;
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'paused');
  const result = await page.evaluate(
    ({ upTo, tail }) => {
      const s = window.vaeganPlayground.getState();
      const { steps: at, columns } = s.series;
      // Curve points each average the steps since the previous one: weight them by those steps.
      const keys = ['reconstruction', 'kl', 'discriminator', 'generator', 'featureRec'];
      const sums = Object.fromEntries(keys.map((k) => [k, 0]));
      let counted = 0;
      for (let i = 0; i < at.length; i++) {
        const prev = i > 0 ? at[i - 1] : 0;
        const from = Math.max(prev, upTo - tail);
        const to = Math.min(at[i], upTo);
        if (to <= from) continue;
        for (const k of keys) sums[k] += columns[k][i] * (to - from);
        counted += to - from;
      }
      return {
        backend: `${s.backend.name} (${s.backend.detail})`,
        step: s.step,
        counted,
        means: Object.fromEntries(keys.map((k) => [k, sums[k] / counted])),
      };
    },
    { upTo: steps, tail },
  );
  const images = await page.getByRole('img', { name: 'Prior samples', exact: true }).screenshot();
  // Measure the weights of the pause (the page holds their copy once the trainer sends it).
  const paused = await page.evaluate(() => window.vaeganPlayground.getState().step);
  await page.getByRole('button', { name: 'Measure now' }).click();
  await page.waitForFunction(
    (n) => window.vaeganPlayground.quality().runs.main.latest?.step === n,
    paused,
    { timeout: 0, polling: 500 },
  );
  const measured = await page.evaluate(() => {
    const q = window.vaeganPlayground.quality().runs.main.latest;
    return {
      step: q.step,
      k: q.k,
      images: q.images,
      samples: q.samples,
      elbo: q.elbo,
      iwae: q.iwae,
      fcd: q.fcd,
      classesPresent: q.classesPresent,
      histogram: q.histogram,
      ms: q.ms,
    };
  });
  await page.close();
  console.log(
    `${arch} ${rec}: ${JSON.stringify(result.means)} ${JSON.stringify(measured)} (${seconds.toFixed(0)} s)`,
  );
  return { arch, rec, seconds, images, quality: measured, ...result };
}

const results = [];
for (const r of RUNS) results.push(await run(r));
await browser.close();
stop();

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const lines = [
  '# Pixel vs feature reconstruction, MLP vs conv (MNIST)',
  '',
  `Written by \`node bench/compare-models.mjs --steps ${steps} --window ${tail}${only ? ` --only ${only}` : ''}\` on ${new Date().toISOString().slice(0, 10)},`,
  `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), headless Chromium. Each model: seed 1, batch ${batch},`,
  'default loss weights (β = 1, γ = 0.1, non-saturating), the `shared` variant, MNIST training split.',
  `Values are means over steps ${steps - tail + 1}–${steps} of the curves the app reports (nats per image;`,
  'L_rec is the pixel Bernoulli NLL also for feature runs, which train on the Dis_l distance instead).',
  `Quality (the app's quality panel, "Measure now" on the weights of the pause, a step or two after ${steps}): test ELBO and`,
  `IWAE with k = ${quality.k} on the first ${quality.images} test images, dynamically binarised (nats, higher is`,
  `better); FCD between ${quality.samples} prior samples and as many test images in the shipped classifier's`,
  'feature space (lower is better); classes: how many of the 10 the classifier finds among the samples.',
  '',
  '| architecture | L_rec trained on | backend | steps | L_rec (pixel nats) | KL | L_D | L_G | Dis_l distance | wall time |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.arch} | ${r.rec} | ${r.backend} | ${steps} | ${fmt(r.means.reconstruction)} | ${fmt(r.means.kl)} | ${fmt(r.means.discriminator)} | ${fmt(r.means.generator)} | ${fmt(r.means.featureRec)} | ${r.seconds.toFixed(0)} s |`,
  ),
  '',
  '| architecture | L_rec trained on | at step | test ELBO | IWAE (k) | FCD | classes | class histogram of the samples | measured in |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.arch} | ${r.rec} | ${r.quality.step} | ${fmt(r.quality.elbo)} | ${fmt(r.quality.iwae)} (${r.quality.k}) | ${r.quality.fcd === null ? '–' : fmt(r.quality.fcd)} | ${r.quality.classesPresent ?? '–'} | ${r.quality.histogram?.join(' ') ?? '–'} | ${(r.quality.ms / 1000).toFixed(0)} s |`,
  ),
  '',
  'Wall times include the time to reach the step count on that backend and are only comparable',
  'on a quiet machine; the losses do not depend on speed (same seed, same steps).',
  '',
];
await writeFile('bench/model-comparison.md', lines.join('\n'));
for (const r of results) await writeFile(`bench/model-comparison-${r.arch}-${r.rec}.png`, r.images);
console.log('wrote bench/model-comparison.md');
