// Runs a TypeScript file of this project under Node through Vite's module runner (Node 20 has no
// TypeScript of its own), then calls its exported `main(args)`.
// Usage: node scripts/run-ts.mjs scripts/train-classifiers.ts [args...]
import { runnerImport } from 'vite';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const { module } = await runnerImport(`./${file.replace(/^\.\//, '')}`, {
  configFile: false,
  logLevel: 'error',
});
await module.main(args);
