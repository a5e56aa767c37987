// `npm run bench`: the production app's training speed per backend in headless Debian Chromium,
// side by side with the same model and step in PyTorch on the CPU (bench/pytorch_reference.py),
// plus responsiveness, time to the first loss point and memory after long training.
// Writes bench/results.md. Needs a build (npm run build); PyTorch is optional
// (bash bench/setup-pytorch.sh installs it; without it the ratio column says n/a).
//
// Options (defaults in brackets):
//   --backends cpu,wasm1,wasm,webgl,webgpu  [all five] wasm = the app's default (its matrix
//                            product on every core), wasm1 = everything on one thread
//   --batch 64,256           batch sizes [64,256]
//   --warmup MS --window MS  per row: warm-up, then the timed window [8000, 20000]
//   --levers                 also, at the first batch size, wasm with the speed levers added one
//                            at a time from tfjs as shipped, and with the curves in view
//                            (--before: the first lever row only)
//   --responsiveness MS      main-thread long tasks and frame intervals while training [60000]
//   --steps 1000,5000        memory checkpoints on the default backend [1000]; --long = 1000,5000
//   --row-timeout MS         give up a row that has not taken 3 steps by then [300000]
//   --no-pytorch             skip the PyTorch reference
// Default run on a 2-core machine: about 12 to 15 minutes; --long adds about 30 minutes.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { importTs, launchChromium, startPreview, watchForeignLoad } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = option('backends', 'cpu,wasm1,wasm,webgl,webgpu').split(',');
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

// ---- PyTorch, before and after the browser rows (never beside them) ----
// The machine's speed drifts by 10 to 20 % over minutes (a shared host), so PyTorch runs on both
// sides of the app's rows and the ratio divides by the mean of the two.
const PYTHON = '/usr/bin/python3';
let pytorchNote = '';
const pytorchRuns = [];
let pytorchAvailable = false;
if (args.includes('--no-pytorch')) {
  pytorchNote = 'PyTorch skipped (--no-pytorch).';
} else if (spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
  pytorchNote =
    'PyTorch is not installed, so the ratio column is empty. Install it (Debian, as root): ' +
    '`bash bench/setup-pytorch.sh` (apt-get install -y python3-torch libopenblas0-pthread), then rerun.';
  console.log(pytorchNote);
} else {
  pytorchAvailable = true;
}
/** One run of bench/pytorch_reference.py at every batch size, 1 and 2 threads. */
function runPyTorch(when) {
  if (!pytorchAvailable) return;
  console.log(`PyTorch reference (bench/pytorch_reference.py), ${when} ...`);
  const run = spawnSync(
    PYTHON,
    ['bench/pytorch_reference.py', '--batch', batchSizes.join(','), '--threads', '1,2'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status === 0) pytorchRuns.push({ when, ...JSON.parse(run.stdout) });
  else pytorchNote = `A PyTorch reference run failed (exit ${run.status}); see its output above.`;
}
/** PyTorch's best images/s at this batch (1 or 2 threads) in one run. */
const bestOf = (run, batch) =>
  run.rows
    .filter((r) => r.batch === batch)
    .reduce((best, r) => (!best || r.imagesPerSec > best.imagesPerSec ? r : best), null);
/** The denominator of the ratio: the mean over the runs of PyTorch's best at this batch. */
const torchBest = (batch) => {
  const best = pytorchRuns.map((run) => bestOf(run, batch)).filter(Boolean);
  if (best.length === 0) return null;
  return { imagesPerSec: best.reduce((sum, r) => sum + r.imagesPerSec, 0) / best.length };
};
/** Images/s as a multiple of PyTorch's (the mean of its runs so far), or null without PyTorch. */
const ratioToTorch = (imagesPerSec, batch) => {
  const torch = torchBest(batch);
  return torch ? imagesPerSec / torch.imagesPerSec : null;
};
const pytorch = () => pytorchRuns[0] ?? null;
runPyTorch('before the browser rows');

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
      status: s.status,
      points: s.series.steps.length,
      rec: s.series.columns.reconstruction.at(-1),
      kl: s.series.columns.kl.at(-1),
      seriesSteps: s.series.steps.at(-1),
    };
  });

/**
 * The speed levers of issue 7 on wasm, added one at a time from tfjs as shipped (the URL knobs
 * of src/features/training/client/trainer-client.ts); the last row is the app as it is, with the curves in view.
 */
const LEVERS = [
  {
    name: 'wasm-before',
    label: 'tfjs-backend-wasm as shipped (before the levers)',
    query: 'backend=wasm&threads=1&gemm=1&matmul=tfjs&adam=tfjs&identity=tfjs',
  },
  {
    name: 'lever-xnnpack',
    label: '+ transposed products to XNNPACK',
    query: 'backend=wasm&threads=1&gemm=1&matmul=xnnpack&adam=tfjs&identity=tfjs',
  },
  {
    name: 'lever-gemm',
    label: '+ the app’s GEMM instead',
    query: 'backend=wasm&threads=1&gemm=1&adam=tfjs&identity=tfjs',
  },
  {
    name: 'lever-adam',
    label: '+ fused Adam',
    query: 'backend=wasm&threads=1&gemm=1&identity=tfjs',
  },
  {
    name: 'lever-identity',
    label: '+ Identity without a copy',
    query: 'backend=wasm&threads=1&gemm=1',
  },
  {
    name: 'lever-helper',
    label: '+ the product on every core (the app’s default)',
    query: 'backend=wasm',
  },
  {
    name: 'lever-charts',
    label: 'the app’s default, scrolled to the curves (they redraw twice a second)',
    query: 'backend=wasm',
    scroll: '[data-tour="curves"]',
  },
];

/** URL query of a row: backend, and the benchmark knobs of src/app/trainer-client.ts. */
function query(name) {
  const lever = LEVERS.find((l) => l.name === name);
  if (lever) return lever.query;
  if (name === 'wasm1') return 'backend=wasm&threads=1&gemm=1';
  return `backend=${name}`;
}

/**
 * Opens the app, waits until it is ready (with `batch` applied), presses Train and waits for the
 * first curve point. Returns the page and the times from opening it.
 */
async function openTraining(q, batch, scroll) {
  const page = await browser.newPage();
  try {
    const t0 = Date.now();
    await page.goto(`${base}?${q}&batch=${batch}`);
    await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
      timeout: 180_000,
    });
    const readyMs = Date.now() - t0;
    const running = await page.evaluate(
      () => window.vaeganPlayground.getState().running?.batchSize,
    );
    if (running !== batch) throw new Error(`batch ${batch} not applied (running ${running})`);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
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
const leverNames = withLevers ? LEVERS.map((l) => l.name) : withBefore ? ['wasm-before'] : [];
const names = [...backends, ...leverNames];
for (const batch of batchSizes) {
  for (const name of names) {
    if (leverNames.includes(name) && batch !== batchSizes[0]) continue;
    let page;
    try {
      const lever = LEVERS.find((l) => l.name === name);
      const opened = await openTraining(query(name), batch, lever?.scroll);
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
        firstLossMs: opened.firstLossMs,
      };
      rows.push(row);
      const soFar = ratioToTorch(imagesPerSec, batch);
      console.log(
        `${row.backend} batch ${batch}: ${stepsPerSec.toFixed(2)} steps/s, ${imagesPerSec.toFixed(0)} images/s` +
          (soFar ? `, ${soFar.toFixed(2)}x PyTorch (so far)` : ''),
      );
    } catch (error) {
      // A backend too slow to take 3 steps in time (software GPUs on a busy machine) loses its
      // row, not the whole run.
      const reason = String(error?.message ?? error)
        .split('\n')[0]
        .replace(/\.$/, '');
      failures.push(`${name} at batch ${batch}: ${reason}`);
      console.log(`${name} batch ${batch}: no figure (${reason})`);
    } finally {
      await page?.close();
    }
  }
}

runPyTorch('after the browser rows');

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
const fmtRatio = (r) => (r == null ? 'n/a' : `${r.toFixed(2)}x`);
const label = (r) => {
  const lever = LEVERS.find((l) => l.name === r.name);
  return lever ? `${lever.label}: ${r.backend}` : r.backend;
};
const table = [
  '| backend | batch | steps/s | images/s | ÷ PyTorch | GFLOP/s | open → first loss point |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${label(r)} | ${r.batch} | ${r.stepsPerSec.toFixed(2)} | ${r.imagesPerSec.toFixed(0)} | ` +
      `${fmtRatio(ratioToTorch(r.imagesPerSec, r.batch))} | ${r.gflops.toFixed(2)} | ${(r.firstLossMs / 1000).toFixed(1)} s |`,
  ),
  ...pytorchRuns.flatMap((run) =>
    run.rows.map(
      (r) =>
        `| PyTorch ${run.torch} CPU, ${r.threads} thread${r.threads > 1 ? 's' : ''}, ${run.when} | ${r.batch} | ` +
        `${r.stepsPerSec.toFixed(2)} | ${r.imagesPerSec.toFixed(0)} | ${fmtRatio(ratioToTorch(r.imagesPerSec, r.batch))} | ` +
        `${gflops(macsPerImage, r.imagesPerSec).toFixed(2)} | |`,
    ),
  ),
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
const report = `# Training throughput

Measured by \`npm run bench\` (bench/throughput.mjs${args.length ? ` ${args.join(' ')}` : ''}) on ${new Date().toISOString().slice(0, 10)}:
${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), no GPU, headless Chromium ${chromiumVersion}.
Other processes than the benchmark's own (PyTorch, Chromium, the preview server) used
${foreignLoad === null ? 'an unknown share of' : `${foreignLoad.toFixed(2)} cores on average`} of the machine during the run.
The production build trains the default model (MLP 784-512-16, shared variant) in its worker;
each figure counts the steps the app reported over ${windowMs / 1000} s after a ${warmupMs / 1000} s warm-up.
WebGPU and WebGL run on SwiftShader (software) here. GFLOP/s counts the step's matrix products
(${(macsPerImage / 1e6).toFixed(2)} M multiply-adds per image, src/shared/flops.ts). "÷ PyTorch" divides by
PyTorch's best (1 or 2 threads) at the same batch size, same model and step
(bench/pytorch_reference.py${pytorch() ? `, torch ${pytorch().torch}, BLAS ${pytorch().blas}` : ''}), averaged over
its runs before and after the browser rows (the PyTorch rows' own ratio column divides by that mean).
${pytorchNote}
${
  foreignLoad !== null && foreignLoad > 0.2
    ? `\n**Other processes took ${foreignLoad.toFixed(2)} cores on average: the figures are contaminated; only rows of this run compare with each other, and roughly.**\n`
    : ''
}
${table}
${failures.length ? `\nNo figure for: ${failures.join('; ')}.\n` : ''}
## The default backend, as a visitor gets it: ${defaultBackend}

- Page open to model ready: ${(readyMs / 1000).toFixed(1)} s; to the first loss point after pressing Train at once: ${(firstLossMs / 1000).toFixed(1)} s.
${
  responsiveness
    ? `- Main thread over ${responsivenessMs / 1000} s of training: ${responsiveness.longTasks} long tasks over 50 ms ` +
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
