// `npm run bench`: the production app's training speed in headless Debian Chromium against the
// same model and step in PyTorch on the same CPU (bench/pytorch_reference.py), and against the
// cores' own limit; plus the other backends, responsiveness, start-up and memory after long
// training. Writes bench/results.md. Needs a build (npm run build); PyTorch is optional
// (bash bench/setup-pytorch.sh installs it; without it the PyTorch side says n/a).
//
// The comparison runs in rounds that alternate: PyTorch with OpenBLAS choosing its own kernels
// (its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command), PyTorch with the
// machine's OpenBLAS setting, then the app at each batch size; PyTorch once more at the end, so
// it brackets every app row. Figures are medians with their range. The app's fraction of the
// limit is its GFLOP/s (the step's matrix products, src/shared/flops.ts) against the peak of its
// own matrix product on the same threads, which the app measures once its helper threads are up
// and again whenever a model is ready, keeping the best reading.
//
// Options (defaults in brackets):
//   --rounds N               rounds of the comparison [3]
//   --batch 64,256           batch sizes [64,256]
//   --backends cpu,wasm1,webgl,webgpu  the other rows, once each at every batch size [all four]
//                            (wasm1 = the app's wasm on one thread)
//   --warmup MS --window MS  per app row: warm-up, then the timed window [8000, 20000]
//   --levers                 also, at the first batch size, wasm with the speed levers added one
//                            at a time from tfjs as shipped (--before: the first lever row only)
//   --responsiveness MS      main-thread long tasks and frame intervals while training [60000]
//   --steps 1000,5000        memory checkpoints on the default backend [1000]; --long = 1000,5000
//   --row-timeout MS         give up a row that has not taken 3 steps by then [300000]
//   --no-pytorch             skip PyTorch
// Default run on a 2-core machine: about 20 minutes; --levers adds about 6, --long about 30.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { importTs, launchChromium, startPreview, watchForeignLoad } from './harness.mjs';
import { bestOf, PYTORCH_SETTINGS, pytorchAvailability, runPyTorch } from './pytorch.mjs';
import { formatSummary, summary } from './stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Math.max(1, Number(option('rounds', '3')));
const OTHER_ROWS = ['cpu', 'wasm1', 'webgl', 'webgpu'];
const backends = option('backends', OTHER_ROWS.join(','))
  .split(',')
  .filter((b) => OTHER_ROWS.includes(b));
const batchSizes = option('batch', '64,256').split(',').map(Number);
const warmupMs = Number(option('warmup', '8000'));
const windowMs = Number(option('window', '20000'));
const responsivenessMs = Number(option('responsiveness', '60000'));
const memorySteps = option('steps', args.includes('--long') ? '1000,5000' : '1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const withLevers = args.includes('--levers');
const withBefore = withLevers || args.includes('--before');
const rowTimeoutMs = Number(option('row-timeout', '300000'));
const failures = [];
const cores = os.cpus().length;
const port = Number(process.env.BENCH_PORT ?? 4179);

const { trainStepMacs, gflops } = await importTs('src/shared/flops.ts');
const { DEFAULT_MODEL_CONFIG } = await importTs('src/shared/config.ts');
const macsPerImage = trainStepMacs(DEFAULT_MODEL_CONFIG).total;

// What other processes take meanwhile: the figures are only clean when that stays near zero.
const foreignWatch = watchForeignLoad();

// ---- PyTorch ----
const pytorchRuns = [];
const torch = args.includes('--no-pytorch')
  ? { available: false, note: 'PyTorch skipped (--no-pytorch).' }
  : pytorchAvailability();
if (torch.note) console.log(torch.note);
/** One PyTorch run in each setting, at every batch size. */
function pytorchRound(when) {
  if (!torch.available) return;
  for (const setting of PYTORCH_SETTINGS) {
    const run = runPyTorch(setting, batchSizes, when);
    if (run.error) failures.push(`PyTorch (${setting.label}) ${when}: ${run.error}`);
    else pytorchRuns.push(run);
  }
}
/** PyTorch's best images/s (1 or 2 threads) at `batch` in each run of `setting`. */
const torchFigures = (setting, batch) =>
  pytorchRuns
    .filter((r) => r.setting === setting)
    .map((r) => bestOf(r, batch)?.imagesPerSec)
    .filter((v) => v !== undefined);
/** The OpenBLAS kernel family of `setting`'s runs (they agree; the first one's). */
const corename = (setting) => pytorchRuns.find((r) => r.setting === setting)?.corename ?? 'n/a';

// ---- The app in Chromium ----
const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const chromiumVersion = browser.version();

const state = (page) =>
  page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    return {
      step: s.step,
      backend: s.backend && `${s.backend.name} (${s.backend.detail})`,
      peak: s.backend?.gemmPeak ?? null,
      status: s.status,
      points: s.series.steps.length,
      rec: s.series.columns.reconstruction.at(-1),
      kl: s.series.columns.kl.at(-1),
      seriesSteps: s.series.steps.at(-1),
    };
  });

/**
 * The speed levers on wasm, added one at a time from tfjs as shipped (the URL knobs of
 * src/features/training/client/bench-tuning.ts); the last row is the app as it is, with the
 * curves in view.
 */
const LEVERS = [
  {
    name: 'wasm-before',
    label: 'tfjs-backend-wasm as shipped (before the levers)',
    query: 'backend=wasm&threads=1&gemm=1&matmul=tfjs&adam=tfjs&identity=tfjs&compiled=off',
  },
  {
    name: 'lever-xnnpack',
    label: '+ transposed products to XNNPACK',
    query: 'backend=wasm&threads=1&gemm=1&matmul=xnnpack&adam=tfjs&identity=tfjs&compiled=off',
  },
  {
    name: 'lever-gemm',
    label: '+ the app’s GEMM instead',
    query: 'backend=wasm&threads=1&gemm=1&adam=tfjs&identity=tfjs&compiled=off',
  },
  {
    name: 'lever-adam',
    label: '+ fused Adam',
    query: 'backend=wasm&threads=1&gemm=1&identity=tfjs&compiled=off',
  },
  {
    name: 'lever-identity',
    label: '+ Identity without a copy',
    query: 'backend=wasm&threads=1&gemm=1&compiled=off',
  },
  {
    name: 'lever-helper',
    label: '+ the product on every core',
    query: 'backend=wasm&compiled=off',
  },
  {
    name: 'lever-compiled',
    label: '+ the compiled training step (the app’s default)',
    query: 'backend=wasm',
  },
  {
    name: 'lever-charts',
    label: 'the app’s default, scrolled to the curves (they redraw twice a second)',
    query: 'backend=wasm',
    scroll: '[data-tour="curves"]',
  },
];

/** URL query of a row: backend, and the benchmark knobs. */
function query(name) {
  const lever = LEVERS.find((l) => l.name === name);
  if (lever) return lever.query;
  if (name === 'wasm1') return 'backend=wasm&threads=1&gemm=1';
  return `backend=${name}`;
}

/**
 * Opens the app, waits until Train can be pressed (with `batch` applied), presses it and waits
 * for the first curve point. Returns the page and the times from opening it. With `settle`, it
 * waits 3 s before pressing Train: the app measures its GEMM peak again 2.5 s after the model is
 * ready, when the page is quiet (a reading during the page's start-up is low).
 */
async function openTraining(q, batch, scroll, settle = false) {
  const page = await browser.newPage();
  try {
    const t0 = Date.now();
    await page.goto(`${base}?${q}&batch=${batch}`);
    const train = page.getByRole('button', { name: 'Train', exact: true });
    await train.waitFor({ timeout: 180_000 });
    await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
      timeout: 180_000,
      polling: 20,
    });
    const readyMs = Date.now() - t0;
    const running = await page.evaluate(
      () => window.vaeganPlayground.getState().running?.batchSize,
    );
    if (running !== batch) throw new Error(`batch ${batch} not applied (running ${running})`);
    if (settle) await page.waitForTimeout(3000);
    await train.click();
    await page.waitForFunction(
      () => window.vaeganPlayground.getState().series.steps.length > 0,
      null,
      { timeout: rowTimeoutMs, polling: 50 },
    );
    const firstLossMs = Date.now() - t0;
    if (scroll) await page.locator(scroll).scrollIntoViewIfNeeded();
    return { page, readyMs, firstLossMs };
  } catch (error) {
    await page.close();
    throw error;
  }
}

const rows = [];
/** Times one app row (a fresh page) and records it; a row that fails is named, not fatal. */
async function appRow(name, batch, extra = {}) {
  let page;
  try {
    const lever = LEVERS.find((l) => l.name === name);
    const opened = await openTraining(query(name), batch, lever?.scroll, name === 'wasm');
    page = opened.page;
    await page.waitForTimeout(warmupMs);
    // Software GPUs take seconds per step: make sure a few steps are done before timing.
    await page.waitForFunction(() => window.vaeganPlayground.getState().step >= 3, null, {
      timeout: rowTimeoutMs,
    });
    const a = await state(page);
    const t0 = Date.now();
    await page.waitForTimeout(windowMs);
    const b = await state(page);
    const seconds = (Date.now() - t0) / 1000;
    const stepsPerSec = (b.step - a.step) / seconds;
    const imagesPerSec = stepsPerSec * batch;
    const row = {
      name,
      backend: b.backend,
      batch,
      stepsPerSec,
      imagesPerSec,
      gflops: gflops(macsPerImage, imagesPerSec),
      peakGflops: b.peak?.gflops ?? null,
      peakThreads: b.peak?.threads ?? null,
      readyMs: opened.readyMs,
      firstLossMs: opened.firstLossMs,
      ...extra,
    };
    rows.push(row);
    console.log(
      `${row.backend} batch ${batch}: ${imagesPerSec.toFixed(0)} images/s, ` +
        `${row.gflops.toFixed(1)} GFLOP/s` +
        (row.peakGflops ? ` of a ${row.peakGflops.toFixed(1)} GFLOP/s peak` : ''),
    );
  } catch (error) {
    const reason = String(error?.message ?? error)
      .split('\n')[0]
      .replace(/\.$/, '');
    failures.push(`${name} at batch ${batch}: ${reason}`);
    console.log(`${name} batch ${batch}: no figure (${reason})`);
  } finally {
    await page?.close();
  }
}

// ---- The comparison: rounds alternating PyTorch (both settings) and the app ----
for (let round = 1; round <= rounds; round++) {
  pytorchRound(round === 1 ? 'before the app, round 1' : `between the app's rows, round ${round}`);
  for (const batch of batchSizes) await appRow('wasm', batch, { round });
}
pytorchRound('after the app');

// ---- The other backends, and the ladder of levers ----
const leverNames = withLevers ? LEVERS.map((l) => l.name) : withBefore ? ['wasm-before'] : [];
for (const batch of batchSizes) {
  for (const name of backends) await appRow(name, batch);
  if (batch === batchSizes[0]) for (const name of leverNames) await appRow(name, batch);
}

// ---- The default backend (what a visitor gets): responsiveness, first loss, memory ----
/** Installed before the app's scripts: long tasks and frame intervals of the main thread. */
function instrument() {
  const w = window;
  w.__bench = { longTasks: [], frames: [], recording: false };
  new PerformanceObserver((list) => {
    if (!w.__bench.recording) return;
    for (const e of list.getEntries()) w.__bench.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  const frame = (t) => {
    if (w.__bench.recording) w.__bench.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const context = await browser.newContext();
await context.addInitScript(instrument);
const page = await context.newPage();
const t0 = Date.now();
await page.goto(base);
await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
  timeout: 180_000,
});
const readyMs = Date.now() - t0;
await page.getByRole('button', { name: 'Train', exact: true }).click();
await page.waitForFunction(() => window.vaeganPlayground.getState().series.steps.length > 0, null, {
  polling: 50,
});
const firstLossMs = Date.now() - t0;
const defaultBackend = (await state(page)).backend;
console.log(
  `default backend ${defaultBackend}: ready ${readyMs} ms, first loss point ${firstLossMs} ms`,
);

let responsiveness = null;
if (responsivenessMs > 0) {
  await page.evaluate(() => (window.__bench.recording = true));
  await page.waitForTimeout(responsivenessMs);
  responsiveness = await page.evaluate(() => {
    const b = window.__bench;
    b.recording = false;
    const frames = b.frames.slice().sort((x, y) => x - y);
    const p95 = frames[Math.min(frames.length - 1, Math.floor(0.95 * frames.length))] ?? null;
    return {
      longTasks: b.longTasks.length,
      longestTaskMs: b.longTasks.length ? Math.max(...b.longTasks) : 0,
      frames: frames.length,
      p95FrameMs: p95,
    };
  });
  console.log(
    `main thread over ${responsivenessMs / 1000} s of training: ${responsiveness.longTasks} long tasks, ` +
      `p95 frame interval ${responsiveness.p95FrameMs?.toFixed(1)} ms`,
  );
}

const memory = [];
let recLine = '';
const trainStart = Date.now();
for (const steps of memorySteps) {
  await page.waitForFunction((n) => window.vaeganPlayground.getState().step >= n, steps, {
    timeout: 3 * 60 * 60_000,
    polling: 1000,
  });
  const d = await page.evaluate(async () => {
    const worker = await window.vaeganPlayground.diagnostics();
    // Cross-origin isolated pages may measure every worker of the page (JS heaps, wasm memory).
    let trainerBytes = null;
    let totalBytes = null;
    if (performance.measureUserAgentSpecificMemory) {
      const m = await performance.measureUserAgentSpecificMemory();
      totalBytes = m.bytes;
      trainerBytes = m.breakdown
        .filter((b) => b.attribution.some((a) => /trainer\.worker/.test(a.url)))
        .reduce((sum, b) => sum + b.bytes, 0);
    }
    return {
      worker,
      pageHeap: performance.memory?.usedJSHeapSize ?? null,
      trainerBytes,
      totalBytes,
    };
  });
  memory.push({ steps, seconds: (Date.now() - trainStart) / 1000, ...d });
  console.log(
    `after ${d.worker.step} steps: ${d.worker.numTensors} tensors (${d.worker.transientTensors} in flight)`,
  );
}
if (memorySteps.length > 0) {
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'paused');
  const s = await state(page);
  recLine =
    `Default model (shared, MLP 784-512-16, batch 64, seed 1, beta 1, gamma 0.1) on ${s.backend}: ` +
    `after ${s.seriesSteps} steps the reconstruction loss (mean of the last reported window) is ` +
    `${s.rec.toFixed(1)} nats per image and the KL ${s.kl.toFixed(1)} nats.`;
  console.log(recLine);
}
const foreignLoad = foreignWatch.stop();
await context.close();
await browser.close();
stop();

// ---- Report ----
const mb = (bytes) => (bytes == null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const pct = (x) => (x == null ? 'n/a' : `${(100 * x).toFixed(0)} %`);
const ratio = (x) => (x == null ? 'n/a' : `${x.toFixed(2)}x`);
const label = (r) => {
  const lever = LEVERS.find((l) => l.name === r.name);
  return lever ? `${lever.label}: ${r.backend}` : r.backend;
};
const median = (values) => summary(values)?.median ?? null;

/**
 * The limit: the best GEMM peak the app measured in this run's rows as a visitor gets it (a
 * reading is low when the page or another process took a core meanwhile, never high).
 */
const peakReadings = rows.filter((r) => r.name === 'wasm' && r.peakGflops).map((r) => r.peakGflops);
const bestPeak = peakReadings.length ? Math.max(...peakReadings) : null;

/** The comparison at one batch size: the app's rounds, PyTorch's runs, and what they make. */
function comparison(batch) {
  const app = rows.filter((r) => r.name === 'wasm' && r.batch === batch);
  const images = summary(app.map((r) => r.imagesPerSec));
  const peak = summary(app.map((r) => r.peakGflops));
  const fraction = bestPeak ? summary(app.map((r) => r.gflops / bestPeak)) : null;
  const best = summary(torchFigures('best', batch));
  const machine = summary(torchFigures('machine', batch));
  // The limit of the issue: the peak's multiply-adds per second spent on this step's products.
  const limit = bestPeak ? (bestPeak * 1e9) / 2 / macsPerImage : null;
  return {
    batch,
    app,
    images,
    gflops: summary(app.map((r) => r.gflops)),
    peak,
    fraction,
    limit,
    best,
    machine,
    toBest: images && best ? images.median / best.median : null,
    toMachine: images && machine ? images.median / machine.median : null,
  };
}
const comparisons = batchSizes.map(comparison);
const comparisonTable = [
  "| batch | the app, images/s | GFLOP/s | GEMM peak as each row measured it | fraction of the limit (the run's best peak) | PyTorch at its best | ÷ | PyTorch, machine setting | ÷ |",
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...comparisons.map(
    (c) =>
      `| ${c.batch} | ${formatSummary(c.images)} | ${formatSummary(c.gflops, 1)} | ` +
      `${formatSummary(c.peak, 1)} GFLOP/s | ` +
      `${c.fraction ? `${formatSummary({ ...c.fraction, median: 100 * c.fraction.median, min: 100 * c.fraction.min, max: 100 * c.fraction.max })} %` : 'n/a'} | ` +
      `${formatSummary(c.best)} | ${ratio(c.toBest)} | ${formatSummary(c.machine)} | ${ratio(c.toMachine)} |`,
  ),
].join('\n');
/** The issue's two targets, as this run measured them. */
const verdicts = comparisons.map((c) => {
  if (c.batch === 64) {
    return c.toBest == null
      ? '- Batch 64 against PyTorch at its best: no figure.'
      : `- Batch 64: ${ratio(c.toBest)} PyTorch at its best (target ≥ 1.00x): **${c.toBest >= 1 ? 'met' : 'not met'}**.`;
  }
  return c.fraction == null
    ? `- Batch ${c.batch}: no fraction of the limit.`
    : `- Batch ${c.batch}: ${pct(c.fraction.median)} of the two-core SIMD limit (target ≥ 85 %): ` +
        `**${c.fraction.median >= 0.85 ? 'met' : 'not met'}**; ${ratio(c.toBest)} PyTorch at its best.`;
});
const pytorchTable = pytorchRuns.length
  ? [
      '| PyTorch run | OpenBLAS kernels | batch | 1 thread, images/s | 2 threads, images/s |',
      '| --- | --- | ---: | ---: | ---: |',
      ...pytorchRuns.flatMap((run) =>
        batchSizes.map((batch) => {
          const at = (t) =>
            run.rows.find((r) => r.batch === batch && r.threads === t)?.imagesPerSec;
          const f = (v) => (v === undefined ? 'n/a' : Math.round(v).toLocaleString('en-US'));
          return (
            `| ${PYTORCH_SETTINGS.find((p) => p.name === run.setting).label}, ${run.when} | ` +
            `${run.corename ?? 'n/a'}${run.coretype ? ` (OPENBLAS_CORETYPE=${run.coretype})` : ''} | ` +
            `${batch} | ${f(at(1))} | ${f(at(2))} |`
          );
        }),
      ),
    ].join('\n')
  : '';
const others = rows.filter((r) => r.name !== 'wasm');
const table = [
  '| backend | batch | steps/s | images/s | ÷ PyTorch at its best (median) | GFLOP/s | open → first loss point |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...others.map((r) => {
    const best = median(torchFigures('best', r.batch));
    return (
      `| ${label(r)} | ${r.batch} | ${r.stepsPerSec.toFixed(2)} | ${r.imagesPerSec.toFixed(0)} | ` +
      `${ratio(best ? r.imagesPerSec / best : null)} | ${r.gflops.toFixed(2)} | ${(r.firstLossMs / 1000).toFixed(1)} s |`
    );
  }),
].join('\n');
const memoryTable = memory.length
  ? [
      '| steps | after | tensors (worker: held + in flight) | tensor bytes | wasm memory | trainer worker memory | page JS heap | all of the page |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...memory.map(
        (m) =>
          `| ${m.worker.step} | ${m.seconds.toFixed(0)} s | ${m.worker.numTensors - m.worker.transientTensors} + ${m.worker.transientTensors} | ${mb(m.worker.tensorBytes)} | ` +
          `${mb(m.worker.wasmMemoryBytes)} | ${mb(m.trainerBytes)} | ${mb(m.pageHeap)} | ${mb(m.totalBytes)} |`,
      ),
    ].join('\n')
  : '(memory checkpoints skipped: --steps 0)';
const torchInfo = pytorchRuns[0];
const quiet = foreignLoad !== null && foreignLoad <= 0.2;
const appReady = summary(rows.filter((r) => r.name === 'wasm').map((r) => r.readyMs / 1000));
const report = `# Training throughput

Measured by \`npm run bench\` (bench/throughput.mjs${args.length ? ` ${args.join(' ')}` : ''}) on ${new Date().toISOString().slice(0, 10)}:
${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), no GPU, headless Chromium ${chromiumVersion}.
Other processes than the benchmark's own (PyTorch, Chromium, the preview server) used
${foreignLoad === null ? 'an unknown share of' : `${foreignLoad.toFixed(2)} cores on average`} of the machine during the run.
${
  quiet
    ? ''
    : `\n**The machine was not quiet (${foreignLoad === null ? 'unknown load' : `${foreignLoad.toFixed(2)} cores taken by other processes`}): these figures are contaminated; rows of this run compare with each other only roughly, and the targets below are not settled by it.**\n`
}
## The app against PyTorch and against the cores' limit

The production build trains the default model (MLP 784-512-16, shared variant, on wasm as a
visitor gets it) in its worker, in ${rounds} round${rounds > 1 ? 's' : ''} alternating with PyTorch
(bench/pytorch_reference.py${torchInfo ? `, torch ${torchInfo.torch}, BLAS ${torchInfo.blas}` : ''}: the same model and
step, best of 1 and 2 threads), which runs before, between and after the app's rows in two
settings: OpenBLAS choosing its own kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that
command: ${corename('best')} here) and this machine's setting (${corename('machine')}). Each app figure
counts the steps the app reported over ${windowMs / 1000} s after a ${warmupMs / 1000} s warm-up. Medians, with the range over the rounds.

GFLOP/s counts the step's matrix products as tfjs's autograd runs them (${(macsPerImage / 1e6).toFixed(2)} M
multiply-adds per image, src/shared/flops.ts; the compiled step reuses the fakes' decoder pass in
phase 3 and so computes 8 % fewer). The limit is the app's own matrix product at its peak on the
same threads (both cores), measured by the app (src/runtime/wasm/step/peak.ts) once its helper
thread is up and again whenever a model is ready, the best reading kept: at that rate, a step's
products would take the time shown as images/s. A reading is low when the page or another process
took a core meanwhile, never high, so the limit is the best reading of the run:
${bestPeak ? `${bestPeak.toFixed(1)} GFLOP/s, ${Math.round((bestPeak * 1e9) / 2 / macsPerImage).toLocaleString('en-US')} images/s of this step` : 'none measured'}.

${comparisonTable}

${verdicts.join('\n')}
${torch.note ? `\n${torch.note}\n` : ''}
${pytorchTable}

## Every backend

WebGPU and WebGL run on SwiftShader (software) here.

${table}
${failures.length ? `\nNo figure for: ${failures.join('; ')}.\n` : ''}
## The default backend, as a visitor gets it: ${defaultBackend}

- Page open to Train usable (model ready): ${(readyMs / 1000).toFixed(1)} s here, ${formatSummary(appReady, 1, ' s')} in the comparison's rows; to the first loss point after pressing Train at once: ${(firstLossMs / 1000).toFixed(1)} s.
${
  responsiveness
    ? `- Main thread over ${responsivenessMs / 1000} s of training: ${responsiveness.longTasks} long ` +
      `task${responsiveness.longTasks === 1 ? '' : 's'} over 50 ms ` +
      `(longest ${responsiveness.longestTaskMs.toFixed(0)} ms); 95th-percentile frame interval ` +
      `${responsiveness.p95FrameMs?.toFixed(1)} ms over ${responsiveness.frames} frames.`
    : '- Responsiveness skipped (--responsiveness 0).'
}

${memoryTable}

Trainer worker memory and "all of the page" come from performance.measureUserAgentSpecificMemory()
(JS heaps and the wasm backend's memory; the wasm threads' pool workers share that memory and are
counted in the total only).

${recLine}
`;
await writeFile('bench/results.md', report);
console.log('\nwrote bench/results.md');
process.exit(0);
