// The training step on the tfjs wasm backend in Node: no browser, no app, for measuring levers
// of src/model one at a time (bench/levers.md) and seeing which kernels take the time.
// Usage: npm run bench:step [-- --batch 64,256 --variant shared --arch mlp,conv --seconds 10
//        --compare --profile]
// --compare: each row without and then with the wasm matMul patch (src/workers/wasm-matmul.ts).
import { importTs } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const { run } = await importTs('bench/wasm-step.ts');
const rows = [];
// The patch cannot be taken back once installed: with --compare every unpatched row runs first.
const patches = args.includes('--compare') ? [false, true] : [!args.includes('--no-patch')];
for (const patch of patches) {
  for (const batch of option('batch', '64').split(',').map(Number)) {
    for (const [variant, architecture] of option('variant', 'shared')
      .split(',')
      .flatMap((v) => option('arch', 'mlp').split(',').map((a) => [v, a]))) {
      const row = await run({
        architecture,
        backend: option('backend', 'wasm'),
        batch,
        variant,
        patch,
        seconds: Number(option('seconds', '10')),
        warmup: Number(option('warmup', '5')),
        profile: args.includes('--profile'),
      });
      rows.push(row);
      console.error(
        `${row.backend}${patch ? '' : ' (unpatched matMul)'} ${architecture} ${variant} batch ${batch}: ` +
          `${row.imagesPerSec.toFixed(0)} images/s` +
          (row.gflops === null ? '' : `, ${row.gflops.toFixed(2)} GFLOP/s`),
      );
    }
  }
}
console.log(JSON.stringify(rows, null, 1));
