// Pixel vs feature reconstruction, MLP vs conv: the production app trains each model on MNIST
// for the same number of steps in headless Debian Chromium (MLP on wasm, conv on WebGL, since
// wasm has no conv weight gradient), then reads the curves the page reports: L_rec in pixel nats
// (also for feature runs), KL, L_D, L_G and the Dis_l distance, averaged over the last
// `--window` steps. Writes bench/model-comparison.md.
// Usage: npm run build && node bench/compare-models.mjs [-- --steps 300 --window 50]
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
const RUNS = [
  { arch: 'mlp', rec: 'pixel', backend: 'wasm' },
  { arch: 'mlp', rec: 'feature', backend: 'wasm' },
  { arch: 'conv', rec: 'pixel', backend: 'webgl' },
  { arch: 'conv', rec: 'feature', backend: 'webgl' },
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
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Train' }).click();
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
  const images = await page.getByRole('img', { name: 'Prior samples' }).screenshot();
  await page.close();
  console.log(`${arch} ${rec}: ${JSON.stringify(result.means)} (${seconds.toFixed(0)} s)`);
  return { arch, rec, seconds, images, ...result };
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
  '',
  '| architecture | L_rec trained on | backend | steps | L_rec (pixel nats) | KL | L_D | L_G | Dis_l distance | wall time |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.arch} | ${r.rec} | ${r.backend} | ${steps} | ${fmt(r.means.reconstruction)} | ${fmt(r.means.kl)} | ${fmt(r.means.discriminator)} | ${fmt(r.means.generator)} | ${fmt(r.means.featureRec)} | ${r.seconds.toFixed(0)} s |`,
  ),
  '',
  'Wall times include the time to reach the step count on that backend and are only comparable',
  'on a quiet machine; the losses do not depend on speed (same seed, same steps).',
  '',
];
await writeFile('bench/model-comparison.md', lines.join('\n'));
for (const r of results) await writeFile(`bench/model-comparison-${r.arch}-${r.rec}.png`, r.images);
console.log('wrote bench/model-comparison.md');
