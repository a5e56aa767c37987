// What every benchmark needs: the production build served by `vite preview` with its COOP/COEP
// headers, and Debian's Chromium started with the flags of ../shared/ENVIRONMENT.md.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

/** Chromium flags: quiet on a closed network, as root, WebGPU through SwiftShader. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

/**
 * Serves dist/ (or the build in `outDir`) on 127.0.0.1:`port` and resolves with its base URL
 * once it answers. Node runs Vite directly (no npx wrapper), so the server stops with this
 * process.
 */
export async function startPreview(port, outDir = 'dist') {
  if (!existsSync(`${outDir}/index.html`)) {
    console.error(`bench: no build in ${outDir}/; run npm run build first`);
    process.exit(1);
  }
  const base = `http://127.0.0.1:${port}/`;
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
      '--outDir',
      outDir,
    ],
    { stdio: 'ignore' },
  );
  process.on('exit', () => server.kill());
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 300) throw new Error('preview server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, stop: () => server.kill() };
}

/** Debian's Chromium (or $CHROMIUM_PATH), headless, with CHROMIUM_ARGS and `extraArgs`. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * Imports a TypeScript module of this project under Node: bundled by rolldown (Vite's bundler)
 * into the ignored .scratch/bench folder, so its bare imports resolve from this project.
 */
export async function importTs(entry) {
  const { build } = await import('rolldown');
  const { mkdir } = await import('node:fs/promises');
  const path = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dir = path.resolve('.scratch/bench');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry).replace(/\.ts$/, '')}.mjs`);
  // src/model/tf.ts registers tfjs-core's gradients and chained ops through bundler-only ES
  // modules; under Node the union's CommonJS build does the same (scripts/run-ts.mjs does this too).
  const registrations = path.resolve('scripts/tfjs-node-registrations.mjs');
  const bundlerOnly =
    /^@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)$/;
  await build({
    input: entry,
    platform: 'node',
    plugins: [
      {
        name: 'tfjs-node-registrations',
        resolveId: (id) => (bundlerOnly.test(id) ? { id: registrations, external: true } : null),
      },
    ],
    external: (id) => /^@tensorflow\//.test(id) && !bundlerOnly.test(id),
    logLevel: 'silent',
    output: { file, format: 'esm' },
  });
  return import(`${pathToFileURL(file).href}?t=${Date.now()}`);
}

/** Jiffies the whole machine spent busy (not idle, not waiting for I/O), from /proc/stat. */
function machineBusyJiffies() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** Jiffies used by process `root` and its live descendants, reaped children included. */
function treeJiffies(root) {
  const parent = new Map();
  const used = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      // utime, stime, cutime, cstime
      used.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // the process ended meanwhile
    }
  }
  let sum = 0;
  for (const [pid, jiffies] of used) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) {
        sum += jiffies;
        break;
      }
    }
  }
  return sum;
}

/**
 * Watches how much CPU the rest of the machine takes while a benchmark runs: `stop()` returns
 * the average number of cores used by processes outside this one's tree since the start (on
 * Linux; null elsewhere). A benchmark on a busy machine can say so itself.
 */
export function watchForeignLoad() {
  if (!existsSync('/proc/stat')) return { stop: () => null };
  const t0 = Date.now();
  const busy0 = machineBusyJiffies();
  const own0 = treeJiffies(process.pid);
  return {
    stop() {
      const seconds = (Date.now() - t0) / 1000;
      const foreign = machineBusyJiffies() - busy0 - (treeJiffies(process.pid) - own0);
      return Math.max(0, foreign / 100 / seconds); // USER_HZ is 100 on Linux
    },
  };
}

/**
 * Opens the "Save and share" tab and clicks each button in turn, saving its download to the
 * file beside it: saveDownloads(page, [['Export weights (.zip)', '/tmp/run.zip'], …]).
 */
export async function saveDownloads(page, buttonsToFiles) {
  await page.getByRole('tab', { name: 'Save and share', exact: true }).click();
  for (const [name, file] of buttonsToFiles) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name }).click(),
    ]);
    await download.saveAs(file);
  }
}

/** Runs a command; resolves with the last line of its output, parsed as JSON. */
export function lastJson(command, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').at(-1)))
        : reject(new Error(`${argv.join(' ')} exited with ${code}`)),
    );
  });
}
