#!/usr/bin/env node
// Screenshots of the production build for the documentation (docs/screenshots/): the dashboard
// at 1366 x 768 after Train (a first visit, with the tour, dark theme; and without the tour,
// light theme) and a phone at 390 x 844 (its first screen after Train, and the whole page).
// Served by scripts/static-server.mjs with the build's _headers file.
//
// Usage: npm run build && node bench/screenshots.mjs [--steps 300]
import { mkdir } from 'node:fs/promises';
import { launchChromium } from './harness.mjs';
import { startStaticServer } from '../scripts/static-server.mjs';

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 300;
const out = 'docs/screenshots';
await mkdir(out, { recursive: true });

const server = await startStaticServer({ dir: 'dist', port: 4186 });
const browser = await launchChromium();

/** One shot: a fresh context of that size and theme, trained for `steps` steps. */
async function shot(name, { width, height, scheme, tour, mobile = false, fullPage = false }) {
  const context = await browser.newContext({
    viewport: { width, height },
    colorScheme: scheme,
    isMobile: mobile,
    hasTouch: mobile,
  });
  const page = await context.newPage();
  if (!tour) {
    await page.addInitScript(() => localStorage.setItem('vaegan-playground.tour', 'done'));
  }
  await page.goto(server.url);
  await page.waitForFunction(() => window.vaeganPlayground?.getState().status === 'ready', null, {
    timeout: 180_000,
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction((n) => window.vaeganPlayground.getState().step >= n, steps, {
    timeout: 300_000,
  });
  await page.waitForTimeout(1500); // a redraw of the curves
  const path = `${out}/${name}.png`;
  await page.screenshot({ path, fullPage });
  const size = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.scrollHeight,
  ]);
  console.log(`screenshots: ${path} (page ${size[0]} x ${size[1]})`);
  await context.close();
}

await shot('dashboard-1366x768-dark', { width: 1366, height: 768, scheme: 'dark', tour: true });
await shot('dashboard-1366x768-light', { width: 1366, height: 768, scheme: 'light', tour: false });
await shot('phone-390x844', { width: 390, height: 844, scheme: 'dark', tour: true, mobile: true });
await shot('phone-390x844-whole-page', {
  width: 390,
  height: 844,
  scheme: 'light',
  tour: false,
  mobile: true,
  fullPage: true,
});
await browser.close();
await server.close();
