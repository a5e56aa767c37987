/**
 * A very small WebAssembly assembler: enough to write the app's own compute kernels
 * (src/workers/gemm-kernel.ts) as TypeScript that emits a module's bytes at run time.
 *
 * Why not a compiled .wasm file: the kernels are specialised at run time (relaxed SIMD where the
 * engine has it, shared or plain memory to match the tfjs backend's), there is no C toolchain on
 * a fresh machine, and emitting a few kilobytes of code takes well under a millisecond.
 * Only what the kernels use is here: i32 and f32 scalars, 128-bit SIMD, structured control flow,
 * one imported memory.
 */

export type ValType = 'i32' | 'f32' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

/** A name: its UTF-8 length, then its bytes. */
function name(s: string): number[] {
  const bytes = utf8(s);
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** SIMD instructions (prefix 0xfd) by name, with their opcode numbers from the SIMD proposal. */
const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f32x4.abs': 0xe0,
  'f32x4.neg': 0xe1,
  'f32x4.sqrt': 0xe3,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.div': 0xe7,
  'f32x4.min': 0xe8,
  'f32x4.max': 0xe9,
  'f32x4.relaxed_madd': 0x105,
} as const;

/**
 * One function's body under construction. Locals are numbered after the parameters; control
 * flow is structured (block/loop/if with relative branch depths), as WebAssembly requires.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** The parameter index of parameter `i` (for readability at call sites). */
  param(i: number): number {
    return i;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  // ---- variables and constants ----
  get(i: number) {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number) {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number) {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number) {
    return this.op(0x41, ...sleb(n));
  }
  f32(x: number) {
    const bytes = new Uint8Array(new Float32Array([x]).buffer);
    return this.op(0x43, ...bytes);
  }

  // ---- i32 arithmetic and comparisons ----
  add() {
    return this.op(0x6a);
  }
  sub() {
    return this.op(0x6b);
  }
  mul() {
    return this.op(0x6c);
  }
  shl() {
    return this.op(0x74);
  }
  eqz() {
    return this.op(0x45);
  }
  eq() {
    return this.op(0x46);
  }
  ne() {
    return this.op(0x47);
  }
  ltS() {
    return this.op(0x48);
  }
  geS() {
    return this.op(0x4e);
  }
  gtS() {
    return this.op(0x4a);
  }
  /** select(a, b, cond): a if cond else b (operands pushed in that order). */
  select() {
    return this.op(0x1b);
  }

  // ---- f32 scalars ----
  f32Load(offset = 0) {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  f32Store(offset = 0) {
    return this.op(0x38, 2, ...uleb(offset));
  }
  f32Mul() {
    return this.op(0x94);
  }
  f32Add() {
    return this.op(0x92);
  }
  f32Div() {
    return this.op(0x95);
  }
  f32Sqrt() {
    return this.op(0x91);
  }

  // ---- SIMD ----
  simd(name: keyof typeof SIMD) {
    return this.op(0xfd, ...uleb(SIMD[name]));
  }
  v128Load(offset = 0) {
    return this.op(0xfd, ...uleb(SIMD['v128.load']), 4, ...uleb(offset));
  }
  v128Store(offset = 0) {
    return this.op(0xfd, ...uleb(SIMD['v128.store']), 4, ...uleb(offset));
  }
  loadSplat(offset = 0) {
    return this.op(0xfd, ...uleb(SIMD['v128.load32_splat']), 2, ...uleb(offset));
  }
  extractLane(lane: number) {
    return this.op(0xfd, ...uleb(SIMD['f32x4.extract_lane']), lane);
  }

  // ---- control ----
  /** block ... end; inside, `br(0)` leaves the block. */
  block(body: () => void) {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  /** loop ... end; inside, `br(0)` goes back to the top. */
  loop(body: () => void) {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** if (pops an i32) ... [else ...] end. */
  if(then: () => void, otherwise?: () => void) {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  br(depth: number) {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number) {
    return this.op(0x0d, ...uleb(depth));
  }

  /**
   * for (local = from; local < end; local += step) body, with `from`, `end` and `step` emitted
   * by callbacks (each pushes one i32). Inside `body`, branch depth 0 is the loop, 1 the exit.
   */
  for(local: number, from: () => void, end: () => void, step: number, body: () => void) {
    from();
    this.set(local);
    return this.block(() =>
      this.loop(() => {
        this.get(local);
        end();
        this.geS();
        this.brIf(1);
        body();
        this.get(local).i32(step).add().set(local);
        this.br(0);
      }),
    );
  }

  /** The function's code-section entry. */
  encode(): number[] {
    // Run-length groups of equal local types, as the binary format wants.
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups.at(-1);
      if (last && last[1] === VALTYPE[t]) last[0]! += 1;
      else groups.push([1, VALTYPE[t]]);
    }
    const body = [
      ...uleb(groups.length),
      ...groups.flatMap(([n, t]) => [...uleb(n!), t!]),
      ...this.code,
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  }
}

export interface MemoryImport {
  /** Shared memories need a maximum, and the importing module must say `shared` too. */
  shared: boolean;
  minimumPages: number;
  maximumPages?: number;
}

/**
 * A module that imports its memory as env.memory and exports each function under its name.
 */
export function assemble(memory: MemoryImport, functions: FunctionBuilder[]): Uint8Array {
  const types = functions.map((f) => [
    0x60,
    ...vec(f.params.map((p) => [VALTYPE[p]])),
    ...vec(f.results.map((r) => [VALTYPE[r]])),
  ]);
  const limits =
    memory.maximumPages === undefined
      ? [0x00, ...uleb(memory.minimumPages)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.minimumPages), ...uleb(memory.maximumPages)];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => f.encode()))),
  ];
  return new Uint8Array(bytes);
}
