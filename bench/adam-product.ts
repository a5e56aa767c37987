// `npm run bench:adam`: the weight-gradient product with Adam in its ending (the compiled step's
// gemm_adam, src/runtime/wasm/codegen/step-gemm.ts) against the same product stored (gemm_store),
// on one thread in Node, for the batch sizes of the step's weight gradients (K = 64 to 768 rows).
// The two alternate in one process, so the ratio is immune to the host's drift; Adam updates the
// weight and its moments in place (the app's case) or into fresh buffers (--ping-pong too).
// Usage: npm run bench:adam [-- --k 64,192,768 --rounds 5]
import { instantiateKernels } from '../src/runtime/wasm/codegen/kernels';
import { packedLength } from '../src/runtime/wasm/codegen/tiles';
import { type StepRuntime, TaskIssuer } from '../src/runtime/wasm/step/tasks';

/** The weight: D's and the encoder's first layer, 784 x 512. */
const M = 784;
const N = 512;

export async function main(args: string[]) {
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1]! : fallback;
  };
  const ks = option('k', '64,192,768').split(',').map(Number);
  const rounds = Number(option('rounds', '5'));
  const pingPong = args.includes('--ping-pong');
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: 65536, shared: true });
  let top = 1 << 16;
  const alloc = (bytes: number, fill = 0) => {
    const at = top;
    top += Math.ceil(bytes / 64) * 64;
    if (top > memory.buffer.byteLength)
      memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    new Float32Array(memory.buffer, at, bytes / 4).fill(fill);
    return at;
  };
  const kernels = instantiateKernels(memory, {
    memory: { shared: true, minimumPages: 1, maximumPages: 65536 },
    relaxed: false,
  });
  const rt: StepRuntime = { kernels, memory, scratch: alloc(64) };
  const kMax = Math.max(...ks);
  const tasks = new TaskIssuer(
    rt,
    alloc(TaskIssuer.descriptorBytes),
    alloc(packedLength(kMax, N) * 4),
    alloc(packedLength(kMax, M) * 4),
  );
  const x = alloc(kMax * M * 4, 0.3);
  const dy = alloc(kMax * N * 4, 0.2);
  const weight = () => ({ w: alloc(M * N * 4, 0.01), m: alloc(M * N * 4), v: alloc(M * N * 4) });
  const [now, next] = [weight(), weight()];
  const bias = () => alloc(N * 4);
  const b = { w: bias(), m: bias(), v: bias() };
  const c = alloc(M * N * 4);
  const colsum = alloc(N * 4);
  const partials = alloc(1024);
  const adam = { beta1: 0.5, beta2: 0.999, c1: 0.5, c2: 0.001, learningRate: 2e-4, epsilon: 1e-7 };
  const variants = (k: number): Record<string, () => void> => {
    const product = { a: x, aT: true, b: dy, m: M, n: N, k };
    const moved = (to: typeof now) => () =>
      tasks.gemm('adam', {
        ...product,
        aux: now.w,
        aux2: now.m,
        aux3: now.v,
        out1: to.w,
        out2: to.m,
        out3: to.v,
        adam,
        colsum,
        bias3: { w: b.w, m: b.m, v: b.v, wOut: b.w, mOut: b.m, vOut: b.v },
        partials,
      });
    return {
      stored: () => tasks.gemm('store', { ...product, c }),
      'Adam in place': moved(now),
      ...(pingPong ? { 'Adam, ping-pong': moved(next) } : {}),
    };
  };
  const rows: { k: number; variant: string; ms: number; ratio: number }[] = [];
  for (const k of ks) {
    const vs = variants(k);
    const times: Record<string, number[]> = {};
    const reps = Math.max(3, Math.round(2e8 / (M * N * k)));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(vs)) {
        fn();
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) fn();
        (times[name] ??= []).push((performance.now() - t0) / reps);
      }
    }
    const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
    const plain = median(times.stored!);
    for (const [variant, t] of Object.entries(times)) {
      const ms = median(t);
      rows.push({ k, variant, ms, ratio: ms / plain });
      console.log(
        `K ${String(k).padStart(4)}  ${variant.padEnd(16)} ${ms.toFixed(3)} ms  ` +
          `${((M * N * k) / ms / 1e6).toFixed(1)} GMAC/s  ÷ stored ${(ms / plain).toFixed(2)}`,
      );
    }
  }
  console.log(JSON.stringify(rows));
}
