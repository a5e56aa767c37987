// Latent pad latency of the production app in headless Debian Chromium: from a pointer event
// on the pad to the decoded image's pixels, while paused and while training.
// Drags the handle like a person (mouse down, moves at about 60 Hz, mouse up); the page records
// each sample itself (src/features/explorer/client/pad-decoding.ts, window.vaeganExplorer.latencies()).
// Writes bench/latent-latency.md. Usage: npm run build && npm run bench:latent [-- --moves 400]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const moves = Number(option('moves', '400'));
const backend = option('backend', 'auto');
const warmupMs = Number(option('warmup', '6000'));
const port = Number(option('port', '4181'));
// page: the pad decodes on the page (dense fast path); worker: in the explorer worker (?pad=worker).
const paths = option('paths', 'page,worker').split(',');
const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const chromiumVersion = browser.version();
let page;
let box;

/** One drag of `count` moves along a Lissajous curve over the pad, about one move per frame. */
async function drag(count) {
  const at = (i) => ({
    x: box.x + box.width * (0.5 + 0.4 * Math.sin(i / 23)),
    y: box.y + box.height * (0.5 + 0.4 * Math.sin(i / 17 + 1)),
  });
  const first = at(0);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (let i = 1; i <= count; i++) {
    const p = at(i);
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  await page.waitForTimeout(200);
}

const quantile = (sorted, q) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];

async function measure(label) {
  // Warm-up drag (JIT, first wasm calls), not counted.
  await drag(40);
  await page.evaluate(() => window.vaeganExplorer.clearLatencies());
  const load = os.loadavg()[0];
  const steps0 = await page.evaluate(() => window.vaeganPlayground.getState().step);
  const t0 = Date.now();
  await drag(moves);
  const seconds = (Date.now() - t0) / 1000;
  const steps1 = await page.evaluate(() => window.vaeganPlayground.getState().step);
  const samples = await page.evaluate(() => window.vaeganExplorer.latencies());
  const stats = {};
  for (const [name, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    stats[name] = {
      n: sorted.length,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      max: sorted.at(-1) ?? Number.NaN,
    };
  }
  const row = { label, moves, stats, stepsPerSec: (steps1 - steps0) / seconds, load };
  console.log(
    `${label}: paint p50 ${stats.paint.p50.toFixed(1)} ms, p95 ${stats.paint.p95.toFixed(1)} ms; ` +
      `frame p50 ${stats.frame.p50.toFixed(1)} ms, p95 ${stats.frame.p95.toFixed(1)} ms ` +
      `(${stats.paint.n} paints for ${moves} moves, ${row.stepsPerSec.toFixed(1)} training steps/s, load ${load.toFixed(2)})`,
  );
  return row;
}

const rows = [];
let backendName = '';
const wheres = {};
for (const path of paths) {
  page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(`${base}?backend=${backend}${path === 'worker' ? '&pad=worker' : ''}`);
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 120_000,
  });
  await page.waitForFunction(() => window.vaeganExplorer?.getState().scatter !== null, null, {
    timeout: 120_000,
  });
  const pad = page.getByRole('slider', { name: 'Latent pad' });
  await pad.scrollIntoViewIfNeeded();
  box = await pad.boundingBox();
  backendName = await page.evaluate(() => {
    const s = window.vaeganPlayground.getState();
    return `${s.backend?.name} (${s.backend?.detail})`;
  });
  wheres[path] = await page.evaluate(() => {
    const s = window.vaeganExplorer.getState();
    return `${s.padDecoder}; the explorer worker runs ${s.backend?.name}`;
  });
  // Paused: train a little first, so the pad shows a model that has learned something.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForTimeout(warmupMs);
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => window.vaeganPlayground.getState().status === 'paused');
  await page.waitForTimeout(1000);
  rows.push(await measure(`${path}, paused`));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForTimeout(warmupMs);
  rows.push(await measure(`${path}, training`));
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.close();
}
await browser.close();
stop();

const f = (v) => v.toFixed(1);
const table = [
  '| while | moves | painted | event → pixels p50 / p95 / max (ms) | event → frame p50 / p95 (ms) | input delay p50 / p95 | worker round trip p50 / p95 | decode p50 / p95 | training steps/s | load (1 min) |',
  '| --- | ---: | ---: | --- | --- | --- | --- | --- | ---: | ---: |',
  ...rows.map(
    ({ label, moves: m, stats: s, stepsPerSec, load }) =>
      `| ${label} | ${m} | ${s.paint.n} | ${f(s.paint.p50)} / ${f(s.paint.p95)} / ${f(s.paint.max)} | ` +
      `${f(s.frame.p50)} / ${f(s.frame.p95)} | ${f(s.input.p50)} / ${f(s.input.p95)} | ` +
      `${f(s.roundtrip.p50)} / ${f(s.roundtrip.p95)} | ${f(s.decode.p50)} / ${f(s.decode.p95)} | ` +
      `${stepsPerSec.toFixed(1)} | ${load.toFixed(2)} |`,
  ),
].join('\n');
const report = `# Latent pad latency

Measured by \`npm run bench:latent\` (bench/latent-latency.mjs) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC:
${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), no GPU, headless Chromium ${chromiumVersion}.
Training backend: ${backendName}.
Pad decoding: \`page\` rows: ${wheres.page ?? 'not run'}; \`worker\` rows (\`?pad=worker\`): ${wheres.worker ?? 'not run'}.
Default model (MLP 784-512-16, batch 64). Each row drags the pad's handle with ${moves} mouse moves,
about one per 16 ms, after a 40-move warm-up drag.

- **event → pixels**: from the pointer event's \`timeStamp\` to the moment the decoded image has been
  written into its canvas (\`putImageData\` returned). A painted answer is timed from the oldest
  move it answers, so moves that were coalesced away still count.
- The decoded image appears in the same task as the pointer event on the page path; on the worker
  path it waits for a message round trip to the explorer worker (latest code only, one in flight).
- **event → frame**: to the \`requestAnimationFrame\` callback after that, i.e. the start of the
  frame that shows the pixels.
- **input delay**: pointer event to its handler on the main thread (the page's own work, e.g.
  redrawing the charts, shows up here). **worker round trip**: the comlink decode call.
  **decode**: the decode itself (one 16 → 512 → 784 pass, in TypeScript on the page or on wasm in
  the worker).
- **load**: the machine's 1-minute load average when the row started; the machine has 2 cores,
  so anything above about 2 means other processes competed for them.

${table}
`;
await writeFile('bench/latent-latency.md', report);
console.log('\nwrote bench/latent-latency.md');
process.exit(0);
