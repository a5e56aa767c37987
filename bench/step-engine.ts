// `npm run bench:engine`: the compiled training step (src/runtime/wasm/step) alone, without
// tfjs, on a shared memory in Node, on one thread and on two (a helper thread takes chunks, as
// in the browser): images per second, per CPU second, and where the time goes (--profile).
// Rounds alternate between the thread counts, so a drifting host affects both alike.
// With --levers, the step with each lever of dense-step.ts turned off in turn, alternating with
// all of them on, at the first thread count (bench/levers.md).
// Usage: npm run bench:engine [-- --threads 1,2 --batch 64,256 --seconds 5 --rounds 3 --profile
//        --wall (the profile in wall-clock time) --levers --hidden 1024 --latent 32 --phase-one
//        (phase 1 alone, the likelihood preset's step) --ping-pong (Adam into fresh buffers)]
import { Worker } from 'node:worker_threads';
import { instantiateKernels } from '../src/runtime/wasm/codegen/kernels';
import { CONTROL_SLOTS, GemmPool, type HelperInit } from '../src/runtime/wasm/gemm-pool';
import {
  ALL_LEVERS,
  DenseStep,
  type StepLevers,
  type TrainedLayer,
} from '../src/runtime/wasm/step/dense-step';
import type { StepRuntime } from '../src/runtime/wasm/step/tasks';
import { Workspace } from '../src/runtime/wasm/step/workspace';
import { DEFAULT_MODEL_CONFIG } from '../src/shared/config';
import { gflops, trainStepMacs } from '../src/shared/flops';

const memory = new WebAssembly.Memory({ initial: 4096, maximum: 65536, shared: true });
let top = 1 << 16;
function alloc(bytes: number): number {
  const at = top;
  top += Math.ceil(bytes / 64) * 64;
  if (top > memory.buffer.byteLength)
    memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
  return at;
}
function filled(n: number, f: (i: number) => number): number {
  const at = alloc(n * 4);
  const view = new Float32Array(memory.buffer, at, n);
  for (let i = 0; i < n; i++) view[i] = f(i);
  return at;
}
let seed = 1;
const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;

/**
 * A layer whose weights and moments Adam moves in place, as the app's kernels do whenever no
 * clone shares their buffers (src/runtime/wasm/tfjs/dense-step.ts); with `pingPong` they
 * alternate between two buffers instead, as they do in the app on the step after the divergence
 * guard's copy (one step in 50).
 */
function layer(inputs: number, outputs: number, pingPong: boolean) {
  const limit = Math.sqrt(6 / (inputs + outputs));
  const n = inputs * outputs;
  const sets = (pingPong ? [0, 1] : [0]).map(() => ({
    w: filled(n, () => uniform() * limit),
    b: filled(outputs, () => 0),
    wm: filled(n, () => 0),
    wv: filled(n, () => 0),
    bm: filled(outputs, () => 0),
    bv: filled(outputs, () => 0),
  }));
  let current = 0;
  return {
    get trained(): TrainedLayer {
      const [a, b] = [sets[current]!, sets[(current + 1) % sets.length]!];
      return {
        ...a,
        wOut: b.w,
        bOut: b.b,
        wmOut: b.wm,
        wvOut: b.wv,
        bmOut: b.bm,
        bvOut: b.bv,
      };
    },
    get now() {
      return { w: sets[current]!.w, b: sets[current]!.b };
    },
    flip() {
      current = (current + 1) % sets.length;
    },
  };
}

/** This process's CPU time in ms (all its threads). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function main(args: string[]) {
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1]! : fallback;
  };
  const threadCounts = option('threads', '1,2').split(',').map(Number);
  const batches = option('batch', '64,256').split(',').map(Number);
  const seconds = Number(option('seconds', '5'));
  const rounds = Number(option('rounds', '2'));
  const profile = args.includes('--profile');
  const kernels = instantiateKernels(memory, {
    memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
    relaxed: false,
  });
  const control = alloc(CONTROL_SLOTS * 4);
  const scratch = [alloc(64), alloc(64)];
  const helper = new Worker(new URL('../tests/helpers/gemm-helper-thread.mjs', import.meta.url), {
    workerData: { memory, relaxed: false, control, scratch: scratch[1]! } satisfies HelperInit,
  });
  const pool = new GemmPool(kernels, memory, control, [helper]);
  await new Promise((r) => setTimeout(r, 2000)); // the helper loads its kernels

  // The thread counts with every lever on; with --levers, all on then each off, alternating.
  const variants: { threads: number; levers: StepLevers; label: string }[] = args.includes(
    '--levers',
  )
    ? (Object.keys(ALL_LEVERS) as (keyof StepLevers)[]).flatMap((lever) => [
        { threads: threadCounts[0]!, levers: ALL_LEVERS, label: 'all levers' },
        {
          threads: threadCounts[0]!,
          levers: { ...ALL_LEVERS, [lever]: false },
          label: `${lever} off`,
        },
      ])
    : threadCounts.map((threads) => ({ threads, levers: ALL_LEVERS, label: 'all levers' }));
  const config = {
    ...DEFAULT_MODEL_CONFIG,
    hiddenUnits: Number(option('hidden', String(DEFAULT_MODEL_CONFIG.hiddenUnits))),
    latentDim: Number(option('latent', String(DEFAULT_MODEL_CONFIG.latentDim))),
  };
  const phaseOne = args.includes('--phase-one');
  const pingPong = args.includes('--ping-pong');
  const { hiddenUnits: H, latentDim: L } = config;
  const P = 784;
  const counted = trainStepMacs(config)!;
  const macs = phaseOne ? counted.vae : counted.total;
  const rows: Record<string, unknown>[] = [];
  const models = new Map<number, ReturnType<typeof makeModel>>();
  function makeModel(B: number) {
    const dims = { pixels: P, hidden: H, latent: L, batch: B };
    const timings = new Map<string, { ms: number; calls: number }>();
    const runtimes = variants.map((v): StepRuntime => ({
      kernels,
      memory,
      ...(v.threads > 1 ? { pool } : {}),
      scratch: scratch[0]!,
      // CPU time: on a busy host the wall clock mostly measures the other processes (--wall:
      // the wall clock, to see how each task scales with the threads).
      ...(profile
        ? { timings, clock: args.includes('--wall') ? () => performance.now() : cpuMs }
        : {}),
    }));
    const workspace = new Workspace(dims, alloc);
    const steps = runtimes.map((rt, i) => new DenseStep(rt, workspace, variants[i]!.levers));
    const net = {
      enc: [layer(P, H, pingPong), layer(H, 2 * L, pingPong)],
      dec: [layer(L, H, pingPong), layer(H, P, pingPong)],
      dis: [layer(P, H, pingPong), layer(H, 1, pingPong)],
    };
    const x = filled(B * P, () => (uniform() + 1) / 2);
    const eps = filled(B * L, uniform);
    const zPrior = filled(B * L, uniform);
    const out = {
      zTilde: alloc(B * L * 4),
      xTilde: alloc(B * P * 4),
      xPrior: alloc(B * P * 4),
      stack: alloc(3 * B * P * 4),
      hidden: alloc(2 * B * H * 4),
      latents: alloc(2 * B * L * 4),
    };
    let t = 0;
    const adam = (beta1: number, lr: number) => {
      t += 1;
      return {
        beta1,
        beta2: 0.999,
        c1: 1 - beta1 ** t,
        c2: 1 - 0.999 ** t,
        learningRate: lr,
        epsilon: 1e-7,
      };
    };
    const two = <T>(l: { trained: T }[]) => [l[0]!.trained, l[1]!.trained] as const;
    const now = (l: ReturnType<typeof layer>[]) => [l[0]!.now, l[1]!.now] as const;
    const flip = (l: ReturnType<typeof layer>[]) => l.forEach((x) => x.flip());
    return {
      timings,
      step(which: number) {
        const s = steps[which]!;
        s.vae({
          x,
          eps,
          encoder: two(net.enc),
          decoder: two(net.dec),
          adam: adam(0.9, 1e-3),
          beta: 1,
          freeBits: 0,
        });
        flip(net.enc);
        flip(net.dec);
        if (phaseOne) return;
        s.fakes({
          x,
          eps,
          zPrior,
          encoder: now(net.enc),
          decoder: now(net.dec),
          generator: now(net.dec),
          out,
        });
        s.discriminator({
          stack: out.stack,
          discriminator: two(net.dis),
          adam: adam(0.5, 2e-4),
          threeBatches: true,
        });
        flip(net.dis);
        s.generator({
          stack: out.stack,
          hidden: out.hidden,
          latents: out.latents,
          discriminator: now(net.dis),
          generator: two(net.dec),
          adam: adam(0.5, 2e-5),
          threeBatches: true,
          form: 'non-saturating',
          separate: false,
        });
        flip(net.dec);
      },
    };
  }
  for (let round = 0; round < rounds; round++) {
    for (const B of batches) {
      if (!models.has(B)) models.set(B, makeModel(B));
      const model = models.get(B)!;
      for (const [which, { threads, label }] of variants.entries()) {
        for (let i = 0; i < 3; i++) model.step(which);
        model.timings.clear();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < seconds * 1000 || n < 5) {
          model.step(which);
          n += 1;
        }
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const imagesPerSec = (n * B) / (ms / 1000);
        const row = {
          round,
          batch: B,
          threads,
          variant: label,
          imagesPerSec: Math.round(imagesPerSec),
          msPerStep: Number((ms / n).toFixed(2)),
          cpuMsPerStep: Number(((cpu.user + cpu.system) / 1000 / n).toFixed(2)),
          gflops: Number(gflops(macs, imagesPerSec).toFixed(1)),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
        if (profile) {
          const total = [...model.timings.values()].reduce((a, e) => a + e.ms, 0) / n;
          console.error(`  tasks ${total.toFixed(2)} CPU ms of ${row.cpuMsPerStep} a step:`);
          for (const [label, e] of [...model.timings.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
            console.error(`  ${(e.ms / n).toFixed(3).padStart(7)} ms  ${label} (${e.calls / n}x)`);
          }
        }
      }
    }
  }
  pool.dispose();
  console.log(JSON.stringify(rows));
  process.exit(0);
}
