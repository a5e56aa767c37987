// The training step on the tfjs wasm backend in Node: no browser, no app, for measuring levers
// of src/model and src/workers one at a time (bench/levers.md) and seeing which kernels take the
// time.
// Usage: npm run bench:step [-- --batch 64,256 --variant shared --arch mlp,conv --seconds 10
//        --matmul gemm,xnnpack,tfjs --adam fused,tfjs --profile]
// --matmul: the matrix product (src/runtime/wasm/tfjs/matmul.ts): the app's GEMM kernel [default],
//           XNNPACK with explicit transposes, or tfjs-backend-wasm's own; one row each.
// --adam:   the fused Adam update (src/runtime/wasm/tfjs/adam.ts) [default] or tfjs's; one row each.
// --compiled on,off: the MLP's compiled step (src/runtime/wasm/tfjs/dense-step.ts) [on] or tfjs's
//           autograd; one row each.
// --model H[xL][zD][p1],...: hidden units H in L layers, code size D, "p1" for a plain VAE trained
//           phase 1 alone (the likelihood preset's step); e.g. 1024z32p1,512x2z32p1 [the default].
// --rounds N: repeat the whole list of rows N times, alternating (A/B in one process) [1].
import { importTs } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const list = (name, fallback) => option(name, fallback).split(',');
const { run } = await importTs('bench/wasm-step.ts');
const rows = [];
for (let round = 0; round < Number(option('rounds', '1')); round++)
  for (const compiled of list('compiled', 'on')) {
    for (const matmul of list('matmul', 'gemm')) {
      for (const adam of list('adam', 'fused')) {
        for (const batch of list('batch', '64').map(Number)) {
          for (const model of list('model', '')) {
            for (const variant of list('variant', 'shared')) {
              for (const architecture of list('arch', 'mlp')) {
                const row = await run({
                  architecture,
                  backend: option('backend', 'wasm'),
                  batch,
                  variant,
                  matmul,
                  adam,
                  compiled: compiled === 'on',
                  seconds: Number(option('seconds', '10')),
                  warmup: Number(option('warmup', '5')),
                  profile: args.includes('--profile'),
                  ...parseModel(model),
                });
                rows.push(row);
                console.error(
                  `${row.backend} compiled=${compiled} matmul=${matmul} adam=${adam} ${architecture} ${variant} batch ${batch}: ` +
                    `${row.imagesPerSec.toFixed(0)} images/s (${row.imagesPerCpuSec.toFixed(0)} per CPU second)` +
                    (row.gflops === null ? '' : `, ${row.gflops.toFixed(2)} GFLOP/s`) +
                    (model ? ` [${model}]` : ''),
                );
              }
            }
          }
        }
      }
    }
  }
console.log(JSON.stringify(rows, null, 1));

function parseModel(text) {
  if (!text) return {};
  const m = /^(\d+)(?:x(\d+))?(?:z(\d+))?(p1)?$/.exec(text);
  if (!m) throw new Error(`--model ${text}: expected H[xL][zD][p1], e.g. 1024z32p1`);
  return {
    hiddenUnits: Number(m[1]),
    ...(m[2] ? { hiddenLayers: Number(m[2]) } : {}),
    ...(m[3] ? { latentDim: Number(m[3]) } : {}),
    phaseOne: Boolean(m[4]),
  };
}
