// Runs a TypeScript file of this project under Node through Vite's module runner (Node 20 has no
// TypeScript of its own), then calls its exported `main(args)`.
// Usage: node scripts/run-ts.mjs scripts/train-classifiers.ts [args...]
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const { module } = await runnerImport(`./${file.replace(/^\.\//, '')}`, {
  configFile: false,
  logLevel: 'error',
  resolve: {
    // src/model/tf.ts registers tfjs-core's gradients and chained ops through its bundler-only
    // ES modules; under Node the union's CommonJS build does the same (see that file).
    alias: [
      {
        find: /^@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)$/,
        replacement: fileURLToPath(new URL('./tfjs-node-registrations.mjs', import.meta.url)),
      },
    ],
  },
});
await module.main(args);
