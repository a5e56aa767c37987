import { defineConfig } from '@playwright/test';

const CI = !!process.env.CI;
// E2E_PORT lets several checkouts run their end-to-end tests side by side.
const port = Number(process.env.E2E_PORT ?? 4173);
const baseURL = `http://127.0.0.1:${port}`;

/**
 * Chromium comes from Debian (`/usr/bin/chromium`), never from `npx playwright install`.
 * Measured with Chromium 156 headless on a machine without a GPU:
 * - `--enable-unsafe-webgpu` is the only flag WebGPU needs: without it `requestAdapter()` resolves
 *   to null ("No available adapters."); with it both the page and a module worker get the
 *   SwiftShader adapter (`adapter.info.architecture === 'swiftshader'`, `info.isFallbackAdapter`).
 * - `--enable-unsafe-swiftshader` keeps software WebGL2 (ANGLE on SwiftShader Vulkan) working
 *   without the "Automatic fallback to software WebGL has been deprecated" warning. Playwright
 *   already adds it by default; it is listed so that stays true if that default changes.
 * - No `--use-angle`, `--use-webgpu-adapter` or `--enable-features=Vulkan` is needed.
 * - The other flags keep Chromium quiet on a closed network and run it as root.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

export default defineConfig({
  testDir: 'e2e',
  // Training is CPU heavy and the machines have two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // CI has 90 minutes for everything; stop a hung run early enough to still get a report.
  globalTimeout: CI ? 40 * 60_000 : 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
  },
  // Serves the production build in dist/ (built by `npm test` before the e2e run) with the
  // COOP/COEP headers from vite.config.ts, on 127.0.0.1 so WebGPU sees a secure context.
  webServer: {
    // Fail at once with a clear message instead of waiting out the timeout on 404s.
    command:
      'test -f dist/index.html || { echo "e2e: no build in dist/; run npm run build first" >&2; exit 1; }; ' +
      `npm run preview -- --port ${port}`,
    url: baseURL,
    reuseExistingServer: !CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
