// The likelihood target, measured end to end: the production app trains a preset in headless
// Debian Chromium through its UI (the preset's button, Train; the preset's budget of 30 minutes
// of training stops it), exports the run with "Export weights (.zip)" and saves its prior
// samples as PNG; then bench/iwae.ts measures the export in Node: NLL = -IWAE with k = 5,000 on
// all 10,000 MNIST test images (dynamically binarised), the ELBO, and the FCD. With --vae the
// same preset trains again with gamma = 0 ("Plain VAE") for the same time, for the FCD
// comparison. Writes the 30-minute section of bench/quality.md.
// Usage: npm run build && node bench/nll30.mjs [--minutes 30 --preset "Best likelihood (30 min)"
//        --vae --k 5000 --images 10000 --workers 2 --samples 1000 --out bench/nll30
//        --skip-train (measure the exports already in --out)]
// The IWAE keeps its progress in --out: run the same command again to resume it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startPreview, watchForeignLoad } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const flag = (name) => args.includes(`--${name}`);
const minutes = Number(option('minutes', '30'));
const presetName = option('preset', 'Best likelihood (30 min)');
const out = path.resolve(option('out', 'bench/nll30'));
const k = option('k', '5000');
const images = option('images', '10000');
const workers = option('workers', String(Math.max(1, os.cpus().length)));
const samples = option('samples', '1000');
await mkdir(out, { recursive: true });

/** Trains the preset for `minutes` through the UI; saves the run zip and the samples PNG. */
async function train(browser, base, name, plainVae) {
  const page = await browser.newPage();
  await page.goto(base);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await train.waitFor({ state: 'visible' });
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  await page.getByRole('button', { name: presetName }).click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  if (plainVae) {
    await page
      .getByRole('group', { name: 'Special cases' })
      .getByRole('button', { name: 'Plain VAE' })
      .click();
  }
  // The budget: the preset's own, or --minutes.
  await page.getByRole('combobox', { name: 'Stop after' }).selectOption('minutes');
  await page.getByRole('spinbutton', { name: 'Budget' }).fill(String(minutes));
  const url = page.url();
  const load = watchForeignLoad();
  const t0 = Date.now();
  await train.click();
  await page.getByTestId('budget-stopped').waitFor({ timeout: (minutes + 15) * 60_000 });
  const wallSeconds = (Date.now() - t0) / 1000;
  const foreignCores = load.stop();
  const state = await page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    const q = window.vaeganPlayground.quality().runs.main.latest;
    return {
      step: s.step,
      stepsPerEpoch: s.budgetState?.stepsPerEpoch ?? null,
      stopped: s.budgetState?.stopped?.message ?? '',
      backend: s.backend?.name ?? '',
      settings: s.running,
      hyperparams: s.hyperparams,
      appElbo: q ? { elbo: q.elbo, iwae: q.iwae, k: q.k, images: q.images, fcd: q.fcd } : null,
    };
  });
  const zip = path.join(out, `${name}.zip`);
  const png = path.join(out, `${name}-samples.png`);
  for (const [button, file] of [
    [page.getByRole('button', { name: 'Export weights (.zip)' }), zip],
    [page.getByRole('button', { name: 'Prior samples (PNG)' }), png],
  ]) {
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    await download.saveAs(file);
  }
  await page.close();
  const record = { name, url, wallSeconds, foreignCores, ...state };
  await writeFile(path.join(out, `${name}.json`), JSON.stringify(record, null, 2));
  console.log(`${name}: ${state.step} steps in ${wallSeconds.toFixed(0)} s; ${state.stopped}`);
  return record;
}

/** Runs bench/iwae.ts on an export (resumable: its state lives beside the zip). */
function iwae(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        'scripts/run-ts.mjs',
        'bench/iwae.ts',
        path.join(out, `${name}.zip`),
        '--k',
        k,
        '--images',
        images,
        '--workers',
        workers,
        '--samples',
        samples,
        '--state',
        path.join(out, `${name}.iwae.json`),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').at(-1)))
        : reject(new Error(`bench/iwae.ts exited with ${code}`)),
    );
  });
}

const runs = ['vaegan', ...(flag('vae') ? ['vae'] : [])];
const records = {};
if (!flag('skip-train')) {
  const { base, stop } = await startPreview(Number(process.env.BENCH_PORT ?? 4183));
  const browser = await launchChromium();
  for (const name of runs) records[name] = await train(browser, base, name, name === 'vae');
  await browser.close();
  stop();
} else {
  for (const name of runs)
    records[name] = JSON.parse(await readFile(path.join(out, `${name}.json`), 'utf8'));
}
const measured = {};
for (const name of runs) {
  if (!existsSync(path.join(out, `${name}.zip`))) throw new Error(`no ${name}.zip in ${out}`);
  measured[name] = await iwae(name);
  console.log(name, measured[name]);
}

// ---- bench/quality.md: the 30-minute section, between its markers -------------------------
const r = records.vaegan;
const m = measured.vaegan;
const fmt = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const row = (name) => {
  const rec = records[name];
  const q = measured[name];
  return `| ${name === 'vae' ? 'plain VAE (γ = 0)' : `${presetName}`} | ${rec.step.toLocaleString('en-US')} (${fmt(rec.step / rec.stepsPerEpoch, 1)} epochs) | ${fmt(rec.wallSeconds / 60, 1)} min | ${fmt(q.nll)} | ${fmt(q.elbo)} | ${fmt(q.fcd)} | ${q.classes} of 10 | ${fmt(rec.foreignCores, 2)} |`;
};
const section = `<!-- nll30:start -->
## 30 minutes in the browser (${new Date().toISOString().slice(0, 10)})

\`npm run build && node bench/nll30.mjs ${args.join(' ')}\`

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; headless Debian Chromium, backend ${r.backend}; the production build.
Preset **${presetName}** (its button in "Model and data"): ${JSON.stringify(r.settings)}, ${JSON.stringify(r.hyperparams)}; link: \`${r.url.replace(/^https?:\/\/[^/]+\//, '')}\`.
Trained through the UI until its budget of ${minutes} minutes of training stopped it (${r.stopped}).
NLL = −IWAE with k = ${m.k} on all ${m.images} MNIST test images, dynamically binarised (the quality panel's seed), by bench/iwae.ts on the exported zip
(the app's src/model/quality.ts on tfjs wasm in Node, ${workers} processes; the bounds took ${(m.boundsSeconds / 60).toFixed(0)} min).
FCD on ${m.samples} prior samples. "Other load" is the CPU (in cores) that other processes took while it trained: above 0.2 the run was slowed.

| run | steps | training time | NLL (nats) | ELBO | FCD | coverage | other load |
| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |
${runs.map(row).join('\n')}

Prior samples: ${runs.map((n) => `\`bench/nll30/${n}-samples.png\``).join(', ')}.
<!-- nll30:end -->`;
const mdPath = path.resolve('bench/quality.md');
const md = existsSync(mdPath) ? await readFile(mdPath, 'utf8') : '# Quality\n';
const next = /<!-- nll30:start -->[\s\S]*<!-- nll30:end -->/.test(md)
  ? md.replace(/<!-- nll30:start -->[\s\S]*<!-- nll30:end -->/, section)
  : `${md.trimEnd()}\n\n${section}\n`;
await writeFile(mdPath, next);
console.log('wrote the 30-minute section of bench/quality.md');
