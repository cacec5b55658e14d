/**
 * A minimal WebAssembly binary writer: enough to emit small modules of
 * 128-bit SIMD loops at run time (each kernel lives beside its caller, in a
 * `…-wasm.ts` file of src/image or src/corruptions/kernels, and the PNG
 * deflate's in src/image/png-deflate-kernels.ts). V8 runs wasm SIMD
 * four float32 lanes at a time, where a plain typed-array loop in JS does one
 * value per step; the kernels are written here rather than compiled from
 * another language so that the project needs no toolchain and each kernel
 * can be specialised to its constants (stencil offsets and weights) at run
 * time, as the JS twins are with `new Function`.
 *
 * Every module imports one memory (`env.memory`) and exports its functions by
 * name; parameters and locals are i32, i64, f32 or v128; a function returns
 * nothing or the values named in its `results`.
 */

export type ValueType = 'i32' | 'i64' | 'f32' | 'v128';

const VALUE_TYPE: Readonly<Record<ValueType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, v128: 0x7b };

/** Opcodes used by the kernels (core and 0xFD-prefixed SIMD; the SIMD number is LEB128-encoded after the prefix). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, drop: 0x1a,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, f32Load: 0x2a, i32Load8U: 0x2d, i32Store: 0x36, f32Store: 0x38, i32Store8: 0x3a,
  i32Const: 0x41, f32Const: 0x43,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74,
  f32Add: 0x92, f32Sub: 0x93, f32Mul: 0x94,
  // scalar integer ops of the deflate encoder (src/image/png-deflate-kernels.ts)
  return: 0x0f, select: 0x1b,
  i64Load: 0x29, i32Load16U: 0x2f, i64Load32U: 0x35, i64Store: 0x37, i32Store16: 0x3b, i64Const: 0x42,
  i32LeU: 0x4d, i32GtU: 0x4b, i64Eqz: 0x50,
  i32Ctz: 0x68, i32DivU: 0x6e, i32RemU: 0x70, i32Or: 0x72, i32Xor: 0x73, i32ShrU: 0x76,
  i64Ctz: 0x7a, i64Add: 0x7c, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
} as const;

export const simd = {
  v128Load: 0x00, v128Store: 0x0b, v128Const: 0x0c, f32x4Splat: 0x13,
  f32x4Eq: 0x41, v128And: 0x4e,
  i8x16NarrowI16x8U: 0x66, i8x16Sub: 0x71, f32x4Nearest: 0x6a,
  i16x8NarrowI32x4S: 0x85,
  f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6,
  i32x4TruncSatF32x4S: 0xf8,
  v128Load64Zero: 0x5d, v128Store64Lane: 0x5b, v128Store32Lane: 0x5a,
  i8x16Eq: 0x23, v128Or: 0x50, i8x16Bitmask: 0x64,
  i32x4ExtractLane: 0x1b, i16x8ExtaddPairwiseI8x16U: 0x7d, i32x4ExtaddPairwiseI16x8U: 0x7f,
  i16x8Shl: 0x8b, i16x8ExtendLowI8x16U: 0x89, i16x8ExtendHighI8x16U: 0x8a, i32x4Add: 0xae, i32x4DotI16x8S: 0xba,
} as const;

export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n} is not an unsigned integer`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function sleb(n: number): number[] {
  if (!Number.isSafeInteger(n)) throw new Error(`sleb: ${n} is not a safe integer`);
  const out: number[] = [];
  for (;;) {
    const b = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function f32Bytes(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}

/** A function's parameters, or its locals, by name in order: a body refers to each by its name. */
export type Slots = Readonly<Record<string, ValueType>>;

/**
 * Instruction sequences, appended in order; every method returns `this` so code
 * reads like the text format. Locals are named (the names of the function's
 * params and locals, see defineFunction), and control flow is structured:
 * doWhile, until, unless and ifThen open and close their own blocks, so no
 * kernel counts branch depths or local slots.
 */
export class Code<Local extends string = string> {
  readonly bytes: number[] = [];

  constructor(private readonly slots: ReadonlyMap<string, number> = new Map()) {}

  private slot(local: Local): number {
    const index = this.slots.get(local);
    if (index === undefined) throw new Error(`wasm: no local named "${local}"`);
    return index;
  }

  emit(...bytes: number[]): this { this.bytes.push(...bytes); return this; }
  get(local: Local): this { return this.emit(op.localGet, ...uleb(this.slot(local))); }
  set(local: Local): this { return this.emit(op.localSet, ...uleb(this.slot(local))); }
  tee(local: Local): this { return this.emit(op.localTee, ...uleb(this.slot(local))); }
  /** i32 `local += by`, by a constant or another local. */
  add(local: Local, by: number | Local): this {
    this.get(local);
    if (typeof by === 'number') this.i32(by); else this.get(by);
    return this.emit(op.i32Add).set(local);
  }
  i32(v: number): this { return this.emit(op.i32Const, ...sleb(v | 0)); }
  /** i64.const of a value within ±2^53 (all the encoder needs). */
  i64(v: number): this { return this.emit(op.i64Const, ...sleb(v)); }
  f32(v: number): this { return this.emit(op.f32Const, ...f32Bytes(v)); }
  /** A SIMD instruction (0xFD prefix). */
  simd(code: number, ...immediates: number[]): this { return this.emit(0xfd, ...uleb(code), ...immediates); }
  /** v128.load at the address on the stack plus `offset` bytes (alignment hint 1: addresses need not be aligned). */
  load(offset = 0): this { return this.simd(simd.v128Load, 0, ...uleb(offset)); }
  store(offset = 0): this { return this.simd(simd.v128Store, 0, ...uleb(offset)); }
  /** A v128 of four equal float32 lanes. */
  f32x4(v: number): this {
    const lane = f32Bytes(v);
    return this.simd(simd.v128Const, ...lane, ...lane, ...lane, ...lane);
  }
  /** `loop … br_if` while the body leaves a non-zero i32: `body` emits the work and the condition (do … while). */
  doWhile(body: (c: this) => void): this {
    this.emit(op.loop, 0x40);
    body(this);
    return this.emit(op.brIf, 0, op.end);
  }
  /**
   * `while (!exit) body`: each exit test leaves an i32, tested in order before
   * each pass; the loop ends at the first that is non-zero.
   */
  until(exit: ((c: this) => void) | readonly ((c: this) => void)[], body: (c: this) => void): this {
    this.emit(op.block, 0x40, op.loop, 0x40);
    for (const test of Array.isArray(exit) ? exit : [exit]) { test(this); this.emit(op.brIf, 1); }
    body(this);
    return this.emit(op.br, 0, op.end, op.end);
  }
  /** `if (!skip) body`: `skip` leaves an i32; `body` runs when it is zero. */
  unless(skip: (c: this) => void, body: (c: this) => void): this {
    this.emit(op.block, 0x40);
    skip(this);
    this.emit(op.brIf, 0);
    body(this);
    return this.emit(op.end);
  }
  /** `if … else … end` on the i32 the stack holds (non-zero: `then`). */
  ifThen(then: (c: this) => void, otherwise?: (c: this) => void): this {
    this.emit(op.if, 0x40);
    then(this);
    if (otherwise) { this.emit(op.else); otherwise(this); }
    return this.emit(op.end);
  }
}

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly locals?: readonly ValueType[];
  /** Values the function returns (left on the stack at its end); none by default. */
  readonly results?: readonly ValueType[];
  readonly body: Code;
}

/** The names a function's body may use: its params' and its locals'. */
export type LocalName<P extends Slots, L extends Slots> = Extract<keyof P | keyof L, string>;

/**
 * A function whose params and locals are named: `body` gets a Code that knows
 * the names (params first, then locals, each in the order written), so the
 * kernel never refers to a local by its number.
 */
export function defineFunction<P extends Slots, L extends Slots = Record<never, ValueType>>(
  name: string,
  signature: { readonly params: P; readonly locals?: L; readonly results?: readonly ValueType[] },
  body: (c: Code<LocalName<P, L>>) => void,
): FunctionDef {
  const slots = new Map<string, number>();
  for (const local of [...Object.keys(signature.params), ...Object.keys(signature.locals ?? {})]) {
    if (slots.has(local)) throw new Error(`wasm ${name}: "${local}" is named twice`);
    slots.set(local, slots.size);
  }
  const code = new Code<LocalName<P, L>>(slots);
  body(code);
  return {
    name,
    params: Object.values(signature.params),
    locals: Object.values(signature.locals ?? {}),
    ...(signature.results ? { results: signature.results } : {}),
    body: code,
  };
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
}

/** A module importing `env.memory` (at least `minPages` pages) and exporting `functions`. */
export function assemble(functions: readonly FunctionDef[], minPages = 1): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [
    0x60, ...uleb(f.params.length), ...f.params.map((t) => VALUE_TYPE[t]),
    ...uleb((f.results ?? []).length), ...(f.results ?? []).map((t) => VALUE_TYPE[t]),
  ]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(minPages)]];
  const bodies = functions.map((f) => {
    const locals = (f.locals ?? []).map((t) => [1, VALUE_TYPE[t]]);
    const body = [...vector(locals), ...f.body.bytes, op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(bodies)),
  ]);
}
