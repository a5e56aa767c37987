/**
 * A very small WebAssembly assembler: enough to write the app's own compute kernels
 * (codegen/kernels.ts and the training step's, codegen/step-*.ts) as TypeScript that emits a module's bytes at run time.
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
  'v128.const': 0x0c,
  'i8x16.shuffle': 0x0d,
  'i32x4.splat': 0x11,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f32x4.eq': 0x41,
  'f32x4.lt': 0x43,
  'f32x4.gt': 0x44,
  'f32x4.le': 0x45,
  'f32x4.ge': 0x46,
  'v128.not': 0x4d,
  'v128.and': 0x4e,
  'v128.andnot': 0x4f,
  'v128.or': 0x50,
  'v128.xor': 0x51,
  'v128.bitselect': 0x52,
  'f32x4.floor': 0x68,
  'f32x4.nearest': 0x6a,
  'i32x4.extend_low_i16x8_u': 0xa9,
  'i32x4.extend_high_i16x8_u': 0xaa,
  'i32x4.shl': 0xab,
  'i32x4.add': 0xae,
  'i32x4.sub': 0xb1,
  'i32x4.trunc_sat_f32x4_s': 0xf8,
  'f32x4.convert_i32x4_s': 0xfa,
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
  private readonly localTypes: ValType[] = [];
  /** Calls to other functions of the module, patched with their index by assemble(). */
  private readonly calls: { at: number; target: FunctionBuilder }[] = [];

  constructor(
    readonly name: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /** New locals of the given types, in order; returns their indices. */
  locals<const T extends readonly ValType[]>(types: T): { -readonly [K in keyof T]: number } {
    return types.map((t) => this.local(t)) as { -readonly [K in keyof T]: number };
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

  /** Loads an i32 from the address on the stack plus `offset` bytes. */
  i32Load(offset = 0) {
    return this.op(0x28, 2, ...uleb(offset));
  }
  /** i32.load8_u: one byte, zero-extended. */
  i32Load8U(offset = 0) {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  i32Store(offset = 0) {
    return this.op(0x36, 2, ...uleb(offset));
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
  and() {
    return this.op(0x71);
  }
  or() {
    return this.op(0x72);
  }
  shrU() {
    return this.op(0x76);
  }
  ltU() {
    return this.op(0x49);
  }
  leS() {
    return this.op(0x4c);
  }
  divU() {
    return this.op(0x6e);
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
  f32Sub() {
    return this.op(0x93);
  }
  f32Abs() {
    return this.op(0x8b);
  }
  f32Neg() {
    return this.op(0x8c);
  }
  f32Min() {
    return this.op(0x96);
  }
  f32Max() {
    return this.op(0x97);
  }
  f32Gt() {
    return this.op(0x5e);
  }
  f32Ge() {
    return this.op(0x60);
  }
  f32Lt() {
    return this.op(0x5d);
  }
  /** f32.convert_i32_s */
  f32FromI32() {
    return this.op(0xb2);
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
  /** v128.load8x8_u: eight bytes from the address on the stack, widened to eight i16 lanes. */
  load8x8U(offset = 0) {
    return this.op(0xfd, ...uleb(0x02), 3, ...uleb(offset));
  }
  loadSplat(offset = 0) {
    return this.op(0xfd, ...uleb(SIMD['v128.load32_splat']), 2, ...uleb(offset));
  }
  extractLane(lane: number) {
    return this.op(0xfd, ...uleb(SIMD['f32x4.extract_lane']), lane);
  }
  /** A v128 constant of four floats. */
  f32x4(values: readonly [number, number, number, number]) {
    const bytes = new Uint8Array(new Float32Array(values).buffer);
    return this.op(0xfd, ...uleb(SIMD['v128.const']), ...bytes);
  }
  /** i8x16.shuffle of the two vectors on the stack, by 32-bit lanes (0-3 first, 4-7 second). */
  shuffle32(lanes: readonly [number, number, number, number]) {
    const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
    return this.op(0xfd, ...uleb(SIMD['i8x16.shuffle']), ...bytes);
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
  /** Returns from the function (the results, if any, on the stack). */
  ret() {
    return this.op(0x0f);
  }
  drop() {
    return this.op(0x1a);
  }
  /** Calls another function of the same module (its arguments on the stack). */
  call(target: FunctionBuilder) {
    this.op(0x10);
    this.calls.push({ at: this.code.length, target });
    // A fixed-width LEB128 placeholder, patched by encode(): padding bytes are valid LEB128.
    return this.op(0x80, 0x80, 0x80, 0x80, 0x00);
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

  /** The function's code-section entry; `indexOf` gives a called function's index. */
  encode(indexOf: (f: FunctionBuilder) => number = () => 0): number[] {
    for (const { at, target } of this.calls) {
      let v = indexOf(target);
      for (let i = 0; i < 5; i++) {
        this.code[at + i] = (v & 0x7f) | (i < 4 ? 0x80 : 0);
        v >>>= 7;
      }
    }
    // Run-length groups of equal local types, as the binary format wants.
    const groups: number[][] = [];
    for (const t of this.localTypes) {
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
 * A module that imports its memory as env.memory and exports each function under its name
 * (functions whose name starts with '$' stay internal: only callable from the module).
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
    ...section(
      7,
      vec(
        functions.flatMap((f, i) =>
          f.name.startsWith('$') ? [] : [[...name(f.name), 0x00, ...uleb(i)]],
        ),
      ),
    ),
    ...section(
      10,
      vec(
        functions.map((f) =>
          f.encode((target) => {
            const index = functions.indexOf(target);
            if (index < 0) throw new Error(`${f.name} calls ${target.name}, not in the module`);
            return index;
          }),
        ),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}
