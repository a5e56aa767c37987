// `npm run bench:worker`: where the training worker's time goes in Chromium, and how busy its
// helper thread is. Builds the app without minification (so that the profiles keep the
// functions' names) into .scratch/bench-worker-profile, trains the default model at each batch
// size, and records Chrome's sampling profiler on the training worker and on the GEMM helper at
// once (over the DevTools protocol). Each sample of the trainer is put in one bucket: its share
// of the products' chunks, waiting for the helper's last chunk, a product it ran alone (the
// page held the helper, or a product of one chunk), and the JavaScript between products, by
// where it runs. The helper's samples are split into chunks and waiting for work.
// Writes bench/worker-profile.md.
// Usage: npm run bench:worker [-- --batch 64,256 --seconds 8 --warm 4 --rounds 2 --no-build]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { launchChromium, startPreview } from './harness.mjs';
import { formatSummary, summary } from './stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const batches = option('batch', '64,256').split(',').map(Number);
const seconds = Number(option('seconds', '8'));
const warm = Number(option('warm', '4'));
const rounds = Number(option('rounds', '2'));
const outDir = '.scratch/bench-worker-profile';
const debugPort = 9300 + Math.floor(Math.random() * 200);

if (typeof WebSocket === 'undefined') {
  console.error(
    'bench:worker needs a WebSocket (Node 22, or Node 20 with --experimental-websocket)',
  );
  process.exit(1);
}
if (!args.includes('--no-build')) {
  console.log(`building without minification into ${outDir} ...`);
  const built = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--minify', 'false', '--outDir', outDir],
    { stdio: 'ignore' },
  );
  if (built.status !== 0) throw new Error('vite build failed');
}

/** A DevTools protocol client over the browser's WebSocket, with flattened child sessions. */
async function devtools(port) {
  const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
  const ws = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.id && pending.has(data.id)) {
      pending.get(data.id)(data);
      pending.delete(data.id);
    }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, (d) => (d.error ? reject(new Error(d.error.message)) : resolve(d.result)));
      ws.send(JSON.stringify({ id: n, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  return { send, close: () => ws.close() };
}

/** Samples of a profile as [milliseconds, names of the stack from the leaf out]. */
function samples(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return profile.samples.map((id, i) => {
    const names = [];
    for (let x = id; x !== undefined; x = parent.get(x)) {
      names.push(byId.get(x).callFrame.functionName);
    }
    return [(profile.timeDeltas[i + 1] ?? 0) / 1000, names];
  });
}

const TRAINER_BUCKETS = [
  ['products, its share of the chunks', (f) => f.includes('runChunks')],
  [
    "waiting for the helper's last chunk",
    // GemmPool.join polls (performance.now) and then sleeps (Atomics.wait) on the helpers'
    // last chunks once its own part is done.
    (f) => ['join', 'publish'].includes(f[0]) || (f[0] === 'now' && f[1] === 'join'),
  ],
  ['a product alone (helper held by the page, or one chunk)', (f) => f.includes('runTask')],
  ["D's output layer (rowdot) and its losses", (f) => f.includes('dLogits')],
  ['binding: inputs, Adam state, outputs', (f) => f.includes('runCompiled')],
  ["tfjs's randomNormal (the noise)", (f) => f.includes('randomNormal_')],
  ["tfjs's plumbing around the step", (f) => f.includes('trainStep')],
  ['reports: probes, readback, curve points', (f) => f.includes('report')],
  ['the batch: bytes to floats, tensor', (f) => f.includes('next')],
  ['garbage collection', (f) => f[0] === '(garbage collector)'],
  ['idle', (f) => f[0] === '(idle)' || f[0] === '(program)'],
  ['the rest: messages, pictures, weights for the views', () => true],
];
const HELPER_BUCKETS = [
  ['products, its share of the chunks', (f) => f.includes('runChunks')],
  ['waiting for work', () => true],
];

function shares(profile, buckets) {
  const out = new Map(buckets.map(([name]) => [name, 0]));
  let all = 0;
  for (const [ms, names] of samples(profile)) {
    all += ms;
    const [name] = buckets.find(([, test]) => test(names));
    out.set(name, out.get(name) + ms);
  }
  for (const [name, ms] of out) out.set(name, (100 * ms) / all);
  return out;
}

const { base } = await startPreview(4300 + Math.floor(Math.random() * 300), outDir);
const browser = await launchChromium([`--remote-debugging-port=${debugPort}`]);
const cdp = await devtools(debugPort);
const results = new Map(); // batch -> { trainer: Map[], helper: Map[], stepsPerSec: [] }
for (let round = 0; round < rounds; round++) {
  for (const batch of batches) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}?backend=wasm&batch=${batch}`);
    await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
      timeout: 180_000,
    });
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForTimeout(warm * 1000);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const find = (re) => targetInfos.find((t) => t.type === 'worker' && re.test(t.url));
    const sessions = {};
    for (const [who, re] of [
      ['trainer', /trainer\.worker/],
      ['helper', /gemm-helper\.worker/],
    ]) {
      const target = find(re);
      if (!target) throw new Error(`no ${who} worker found`);
      const { sessionId } = await cdp.send('Target.attachToTarget', {
        targetId: target.targetId,
        flatten: true,
      });
      await cdp.send('Profiler.enable', {}, sessionId);
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 }, sessionId);
      sessions[who] = sessionId;
    }
    const step = () => page.evaluate(() => window.vaeganPlayground.getState().series.steps.at(-1));
    const s0 = await step();
    await Promise.all(Object.values(sessions).map((s) => cdp.send('Profiler.start', {}, s)));
    await page.waitForTimeout(seconds * 1000);
    const [trainer, helper] = await Promise.all(
      [sessions.trainer, sessions.helper].map((s) => cdp.send('Profiler.stop', {}, s)),
    );
    const stepsPerSec = ((await step()) - s0) / seconds;
    const entry = results.get(batch) ?? { trainer: [], helper: [], stepsPerSec: [] };
    entry.trainer.push(shares(trainer.profile, TRAINER_BUCKETS));
    entry.helper.push(shares(helper.profile, HELPER_BUCKETS));
    entry.stepsPerSec.push(stepsPerSec);
    results.set(batch, entry);
    console.log(
      `round ${round + 1}, batch ${batch}: ${stepsPerSec.toFixed(1)} steps/s; trainer in its ` +
        `chunks ${entry.trainer.at(-1).values().next().value.toFixed(1)} %, helper ` +
        `${entry.helper.at(-1).values().next().value.toFixed(1)} %`,
    );
    await page.close();
  }
}
cdp.close();
await browser.close();

const pct = (values) => formatSummary(summary(values), 1, ' %');
const lines = [
  '# Where the training worker’s time goes (npm run bench:worker)',
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: the default model in ` +
    `headless Chromium, the production build without minification, ${rounds} round(s) of ` +
    `${seconds} s of training per batch size after ${warm} s of warm-up; Chrome's sampling ` +
    'profiler on the training worker and the GEMM helper at once. Shares of each thread’s wall ' +
    'time, medians with their range over the rounds.',
  '',
];
for (const [batch, r] of results) {
  lines.push(
    `## Batch ${batch}: ${formatSummary(summary(r.stepsPerSec), 1)} steps/s`,
    '',
    '| thread | where | share of its time |',
    '| --- | --- | ---: |',
  );
  for (const [name] of TRAINER_BUCKETS) {
    lines.push(`| trainer | ${name} | ${pct(r.trainer.map((m) => m.get(name)))} |`);
  }
  for (const [name] of HELPER_BUCKETS) {
    lines.push(`| helper | ${name} | ${pct(r.helper.map((m) => m.get(name)))} |`);
  }
  lines.push('');
}
writeFileSync('bench/worker-profile.md', lines.join('\n'));
console.log(lines.join('\n'));
console.log('wrote bench/worker-profile.md');
process.exit(0);
