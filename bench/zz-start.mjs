import { launchChromium, startPreview } from './harness.mjs';
const { base, stop } = await startPreview(4198);
const browser = await launchChromium();
for (let run = 0; run < 2; run++) {
  const page = await browser.newPage();
  const t0 = Date.now();
  const log = [];
  await page.goto(`${base}`);
  let last = '';
  for (;;) {
    const s = await page
      .evaluate(() => {
        const v = window.vaeganPlayground?.getState();
        return v
          ? `${v.status} | ${v.progress?.label ?? ''} ${v.progress ? Math.round(v.progress.fraction * 100) : ''} | ${v.backend?.name ?? ''}`
          : 'no api';
      })
      .catch(() => 'eval failed');
    if (s !== last) {
      log.push(`${Date.now() - t0} ms: ${s}`);
      last = s;
    }
    if (s.startsWith('ready')) break;
    if (Date.now() - t0 > 60000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(log.join('\n'));
  await page.close();
}
await browser.close();
stop();
process.exit(0);
