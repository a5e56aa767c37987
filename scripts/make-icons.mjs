#!/usr/bin/env node
// Writes the app's icons into public/icons/ (committed; run again after changing the drawing):
// icon.svg, and PNGs rendered from it by Chromium at 192 and 512 px, plus a maskable 512 px PNG
// whose drawing keeps to the middle 80 % (the safe zone a launcher's mask never cuts).
// The drawing is the favicon's: a V (VAE, GAN) on the page's dark background.
//
// Usage: node scripts/make-icons.mjs
import { mkdir, writeFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';

const BACKGROUND = '#0b1120';
const ACCENT = '#38bdf8';

/** The icon as SVG; `maskable` fills the square and draws inside the safe zone. */
function svg({ maskable }) {
  const scale = maskable ? 0.8 : 1;
  const corner = maskable ? 0 : 96;
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">',
    `<rect width="512" height="512" rx="${corner}" fill="${BACKGROUND}"/>`,
    `<g transform="translate(256 256) scale(${scale}) translate(-256 -256)">`,
    `<path d="M112 148 L256 388 L400 148" fill="none" stroke="${ACCENT}" stroke-width="64" stroke-linecap="round" stroke-linejoin="round"/>`,
    `<circle cx="256" cy="148" r="30" fill="${ACCENT}" opacity="0.55"/>`,
    '</g>',
    '</svg>',
  ].join('');
}

await mkdir('public/icons', { recursive: true });
await writeFile('public/icons/icon.svg', `${svg({ maskable: false })}\n`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage();
for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg({ maskable })}`,
  );
  await writeFile(`public/icons/${name}`, await page.screenshot({ omitBackground: true }));
}
await browser.close();
console.log('make-icons: wrote public/icons/icon.svg and three PNGs');
