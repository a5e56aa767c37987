// Soak test of the production app: trains for many steps in headless Debian Chromium and
// samples memory at intervals: tfjs tensors and bytes in the training worker, the page's JS
// heap, the whole page's memory (all workers and wasm heaps, where Chromium can measure it),
// and the length of the curve history on both sides. Writes bench/soak.md.
//
// Usage: npm run build && npm run bench:soak [-- --steps 10000 --backend auto --samples 40]
//        (--hidden 64 --batch 16 for a smaller, faster model; the default is the app's model)
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const steps = Number(option('steps', '10000'));
const backend = option('backend', 'auto');
const samples = Number(option('samples', '40'));
const out = option('out', 'bench/soak.md');
const model = ['hidden', 'latent', 'batch']
  .filter((k) => option(k, null) !== null)
  .map((k) => `&${k}=${option(k, '')}`)
  .join('');
if (!Number.isInteger(steps) || steps < 10) {
  console.error('bench:soak: --steps must be a whole number of at least 10');
  process.exit(1);
}
const every = Math.max(5, Math.round(steps / samples));

const port = 4181;
const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const chromiumVersion = browser.version();
const page = await browser.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${base}?backend=${backend}${model}`);
await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
  timeout: 180_000,
});

/** One sample: the worker's tfjs memory, the page's heap, the whole page's memory. */
async function sample(t0) {
  return page.evaluate(async (start) => {
    const { getState, debug } = window.vaeganPlayground;
    const worker = await debug.memory();
    const s = getState();
    let total = null;
    // Needs cross-origin isolation (the app has it); may wait for a garbage collection.
    if (typeof performance.measureUserAgentSpecificMemory === 'function') {
      const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 20_000));
      const measured = await Promise.race([performance.measureUserAgentSpecificMemory(), timeout]);
      total = measured ? measured.bytes : null;
    }
    return {
      step: s.step,
      seconds: (performance.now() - start) / 1000,
      status: s.status,
      backend: s.backend?.name ?? '?',
      numTensors: worker.numTensors,
      transient: worker.transientTensors,
      numBytes: worker.numBytes,
      workerHistory: worker.historyPoints,
      pageHistory: s.series.length,
      pageHeap: performance.memory?.usedJSHeapSize ?? null,
      total,
    };
  }, t0);
}

const t0 = await page.evaluate(() => performance.now());
const rows = [await sample(t0)];
await page.getByRole('button', { name: 'Train', exact: true }).click();
let next = every;
for (;;) {
  const step = await page.evaluate(() => window.vaeganPlayground.getState().step);
  const status = await page.evaluate(() => window.vaeganPlayground.getState().status);
  if (status !== 'training') {
    console.error(`bench:soak: training stopped at step ${step} (status ${status})`);
    break;
  }
  if (step >= next) {
    const row = await sample(t0);
    rows.push(row);
    console.log(
      `step ${row.step}: ${row.numTensors} tensors (${row.transient} in flight), ${(row.numBytes / 1e6).toFixed(1)} MB tensors, ` +
        `page heap ${row.pageHeap ? (row.pageHeap / 1e6).toFixed(1) : '?'} MB, ` +
        `all ${row.total ? (row.total / 1e6).toFixed(1) : '?'} MB`,
    );
    next = Math.max(next + every, row.step + 1);
    if (row.step >= steps) break;
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
await page.getByRole('button', { name: 'Pause' }).click();
const final = await sample(t0);
rows.push(final);
await browser.close();
stop();

const mb = (x) => (x === null || x === undefined ? 'n/a' : (x / 1e6).toFixed(1));
// Warm-up: Adam creates its moments on the first step; the guard keeps its first copy with
// them at step 50 (the copy of step 0 has none).
const warm = rows.find((r) => r.step >= Math.max(every, 100)) ?? rows[1] ?? rows[0];
const trained = rows.filter((r) => r.step >= warm.step);
// Held tensors: all of them less the ones that live only until the next report (the metrics
// of the steps since the last one, readbacks awaiting their data); those come and go with the
// moment of the sample, and a leak would show in the held count.
const tensors = trained.map((r) => r.numTensors - r.transient);
const flat = Math.max(...tensors) === Math.min(...tensors);
const transient = trained.map((r) => r.transient);
const range = (key) => {
  const v = trained.map((r) => r[key]).filter((x) => typeof x === 'number');
  return v.length ? `${mb(Math.min(...v))} to ${mb(Math.max(...v))} MB` : 'n/a';
};
const last = rows[rows.length - 1];
const speed = last.step / Math.max(1, last.seconds);
const lines = [
  '# Soak: memory over a long run',
  '',
  `Measured ${new Date().toISOString()} by \`npm run bench:soak -- ${args.join(' ')}\`: headless Chromium ` +
    `${chromiumVersion}, backend ${last.backend}, ${os.cpus().length} cores, load average ` +
    `${os.loadavg()[0].toFixed(1)}. Model: ${model ? model.slice(1).replaceAll('&', ', ') : 'the default (784-512-16, shared, batch 64)'}. ` +
    `${last.step} steps in ${(last.seconds / 60).toFixed(1)} min (${speed.toFixed(2)} steps/s, ` +
    'checkpoints to IndexedDB every 30 s as in normal use).',
  '',
  `- tfjs tensors held in the training worker after warm-up: ${flat ? `flat at ${tensors[0]}` : `from ${Math.min(...tensors)} to ${Math.max(...tensors)} (not flat)`}` +
    ` (plus ${Math.min(...transient)} to ${Math.max(...transient)} in flight at the sample: metrics of steps awaiting their report, readbacks awaiting their data).`,
  `- tfjs tensor bytes: ${range('numBytes')}; page JS heap: ${range('pageHeap')}; whole page (all workers, wasm heaps): ${range('total')}.`,
  `- curve history: ${last.workerHistory} points in the worker, ${last.pageHistory} on the page (both capped: pairs merge past 20,000).`,
  errors.length ? `- page errors: ${errors.join('; ')}` : '- no page errors.',
  '',
  '| step | min | status | tensors (held + in flight) | tensor MB | page heap MB | whole page MB | history points (worker / page) |',
  '| ---: | --: | :----- | ------: | --------: | -----------: | ------------: | -----------------------------: |',
  ...rows.map(
    (r) =>
      `| ${r.step} | ${(r.seconds / 60).toFixed(1)} | ${r.status} | ${r.numTensors - r.transient} + ${r.transient} | ${mb(r.numBytes)} | ${mb(r.pageHeap)} | ${mb(r.total)} | ${r.workerHistory} / ${r.pageHistory} |`,
  ),
  '',
];
await writeFile(out, lines.join('\n'));
console.log(lines.slice(0, 8).join('\n'));
