// The likelihood target, measured end to end: the production app trains a preset in headless
// Debian Chromium through its UI (the preset's button, Train; the preset's budget of 30 minutes
// of training stops it), exports the run ("Export weights (.zip)" and "Export for PyTorch
// (.safetensors)") and saves its prior samples as PNG. Then:
// - NLL = -IWAE with k = 5,000 on all 10,000 MNIST test images (dynamically binarised with the
//   quality panel's seed), and the ELBO, by python/vaegan.py's `elbo` on the .safetensors export
//   (PyTorch on the CPU; its log-weights are held to the app's by tests/unit/pytorch-roundtrip);
// - the FCD and coverage of --samples prior samples, and a cross-check of the bounds with the
//   app's own code on the first --check-images images (k = --check-k), by bench/iwae.ts.
// With --compare M, the Default preset trains M minutes three times, for the FCD at equal time:
// as the VAEGAN, as a plain VAE (γ = 0) whose D watches, and as a plain VAE of phase 1 alone;
// and the "Sharp samples (VAEGAN)" preset trains M minutes as well.
// Writes the 30-minute section of bench/quality.md.
// Usage: npm run build && node bench/nll30.mjs [--minutes 30 --preset "Best likelihood (30 min)"
//        --k 5000 --images 10000 --compare 10 --samples 1000 --check-k 100 --check-images 500
//        --out bench/nll30 --skip-train (measure the exports already in --out)
//        --reuse (keep the runs already trained and measured in --out)]
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  lastJson,
  launchChromium,
  saveDownloads,
  startPreview,
  watchForeignLoad,
} from './harness.mjs';

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
const compare = Number(option('compare', '0'));
const workers = option('workers', String(Math.max(1, os.cpus().length)));
const samples = option('samples', '1000');
const checkK = option('check-k', '100');
const checkImages = option('check-images', '500');
await mkdir(out, { recursive: true });

/** Trains the preset for `minutes` through the UI; saves the run zip and the samples PNG. */
async function train(browser, base, name, preset, plainVae, runMinutes) {
  const page = await browser.newPage();
  await page.goto(base);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await train.waitFor({ state: 'visible' });
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  await page.getByRole('tab', { name: 'Model and data', exact: true }).click();
  await page
    .getByRole('group', { name: 'Presets' })
    .getByRole('button', { name: preset, exact: true })
    .click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  if (plainVae) {
    await page.getByRole('tab', { name: 'Objective', exact: true }).click();
    await page
      .getByRole('group', { name: 'Special cases' })
      .getByRole('button', { name: 'Plain VAE' })
      .click();
    if (plainVae === 'alone') {
      await page.getByRole('checkbox', { name: /D watches a plain VAE/ }).uncheck();
    }
  }
  await page.getByRole('tab', { name: 'Model and data', exact: true }).click();
  // The budget: the preset's own, or --minutes.
  await page.getByRole('combobox', { name: 'Stop after' }).selectOption('minutes');
  await page.getByRole('spinbutton', { name: 'Budget' }).fill(String(runMinutes));
  const url = page.url();
  const load = watchForeignLoad();
  const t0 = Date.now();
  await train.click();
  await page.getByTestId('budget-stopped').waitFor({ timeout: (runMinutes + 15) * 60_000 });
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
  const torchFile = path.join(out, `${name}.safetensors`);
  const png = path.join(out, `${name}-samples.png`);
  await saveDownloads(page, [
    ['Export weights (.zip)', zip],
    ['Export for PyTorch (.safetensors)', torchFile],
    ['Prior samples (PNG)', png],
  ]);
  await page.close();
  const record = { name, preset, minutes: runMinutes, url, wallSeconds, foreignCores, ...state };
  await writeFile(path.join(out, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`${name}: ${state.step} steps in ${wallSeconds.toFixed(0)} s; ${state.stopped}`);
  return record;
}

/** bench/iwae.ts on the zip: FCD, coverage, and the app's own bounds on a few images. */
const appCheck = (name, checkKValue, checkImagesValue) =>
  lastJson(process.execPath, [
    'scripts/run-ts.mjs',
    'bench/iwae.ts',
    path.join(out, `${name}.zip`),
    '--k',
    checkKValue,
    '--images',
    checkImagesValue,
    '--workers',
    workers,
    '--samples',
    samples,
    '--state',
    path.join(out, `${name}.iwae-${checkKValue}-${checkImagesValue}.json`),
  ]);

/** python/vaegan.py elbo on the .safetensors export: NLL = -IWAE and the ELBO. */
const torchBounds = (name) =>
  lastJson(process.env.PYTHON ?? '/usr/bin/python3', [
    'python/vaegan.py',
    'elbo',
    path.join(out, `${name}.safetensors`),
    '--datasets',
    'public/datasets',
    '--images',
    images,
    '--k',
    k,
  ]);

const plan = [
  { name: 'likelihood', preset: presetName, plainVae: false, minutes },
  ...(compare > 0
    ? [
        { name: 'vaegan', preset: 'Default', plainVae: false, minutes: compare },
        {
          name: 'vaegan-sharp',
          preset: 'Sharp samples (VAEGAN)',
          plainVae: false,
          minutes: compare,
        },
        { name: 'vae', preset: 'Default', plainVae: 'watched', minutes: compare },
        { name: 'vae-fast', preset: 'Default', plainVae: 'alone', minutes: compare },
      ]
    : []),
];
const runs = plan.map((p) => p.name);
const records = {};
const measured = {};
// --reuse: runs already trained and measured in --out (their .json and .measured.json) are
// taken as they are, so --compare can be added to a finished likelihood run.
const saved = (name, suffix) => path.join(out, `${name}${suffix}`);
if (flag('reuse')) {
  for (const name of runs) {
    if (existsSync(saved(name, '.json')) && existsSync(saved(name, '.measured.json'))) {
      records[name] = JSON.parse(await readFile(saved(name, '.json'), 'utf8'));
      measured[name] = JSON.parse(await readFile(saved(name, '.measured.json'), 'utf8'));
    }
  }
}
const toTrain = plan.filter((p) => !records[p.name]);
if (!flag('skip-train')) {
  if (toTrain.length > 0) {
    const { base, stop } = await startPreview(Number(process.env.BENCH_PORT ?? 4183));
    const browser = await launchChromium();
    for (const p of toTrain) {
      records[p.name] = await train(browser, base, p.name, p.preset, p.plainVae, p.minutes);
    }
    await browser.close();
    stop();
  }
} else {
  for (const p of toTrain)
    records[p.name] = JSON.parse(await readFile(saved(p.name, '.json'), 'utf8'));
}
for (const name of runs.filter((n) => !measured[n])) {
  if (!existsSync(saved(name, '.zip'))) throw new Error(`no ${name}.zip in ${out}`);
  const check = await appCheck(name, checkK, checkImages);
  const torch = name === 'likelihood' ? await torchBounds(name) : null;
  measured[name] = {
    ...check,
    check: { k: check.k, images: check.images, nll: check.nll, elbo: check.elbo },
    torch,
  };
  console.log(name, JSON.stringify(measured[name]));
  await writeFile(saved(name, '.measured.json'), `${JSON.stringify(measured[name], null, 2)}\n`);
}

// ---- bench/quality.md: the 30-minute section, between its markers -------------------------
const r = records.likelihood;
const t = measured.likelihood.torch;
const fmt = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const label = {
  likelihood: presetName,
  vaegan: 'Default (VAEGAN)',
  'vaegan-sharp': 'Sharp samples (VAEGAN): γ = 0.5, η_D = η_G = 0.0005',
  vae: 'Default as a plain VAE (γ = 0, D watching: nearly the same step cost)',
  'vae-fast': 'Default as a plain VAE, phase 1 alone (D not watching)',
};
const row = (name) => {
  const rec = records[name];
  const q = measured[name];
  const nll = name === 'likelihood' ? `**${fmt(t.nll)}** (k = ${t.k}, ${t.images} images)` : '';
  const elbo = name === 'likelihood' ? fmt(t.elbo) : '';
  return `| ${label[name]} | ${rec.step.toLocaleString('en-US')} (${fmt(rec.step / rec.stepsPerEpoch, 1)} epochs) | ${fmt(rec.wallSeconds / 60, 1)} min | ${nll} | ${elbo} | ${fmt(q.check.nll)} / ${fmt(q.check.elbo)} | ${fmt(q.fcd)} | ${q.classes} of 10 | ${fmt(rec.foreignCores, 2)} |`;
};
const section = `<!-- nll30:start -->
## 30 minutes in the browser (${new Date().toISOString().slice(0, 10)})

\`npm run build && node bench/nll30.mjs ${args.join(' ')}\`

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; headless Debian Chromium, backend ${r.backend}; the production build.
Preset **${presetName}** (its button in "Model and data"): ${JSON.stringify(r.settings)}, ${JSON.stringify(r.hyperparams)}; link: \`${r.url.replace(/^https?:\/\/[^/]+\//, '')}\`.
Trained through the UI until its budget of ${minutes} minutes of training stopped it (${r.stopped}).
NLL = −IWAE with k = ${t.k} on all ${t.images} MNIST test images, dynamically binarised with the quality panel's seed, and the ELBO, by \`python/vaegan.py elbo\` on the run's "Export for PyTorch" file (${fmt(t.seconds / 60, 1)} min);
"app check": the same bounds by the app's own src/model/quality.ts (bench/iwae.ts, tfjs wasm in Node) with k = ${checkK} on the first ${checkImages} images.
FCD on ${samples} prior samples against the first ${samples} test images (the shipped classifier's features). "Other load" is the CPU (in cores) that other processes took while it trained: above 0.2 the run was slowed.
${compare > 0 ? `The other rows train the Default preset for ${compare} minutes each, for the FCD at equal training time: as the VAEGAN; as a plain VAE (γ = 0) whose D watches, a step of nearly the same cost (no generator-side update); and as the fastest plain VAE, phase 1 alone (D not watching), about three times the steps; and the "Sharp samples (VAEGAN)" preset, the default networks with γ = 0.5 and D and G learning at 0.0005.` : ''}

| run | steps | training time | NLL (nats) | ELBO | app check NLL / ELBO | FCD | coverage | other load |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
${runs.map(row).join('\n')}

Prior samples: ${runs.map((n) => `\`${path.relative(process.cwd(), out)}/${n}-samples.png\``).join(', ')}.
<!-- nll30:end -->`;
const mdPath = path.resolve('bench/quality.md');
const md = existsSync(mdPath) ? await readFile(mdPath, 'utf8') : '# Quality\n';
const next = /<!-- nll30:start -->[\s\S]*<!-- nll30:end -->/.test(md)
  ? md.replace(/<!-- nll30:start -->[\s\S]*<!-- nll30:end -->/, section)
  : `${md.trimEnd()}\n\n${section}\n`;
await writeFile(mdPath, next);
console.log('wrote the 30-minute section of bench/quality.md');
