// Import speed of "Your own images" in the production app, headless Debian Chromium: the page
// draws N PNG pictures (on canvases), drops them on the drop zone, and the import worker decodes,
// centres and resizes them; the app reports the time it took ("Loaded N images ... in X s").
// Usage: npm run build && node bench/user-images.mjs [--count 2000] [--port 4380]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { launchChromium, startPreview } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const count = Number(option('count', '2000'));
const port = Number(option('port', '4380'));
const cases = [
  { what: 'small grey-ish drawings, 64 x 48 PNG', width: 64, height: 48, colour: false },
  { what: 'photo-sized pictures, 640 x 480 PNG', width: 640, height: 480, colour: false },
  {
    what: 'photo-sized pictures, 640 x 480 PNG, kept in colour',
    width: 640,
    height: 480,
    colour: true,
  },
];

const { base, stop } = await startPreview(port);
const browser = await launchChromium();
const rows = [];
try {
  for (const c of cases) {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
    if (c.colour) await page.getByLabel('Keep colour (32×32)').check();
    const transfer = await page.evaluateHandle(
      async ({ n, width, height }) => {
        const dt = new DataTransfer();
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d');
        for (let i = 0; i < n; i++) {
          ctx.fillStyle = `hsl(${(i * 37) % 360} 60% 40%)`;
          ctx.fillRect(0, 0, width, height);
          ctx.fillStyle = `hsl(${(i * 91) % 360} 80% 70%)`;
          ctx.beginPath();
          ctx.arc(
            width / 2,
            height / 2,
            (Math.min(width, height) / 2) * (0.3 + (i % 7) / 10),
            0,
            7,
          );
          ctx.fill();
          const blob = await canvas.convertToBlob({ type: 'image/png' });
          dt.items.add(
            new File([blob], `set/${i % 2 ? 'a' : 'b'}/${i}.png`, { type: 'image/png' }),
          );
        }
        return dt;
      },
      { n: count, width: c.width, height: c.height },
    );
    const zone = page.getByRole('region', { name: 'Drop zone for your images' });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    const message = page.getByTestId('user-images-message');
    await message.getByText(/Loaded|Only/).waitFor({ timeout: 600_000 });
    const text = (await message.textContent()) ?? '';
    const seconds = Number(/ in ([\d.]+) s/.exec(text)?.[1] ?? Number.NaN);
    rows.push({ ...c, count, seconds, perSecond: count / seconds });
    console.log(`${c.what}: ${count} images in ${seconds} s (${(count / seconds).toFixed(0)}/s)`);
    await page.close();
  }
} finally {
  await browser.close();
  stop();
}

const lines = [
  '# Import speed of your own images',
  '',
  `Measured by \`node bench/user-images.mjs --count ${count}\` on ${os.cpus().length} cores ` +
    `(${os.cpus()[0]?.model ?? 'unknown CPU'}), headless Chromium, ${new Date().toISOString().slice(0, 10)}.`,
  'Time from the drop to the set being ready in the import worker (decode, centre, resize,',
  'split), as the app reports it. On a shared machine these numbers are only comparable with',
  'each other.',
  '',
  '| pictures | images | seconds | images/s |',
  '| --- | --- | --- | --- |',
  ...rows.map(
    (r) => `| ${r.what} | ${r.count} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(0)} |`,
  ),
  '',
];
await writeFile('bench/user-images-results.md', lines.join('\n'));
