/**
 * The app's matrix product on more than one core: helper threads that share the wasm backend's
 * memory (the threaded build's, a SharedArrayBuffer in a cross-origin isolated page) run the
 * same kernels (codegen/kernels.ts) on parts of C. tfjs/kernel-context.ts starts them.
 *
 * tfjs-backend-wasm gives XNNPACK no thread pool for its products, so extra tfjs threads do not
 * help training; this does. A product is cut into chunks (panels of columns, each packing its
 * own part of B, or bands of rows over a B packed first), and every thread, the calling one
 * included, claims chunks from a shared counter until none are left. The caller never waits for
 * a helper to wake up: a helper that is asleep, or whose core is busy with the page, simply
 * claims nothing, and the caller does the chunks itself. It waits only for chunks a helper has
 * claimed and not finished.
 *
 * The control block is a few Int32 slots in the shared memory:
 *   CLAIM      (job tag << 20) | next chunk index; claimed with Atomics.add
 *   TAG        the current job's tag, TOTAL its chunk count, COMPLETED the chunks done
 *   WAKE       bumped for every job; idle helpers sleep on it with Atomics.wait
 *   EXIT       set to end the helpers
 *   HELPED     chunks computed by helper threads so far (diagnostics)
 *   READY      helpers that have started and wait for work
 * and then the job's parameters: a plain product's own fields, or for a task of the compiled
 * training step (codegen/kernels.ts's TASKS) its number (KIND) and the address of its descriptor
 * (DESC), the parameters every chunk reads. A claim counts only if its tag is the current job's and its
 * index is below TOTAL, so a helper that wakes late never works on a finished job; a job's
 * parameters are never rewritten while one of its chunks is claimed and not done.
 */
import { type KernelExports, type TaskFunction, TASKS } from './codegen/kernels';

const CLAIM = 0;
const TAG = 1;
const TOTAL = 2;
const COMPLETED = 3;
const WAKE = 4;
const EXIT = 5;
const HELPED = 6;
const READY = 7;
const PARAMS = 8;
/** Int32 slots of the control block. */
export const CONTROL_SLOTS = 32;
const INDEX_BITS = 20;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const TAG_MASK = (1 << (31 - INDEX_BITS)) - 1;

/** How long the caller polls for a helper's last chunk before it sleeps on it. */
const SPIN_MS = 0.3;
/**
 * How long a helper polls for the next product before it sleeps: a step's products come in
 * quick succession, and one that has to wake up first gets fewer of the chunks.
 */
const HELPER_SPIN_MS = 0.1;
/** Products with fewer multiply-adds than this stay on the calling thread. */
export const MIN_PARALLEL_MACS = 1 << 21;

/** Chunks cut along columns (each packs its own panels of B) or rows (B packed before). */
export type ChunkMode = 'columns' | 'rows';

/** One product C = act(A B + bias), as codegen/kernels.ts's pack and gemm take it (bytes, floats). */
export interface GemmJob {
  a: number;
  sai: number;
  sak: number;
  b: number;
  sbk: number;
  sbn: number;
  packed: number;
  c: number;
  ldc: number;
  bias: number;
  m: number;
  n: number;
  k: number;
  act: number;
  alpha: number;
}

const FIELDS = [
  'a',
  'sai',
  'sak',
  'b',
  'sbk',
  'sbn',
  'packed',
  'c',
  'ldc',
  'bias',
  'm',
  'n',
  'k',
  'act',
] as const;
// After the fields: alpha (float32 bits), mode (0 columns, 1 rows), chunk columns, chunk rows.
const ALPHA = PARAMS + FIELDS.length;
const MODE = ALPHA + 1;
const CHUNK_COLUMNS = MODE + 1;
const CHUNK_ROWS = CHUNK_COLUMNS + 1;
/** 0 for a plain product (the fields above), else the task number of a step task. */
const KIND = CHUNK_ROWS + 1;
/** The task's descriptor (byte address). */
const DESC = KIND + 1;

const taskTables = new WeakMap<KernelExports, (TaskFunction | undefined)[]>();

/** The task functions of an instance by task number (index 0, the plain product, unused). */
function taskTable(kernels: KernelExports): (TaskFunction | undefined)[] {
  let table = taskTables.get(kernels);
  if (!table) {
    table = [undefined, ...TASKS.map((name) => kernels[name])];
    taskTables.set(kernels, table);
  }
  return table;
}

/** The current job's integer parameters from the control block. */
function readJob(slots: Int32Array, control: number): Omit<GemmJob, 'alpha'> {
  const job = {} as Record<(typeof FIELDS)[number], number>;
  FIELDS.forEach((name, i) => (job[name] = slots[control + PARAMS + i]!));
  return job;
}

/**
 * Claims and computes chunks of the current job until none are left. Runs on every thread;
 * `control` is the Int32 slot index of the control block, `scratch` 128 bytes of this thread's.
 */
export function runChunks(
  kernels: KernelExports,
  slots: Int32Array,
  control: number,
  scratch: number,
  helper = false,
): void {
  const floats = new Float32Array(slots.buffer, slots.byteOffset, slots.length);
  for (;;) {
    const claim = Atomics.add(slots, control + CLAIM, 1);
    const total = Atomics.load(slots, control + TOTAL);
    if (Atomics.load(slots, control + TAG) !== claim >>> INDEX_BITS) return;
    const index = claim & INDEX_MASK;
    if (index >= total) return;
    const kind = slots[control + KIND]!;
    if (kind !== 0) {
      taskTable(kernels)[kind]!(slots[control + DESC]!, index, scratch);
      finishChunk(slots, control, total, helper);
      continue;
    }
    const { a, sai, sak, b, sbk, sbn, packed, c, ldc, bias, m, n, k, act } = readJob(
      slots,
      control,
    );
    const alpha = floats[control + ALPHA]!;
    if (slots[control + MODE] === 0) {
      const j0 = index * slots[control + CHUNK_COLUMNS]!;
      const j1 = Math.min(n, j0 + slots[control + CHUNK_COLUMNS]!);
      kernels.pack(b, sbk, sbn, packed, k, n, j0, j1);
      kernels.gemm(a, sai, sak, packed, c, ldc, bias, m, n, k, act, alpha, scratch, j0, j1, 0, m);
    } else {
      const i0 = index * slots[control + CHUNK_ROWS]!;
      const i1 = Math.min(m, i0 + slots[control + CHUNK_ROWS]!);
      kernels.gemm(a, sai, sak, packed, c, ldc, bias, m, n, k, act, alpha, scratch, 0, n, i0, i1);
    }
    finishChunk(slots, control, total, helper);
  }
}

/** Counts a chunk done, and wakes the publishing thread when it was the last one. */
function finishChunk(slots: Int32Array, control: number, total: number, helper: boolean) {
  if (helper) Atomics.add(slots, control + HELPED, 1);
  if (Atomics.add(slots, control + COMPLETED, 1) + 1 === total) {
    Atomics.notify(slots, control + COMPLETED);
  }
}

/** A helper thread's life: sleep until a job is published, work on it, until told to exit. */
export function helperLoop(
  kernels: KernelExports,
  slots: Int32Array,
  control: number,
  scratch: number,
): void {
  let wake = Atomics.load(slots, control + WAKE);
  Atomics.add(slots, control + READY, 1);
  for (;;) {
    const spinUntil = performance.now() + HELPER_SPIN_MS;
    while (Atomics.load(slots, control + WAKE) === wake && performance.now() < spinUntil) {
      // polling
    }
    Atomics.wait(slots, control + WAKE, wake);
    if (Atomics.load(slots, control + EXIT) !== 0) return;
    wake = Atomics.load(slots, control + WAKE);
    runChunks(kernels, slots, control, scratch, true);
  }
}

/** What a helper thread is told when it starts (a structured-clonable message). */
export interface HelperInit {
  memory: WebAssembly.Memory;
  relaxed: boolean;
  /** Byte offset of the control block in the memory. */
  control: number;
  /** Byte offset of the helper's own 128-byte scratch tile. */
  scratch: number;
}

/** A started helper thread (a Worker, or a Node worker thread in the tests). */
export interface Helper {
  terminate(): unknown;
}

/** How long the caller waits for a chunk a helper claimed before giving the helpers up. */
const HELPER_TIMEOUT_MS = 10_000;

export class GemmPool {
  private readonly slots: Int32Array;
  private readonly floats: Float32Array;
  private readonly control: number;
  private tag = 0;
  /** Set when a helper did not finish a chunk in time; the product then stays on one thread. */
  broken = false;
  /** Products split so far (for tests and diagnostics). */
  splitCount = 0;
  /** Step tasks shared with the helpers so far (for tests and diagnostics). */
  taskCount = 0;
  /** Tasks started ahead (startTask) so far, and those of them whose result was taken. */
  startedCount = 0;
  usedCount = 0;
  /**
   * The task startTask opened and nobody has waited for yet (its job tag and chunk count), or
   * the last one waited for (done, with whether every chunk was computed).
   */
  private started: { tag: number; count: number; done: boolean; ok: boolean } | null = null;

  constructor(
    private readonly kernels: KernelExports,
    memory: WebAssembly.Memory,
    /** Byte offset of CONTROL_SLOTS zeroed Int32 slots in the shared memory. */
    controlOffset: number,
    private readonly helpers: Helper[],
    /** While its first value is non-zero, products stay on the calling thread (a page drag). */
    private readonly hold?: Int32Array,
  ) {
    // A shared memory's buffer stays valid, at its old length, when the memory grows; the
    // control block lies inside that length.
    this.slots = new Int32Array(memory.buffer);
    this.floats = new Float32Array(memory.buffer);
    this.control = controlOffset / 4;
  }

  /** Chunks the helper threads have computed so far. */
  get helperChunks(): number {
    return Atomics.load(this.slots, this.control + HELPED);
  }

  /** Helper threads that have started (a Worker takes a moment to boot). */
  get readyHelpers(): number {
    return Atomics.load(this.slots, this.control + READY);
  }

  /**
   * Resolves once every helper has started, or after `timeoutMs`, with whether they all did.
   * Until then products still run, on the threads that are up.
   */
  async whenReady(timeoutMs = 5000): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (!this.broken && this.readyHelpers < this.helpers.length) {
      if (performance.now() > until) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return !this.broken;
  }

  /** Threads that work on a split product, the caller included. */
  get threads(): number {
    return this.broken ? 1 : this.helpers.length + 1;
  }

  /**
   * How `job` would be cut: undefined when it is not worth splitting (or there are no helpers),
   * else the mode and the chunk size in columns or rows.
   */
  plan(
    job: Pick<GemmJob, 'm' | 'n' | 'k'>,
  ): { mode: ChunkMode; size: number; count: number } | undefined {
    const threads = this.threads;
    if (threads < 2 || job.m * job.n * job.k < MIN_PARALLEL_MACS) return undefined;
    if (this.hold && Atomics.load(this.hold, 0) !== 0) return undefined;
    const panels = Math.ceil(job.n / 8);
    // About four chunks a thread, so a thread that starts late still gets a share.
    const wanted = 4 * threads;
    if (panels >= 2 * threads) {
      const size = 8 * Math.max(1, Math.round(panels / wanted));
      return { mode: 'columns', size, count: Math.ceil(job.n / size) };
    }
    if (job.m < 8 * threads) return undefined;
    const size = 4 * Math.max(2, Math.ceil(job.m / wanted / 4));
    return { mode: 'rows', size, count: Math.ceil(job.m / size) };
  }

  /**
   * Computes `job` on every thread. In 'rows' mode the caller has packed B already. Returns
   * false (nothing guaranteed about C) if a helper failed to finish its chunk; the helpers are
   * then given up and the caller must compute the product alone.
   */
  run(
    job: GemmJob,
    plan: { mode: ChunkMode; size: number; count: number },
    scratch: number,
  ): boolean {
    const { slots, control } = this;
    // The job's parameters are about to change: a task started ahead finishes first.
    this.settle(scratch);
    this.splitCount += 1;
    const p = control + PARAMS;
    FIELDS.forEach((name, i) => (slots[p + i] = job[name]));
    this.floats[control + ALPHA] = job.alpha;
    slots[control + MODE] = plan.mode === 'columns' ? 0 : 1;
    slots[control + CHUNK_COLUMNS] = plan.mode === 'columns' ? plan.size : 0;
    slots[control + CHUNK_ROWS] = plan.mode === 'rows' ? plan.size : 0;
    slots[control + KIND] = 0;
    return this.publish(plan.count, scratch);
  }

  /**
   * Runs chunks 0..count-1 of step task number `kind` (codegen/kernels.ts's TASKS), described at
   * byte `desc`, on every thread; on the calling thread alone when there are no helpers, the
   * page holds them, or count is 1. Tasks never overwrite their inputs, so after a helper failed
   * the caller simply computes every chunk again.
   */
  runTask(kind: number, desc: number, count: number, scratch: number): void {
    const fn = taskTable(this.kernels)[kind]!;
    this.settle(scratch);
    if (!this.alone(count)) {
      this.slots[this.control + KIND] = kind;
      this.slots[this.control + DESC] = desc;
      this.taskCount += 1;
      if (this.publish(count, scratch)) return;
    }
    for (let i = 0; i < count; i++) fn(desc, i, scratch);
  }

  private alone(count: number): boolean {
    return count < 2 || this.threads < 2 || (!!this.hold && Atomics.load(this.hold, 0) !== 0);
  }

  /**
   * Opens step task `kind` (descriptor at byte `desc`, `count` chunks) to the helpers and
   * returns at once, without working on it: the helpers compute it while the caller runs the
   * JavaScript that comes before the task's result is needed (tfjs's plumbing between two
   * phases of the step). Returns the task's tag for finishTask, or 0 when it was not started
   * (no helper, the page holds them, one chunk): the caller then runs it when it needs it.
   * Until finishTask or settle, the descriptor and the task's inputs must stay as they are,
   * and nothing the task writes may be read; every other job waits for it first.
   */
  startTask(kind: number, desc: number, count: number, scratch: number): number {
    this.settle(scratch);
    if (this.alone(count)) return 0;
    this.slots[this.control + KIND] = kind;
    this.slots[this.control + DESC] = desc;
    this.taskCount += 1;
    this.startedCount += 1;
    this.open(count);
    this.started = { tag: this.tag, count, done: false, ok: false };
    return this.tag;
  }

  /**
   * Takes the result of the task startTask returned `tag` for: works on the chunks left and
   * waits for the helpers' last ones. False when that task's result is not there (a helper
   * failed, or another task has replaced it): the caller then computes it itself.
   */
  finishTask(tag: number, scratch: number): boolean {
    const started = this.started;
    if (!started || started.tag !== tag) return false;
    this.settle(scratch);
    if (started.ok) this.usedCount += 1;
    return started.ok;
  }

  /** Waits for a task started ahead, if one is still open (its result may go unused). */
  settle(scratch: number): void {
    const started = this.started;
    if (!started || started.done) return;
    started.done = true;
    started.ok = this.join(started.count, scratch);
  }

  /** Opens the job whose parameters are written for `count` chunks, works on it, waits. */
  private publish(count: number, scratch: number): boolean {
    this.open(count);
    return this.join(count, scratch);
  }

  /** Opens the job whose parameters are written for `count` chunks to every thread. */
  private open(count: number): void {
    const { slots, control } = this;
    // Tags run from 1: 0 is startTask's "not started".
    this.tag = (this.tag % TAG_MASK) + 1;
    // TAG before TOTAL, and runChunks loads them the other way round: a claim that still
    // carries the previous tag can then never be paired with this job's TOTAL.
    Atomics.store(slots, control + COMPLETED, 0);
    Atomics.store(slots, control + TAG, this.tag);
    Atomics.store(slots, control + TOTAL, count);
    // Publishing the claim word opens the job.
    Atomics.store(slots, control + CLAIM, this.tag << INDEX_BITS);
    Atomics.add(slots, control + WAKE, 1);
    Atomics.notify(slots, control + WAKE);
  }

  /** Works on the open job's chunks until none are left, then waits for the helpers' last. */
  private join(count: number, scratch: number): boolean {
    const { slots, control } = this;
    runChunks(this.kernels, slots, control, scratch);
    // A helper's last chunk takes microseconds: poll a little before sleeping on it, since a
    // futex sleep and wake-up cost more than that (measured: half the waiting per product).
    const spinUntil = performance.now() + SPIN_MS;
    for (;;) {
      const done = Atomics.load(slots, control + COMPLETED);
      if (done >= count) return true;
      if (performance.now() < spinUntil) continue;
      if (Atomics.wait(slots, control + COMPLETED, done, HELPER_TIMEOUT_MS) === 'timed-out') {
        this.giveUp();
        return false;
      }
    }
  }

  /** Ends the helper threads. */
  dispose() {
    // A task started ahead is abandoned: its result is never asked for.
    if (this.started) this.started.done = true;
    Atomics.store(this.slots, this.control + EXIT, 1);
    Atomics.add(this.slots, this.control + WAKE, 1);
    Atomics.notify(this.slots, this.control + WAKE);
    for (const helper of this.helpers) helper.terminate();
    this.helpers.length = 0;
  }

  private giveUp() {
    this.broken = true;
    this.dispose();
  }
}
