// What a first visit downloads: the bytes the server writes (status lines, headers and bodies
// as sent, after compression) from opening the page in a fresh browser profile to the first
// training step on MNIST, grouped by kind; then everything the visit fetched once the network
// is quiet (the service worker's precache included). The build is served by
// scripts/static-server.mjs, which gzips text as common static hosts do and sends the
// `_headers` file of the folder (COOP/COEP, so the wasm threads run as they will when hosted).
// Writes (or replaces) the section of its --label in bench/first-visit.md.
//
// Usage: npm run build && npm run bench:first-visit [-- --label after --dir dist --no-gzip]
import { readFile, writeFile } from 'node:fs/promises';
import { launchChromium } from './harness.mjs';
import { startStaticServer } from '../scripts/static-server.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const dir = option('dir', 'dist');
const label = option('label', 'current build');
const out = option('out', 'bench/first-visit.md');
const port = Number(option('port', '4187'));
const gzip = !args.includes('--no-gzip');

const server = await startStaticServer({ dir, port, gzip, headers: true });
const browser = await launchChromium();
const context = await browser.newContext();
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

const t0 = Date.now();
await page.goto(server.url);
// A host without the isolation headers reloads once through the service worker; waiting for
// the store survives that navigation.
await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
  timeout: 300_000,
});
const readyMs = Date.now() - t0;
const backend = await page.evaluate(() => {
  const b = window.vaeganPlayground.getState().backend;
  return b ? `${b.name} (${b.detail})` : '?';
});
const isolated = await page.evaluate(() => crossOriginIsolated);
await page.getByRole('button', { name: 'Train', exact: true }).click();
await page.waitForFunction(() => window.vaeganPlayground.getState().step >= 1, null, {
  timeout: 120_000,
});
const firstStepMs = Date.now() - t0;
const toFirstStep = server.served.slice();

// The rest of the visit: until no response for 5 s (at most 90 s).
let seen = server.served.length;
let quietSince = Date.now();
while (Date.now() - quietSince < 5_000 && Date.now() - t0 < firstStepMs + 90_000) {
  await new Promise((r) => setTimeout(r, 250));
  if (server.served.length !== seen) {
    seen = server.served.length;
    quietSince = Date.now();
  }
}
const wholeVisit = server.served.slice();
await page.getByRole('button', { name: 'Pause' }).click();
await browser.close();
await server.close();

/** The kind of a response, for the table. */
function kind(path) {
  if (path.includes('/datasets/')) return 'data set';
  if (path.includes('/classifiers/')) return 'classifier';
  if (/\.wasm$/.test(path)) return 'WebAssembly';
  if (/\.(woff2?|ttf)$/.test(path)) return 'fonts';
  if (/\.m?js$/.test(path)) return 'scripts';
  if (/\.css$/.test(path)) return 'styles';
  return 'page, manifest, icons';
}

const mb = (bytes) => (bytes / 1e6).toFixed(2);
function table(served) {
  const groups = new Map();
  for (const r of served) {
    const g = groups.get(kind(r.path)) ?? { bytes: 0, requests: 0 };
    g.bytes += r.bytes;
    g.requests += 1;
    groups.set(kind(r.path), g);
  }
  const rows = [...groups].sort((a, b) => b[1].bytes - a[1].bytes);
  const total = served.reduce((s, r) => s + r.bytes, 0);
  return {
    total,
    text: [
      '| kind | MB | requests |',
      '| --- | ---: | ---: |',
      ...rows.map(([name, g]) => `| ${name} | ${mb(g.bytes)} | ${g.requests} |`),
      `| **total** | **${mb(total)}** | **${served.length}** |`,
    ].join('\n'),
  };
}
function largest(served, n) {
  return served
    .slice()
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n)
    .map(
      (r) =>
        `| \`${r.path.replace(/^.*\/(assets|datasets|classifiers)\//, '$1/')}\` | ${mb(r.bytes)} | ${r.status} |`,
    )
    .join('\n');
}

const first = table(toFirstStep);
const whole = table(wholeVisit);
const date = new Date().toISOString().slice(0, 10);
const section = [
  `## ${label}`,
  '',
  `${date}, Chromium ${browser.version()}, \`${dir}\` served by scripts/static-server.mjs ` +
    `(${gzip ? 'text gzipped, as common hosts do' : 'nothing compressed'}, its \`_headers\` file). ` +
    `Cross-origin isolated: ${isolated}; backend ${backend}. Ready after ${(readyMs / 1000).toFixed(1)} s, ` +
    `first step after ${(firstStepMs / 1000).toFixed(1)} s (times on a shared machine, not results).` +
    (errors.length > 0 ? ` Page errors: ${errors.join('; ')}.` : ''),
  '',
  `**From opening the page to the first training step: ${mb(first.total)} MB.**`,
  '',
  first.text,
  '',
  `The whole first visit, until the network was quiet for 5 s: ${mb(whole.total)} MB.`,
  '',
  whole.text,
  '',
  'Largest responses before the first step:',
  '',
  '| file | MB | status |',
  '| --- | ---: | ---: |',
  largest(toFirstStep, 8),
  '',
].join('\n');

let previous = '';
try {
  previous = await readFile(out, 'utf8');
} catch {
  // first run
}
const header =
  '# First visit: bytes transferred\n\n' +
  'Written by `bench/first-visit.mjs` (`npm run build && npm run bench:first-visit -- --label <name>`).\n';
const sections = previous
  .split(/^(?=## )/m)
  .filter((s) => s.startsWith('## ') && !s.startsWith(`## ${label}\n`));
await writeFile(out, [header, ...sections.map((s) => s.trimEnd() + '\n'), section].join('\n'));
console.log(section);
if (args.includes('--verbose')) {
  for (const r of wholeVisit) console.log(`${r.status} ${String(r.bytes).padStart(9)} ${r.path}`);
}
