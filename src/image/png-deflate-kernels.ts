/**
 * The hot loops of the PNG deflate encoder (src/image/png-deflate.ts) as
 * WebAssembly, assembled at run time (src/wasm/assembler.ts): the Adler-32 checksum
 * with every byte counted (SIMD sums, sixteen bytes a step), tokenising the
 * filtered scanlines into literals and runs (SIMD tests for run starts, run
 * counts and corrections to the byte counts), and writing the tokens' codes
 * as a bit stream (64-bit accumulator). The Huffman codes are built in TS
 * between the second loop and the third; all three work on one memory the
 * caller owns.
 */
import { assemble, Code, op, simd, uleb } from '../wasm/assembler.js';
import { threadWorkspace } from '../wasm/workspace.js';

/**
 * Token values: a literal byte, end of block, a run of 3..258 bytes at
 * distance 1 or 3, or padding. The token list holds them as u16 offsets into
 * the code table (value · CODE_ENTRY_BYTES), so that emitBits reads an entry
 * without arithmetic.
 */
export const TOKEN = {
  endOfBlock: 256,
  /** + length: a copy of the previous byte (distance 1). */
  distance1: 256,
  /** + length: a copy of the previous pixel (distance 3, one RGB pixel). */
  distance3: 512,
  /** No bits: pads the token list to a multiple of four for emitBits. */
  padding: 771,
  /** Histogram and code-table entries: tokens 0..771. */
  count: 772,
} as const;

export const MAX_MATCH = 258;

/**
 * Where emitBits finds its code table: per token value, 8 bytes — the code's
 * bits (u32: Huffman code, extra bits and distance code together, LSB first)
 * and their count (u32). At a fixed address so that it is the loads' offset.
 */
export const CODE_TABLE = 0;
export const CODE_ENTRY_BYTES = 8;
const ENTRY_SHIFT = 3;

/**
 * Bytes from tokenize's hist to the four byte histograms (u32[256] each) of
 * adler32AndCount, when both share one area: the caller zeroes it and adds
 * them to hist[0..255].
 */
export const LITERAL_SUBHISTOGRAMS_OFFSET = 4096;

/** Bytes the tokeniser may read past the input's end and before its start (values there do not matter). */
export const INPUT_PADDING = 32;

/** Bytes the bit writer may store past the stream's end (each step stores 8 bytes). */
export const OUTPUT_PADDING = 8;

const memarg = (alignLog2: number, offset = 0): number[] => [alignLog2, ...uleb(offset)];

/** tokenize's parameters (IN, N, TOK, HIST) and locals: i32, then Y (i64), then v128. */
const TOKENIZE = {
  IN: 0, N: 1, TOK: 2, HIST: 3,
  I: 4, END: 5, T: 6, C1: 7, C3: 8, LIM: 9, J: 10, TK: 11, W: 12, A: 13, K: 14, D1: 15, LEN: 16, M1: 17, M3: 18,
  Y: 19,
  L0: 20, L1: 21, L2: 22, LM1: 23, E1: 24, E3: 25,
} as const;

function count(k: Code): void {
  const { HIST, A } = TOKENIZE;
  k.i32(2).emit(op.i32Shl).get(HIST).emit(op.i32Add).tee(A)
    .get(A).emit(op.i32Load, ...memarg(2)).i32(1).emit(op.i32Add).emit(op.i32Store, ...memarg(2));
}

function emitToken(k: Code): void {
  const { T, TK } = TOKENIZE;
  k.get(T).get(TK).i32(ENTRY_SHIFT).emit(op.i32Shl).emit(op.i32Store16, ...memarg(1));
  k.get(TK); count(k);
  k.get(T).i32(2).emit(op.i32Add).set(T);
}

/** A literal: its token (counted by adler32AndCount, not here). */
function literal(k: Code): void {
  const { I, T } = TOKENIZE;
  k.get(T).get(I).emit(op.i32Load8U, ...memarg(0)).i32(ENTRY_SHIFT).emit(op.i32Shl).emit(op.i32Store16, ...memarg(1));
  k.get(T).i32(2).emit(op.i32Add).set(T);
  k.get(I).i32(1).emit(op.i32Add).set(I);
}

/** The rest of a run at `distance` from I + J, eight bytes at a time, into `out` (not yet capped). */
function extendRun(k: Code, distance: number, out: number): void {
  const { I, LIM, J, A, Y } = TOKENIZE;
  k.doWhile((l) => {
    l.get(I).get(J).emit(op.i32Add).tee(A).emit(op.i64Load, ...memarg(0))
      .get(A).i32(distance).emit(op.i32Sub).emit(op.i64Load, ...memarg(0)).emit(op.i64Xor).set(Y);
    l.get(J).i32(8).emit(op.i32Add).set(J);
    l.get(Y).emit(op.i64Eqz).get(J).get(LIM).emit(op.i32LtU).emit(op.i32And);
  });
  // J − 8 + (index of the first differing byte; 8 when none)
  k.get(J).i32(8).emit(op.i32Sub).get(Y).emit(op.i64Ctz).emit(op.i32WrapI64).i32(3).emit(op.i32ShrU).emit(op.i32Add).set(out);
}

/**
 * Run length at `distance` from I into `out`, capped at LIM. In the vector
 * step `mask` (bit j: chunk byte j equals the one `distance` back; I is
 * chunk byte K) gives it without loads unless it reaches the chunk's end.
 */
function run(k: Code, distance: number, out: number, mask?: number): void {
  const { LIM, J, K } = TOKENIZE;
  if (mask === undefined) {
    k.i32(0).set(J);
    extendRun(k, distance, out);
  } else {
    k.get(mask).get(K).emit(op.i32ShrU).i32(-1).emit(op.i32Xor).emit(op.i32Ctz).tee(J).set(out);
    k.get(J).i32(16).get(K).emit(op.i32Sub).emit(op.i32Eq).emit(op.if, 0x40);
    extendRun(k, distance, out);
    k.emit(op.end);
  }
  k.get(out).get(LIM).get(out).get(LIM).emit(op.i32LtU).emit(op.select).set(out);
}

/** The longer run at I (≥ 3 bytes at one of the distances, ≥ 3 bytes left): its token, and I past it. */
function match(k: Code, masks?: readonly [number, number]): void {
  const { I, END, C1, C3, LIM, TK, D1, LEN } = TOKENIZE;
  k.get(END).get(I).emit(op.i32Sub).set(LIM);
  k.get(LIM).i32(MAX_MATCH).get(LIM).i32(MAX_MATCH).emit(op.i32LtU).emit(op.select).set(LIM);
  run(k, 1, C1, masks?.[0]);
  run(k, 3, C3, masks?.[1]);
  // the longer run's token, branch-free; its bytes, counted as literals by adler32AndCount, are taken off again
  k.get(C1).get(C3).emit(op.i32GeU).set(D1);
  k.get(C1).get(C3).get(D1).emit(op.select).set(LEN);
  k.get(LEN).i32(TOKEN.distance1).i32(TOKEN.distance3).get(D1).emit(op.select).emit(op.i32Add).set(TK);
  for (let phase = 0; phase < 3; phase++) uncount(k, phase);
  k.get(I).get(LEN).emit(op.i32Add).set(I);
  emitToken(k);
}

/**
 * hist[byte at I − back] −= the run's bytes equal to it, for a pixel's three
 * phases: ⌊(LEN − phase + 2) / 3⌋ bytes each (⌊x / 3⌋ = x·43691 >> 17 for
 * x < 2^16), the byte one pixel back, or for distance 1 the byte before I.
 */
function uncount(k: Code, phase: number): void {
  const { HIST, I, A, D1, LEN } = TOKENIZE;
  k.get(I).i32(1).i32(3 - phase).get(D1).emit(op.select).emit(op.i32Sub).emit(op.i32Load8U, ...memarg(0))
    .i32(2).emit(op.i32Shl).get(HIST).emit(op.i32Add).tee(A);
  k.get(A).emit(op.i32Load, ...memarg(2))
    .get(LEN).i32(2 - phase).emit(op.i32Add).i32(43691).emit(op.i32Mul).i32(17).emit(op.i32ShrU)
    .emit(op.i32Sub).emit(op.i32Store, ...memarg(2));
}

function bytesEqual(k: Code): Code { return k.simd(simd.i8x16Eq); }

function andMasks(k: Code): Code { return k.simd(simd.v128And); }

/** The first three bytes (fewer if the input is shorter): literals. */
function leadingLiterals(c: Code): void {
  const { IN, I, END } = TOKENIZE;
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(I).get(END).emit(op.i32GeU).emit(op.brIf, 1);
  c.get(I).get(IN).i32(3).emit(op.i32Add).emit(op.i32GeU).emit(op.brIf, 1);
  literal(c);
  c.emit(op.br, 0).emit(op.end, op.end);
}

/** Sixteen positions a step while all sixteen have three bytes. */
function vectorSteps(c: Code): void {
  const { I, END, T, K, M1, M3, L0, L1, L2, LM1, E1, E3 } = TOKENIZE;
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(I).i32(18).emit(op.i32Add).get(END).emit(op.i32GtU).emit(op.brIf, 1);
  c.get(I).load().set(L0).get(I).load(1).set(L1).get(I).load(2).set(L2).get(I).i32(1).emit(op.i32Sub).load().set(LM1);
  bytesEqual(c.get(L0).get(LM1)).tee(E1); bytesEqual(c.get(L1).get(L0)); andMasks(c); bytesEqual(c.get(L2).get(L1)); andMasks(c);
  bytesEqual(c.get(L0).get(I).i32(3).emit(op.i32Sub).load()).tee(E3); bytesEqual(c.get(L1).get(I).i32(2).emit(op.i32Sub).load()); andMasks(c);
  bytesEqual(c.get(L2).get(LM1)); andMasks(c);
  c.simd(simd.v128Or).simd(simd.i8x16Bitmask).i32(0x10000).emit(op.i32Or).emit(op.i32Ctz).set(K);
  c.get(T).get(L0).simd(simd.i16x8ExtendLowI8x16U).i32(ENTRY_SHIFT).simd(simd.i16x8Shl).store();
  c.get(T).get(L0).simd(simd.i16x8ExtendHighI8x16U).i32(ENTRY_SHIFT).simd(simd.i16x8Shl).store(16);
  c.get(T).get(K).i32(1).emit(op.i32Shl).emit(op.i32Add).set(T);
  c.get(I).get(K).emit(op.i32Add).set(I);
  c.get(K).i32(16).emit(op.i32LtU).emit(op.if, 0x40);
  c.get(E1).simd(simd.i8x16Bitmask).set(M1).get(E3).simd(simd.i8x16Bitmask).set(M3);
  match(c, [M1, M3]);
  c.emit(op.end);
  c.emit(op.br, 0).emit(op.end, op.end);
}

/** Then one position a step while three bytes remain. */
function scalarSteps(c: Code): void {
  const { I, END, W } = TOKENIZE;
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(I).i32(3).emit(op.i32Add).get(END).emit(op.i32GtU).emit(op.brIf, 1);
  c.get(I).emit(op.i32Load, ...memarg(0)).set(W);
  c.get(W).get(I).i32(1).emit(op.i32Sub).emit(op.i32Load, ...memarg(0)).emit(op.i32Xor).i32(0xffffff).emit(op.i32And).emit(op.i32Eqz);
  c.get(W).get(I).i32(3).emit(op.i32Sub).emit(op.i32Load, ...memarg(0)).emit(op.i32Xor).i32(0xffffff).emit(op.i32And).emit(op.i32Eqz);
  c.emit(op.i32Or).emit(op.if, 0x40);
  match(c);
  c.emit(op.else);
  literal(c);
  c.emit(op.end);
  c.emit(op.br, 0).emit(op.end, op.end);
}

/** The last bytes: literals. */
function trailingLiterals(c: Code): void {
  const { I, END } = TOKENIZE;
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(I).get(END).emit(op.i32GeU).emit(op.brIf, 1);
  literal(c);
  c.emit(op.br, 0).emit(op.end, op.end);
}

/**
 * tokenize(in, n, tok, hist) → end of tokens: greedy runs, like zlib's Z_RLE
 * but at two distances. Sixteen positions a step are tested (i8x16.eq of
 * shifted loads) for a run of ≥ 3 bytes one byte back or one pixel back; the
 * literals before the first such position are stored (sixteen u16 tokens in
 * two stores, whatever their count), then, at that position, both
 * runs are measured — within the chunk from the equality masks, beyond it
 * eight bytes a step (i64 xor, ctz of the first difference) — capped at 258
 * and the input's end, and the longer is taken (distance 1 on a tie). The last < 18 bytes go one position at a time (i32 loads). Tokens are
 * stored as code-table offsets (u16, token · 8). Runs are
 * counted in hist (u32[TOKEN.count]) and their bytes subtracted from
 * hist[byte] (mod 2^32): literals are counted by adler32AndCount, which counts
 * every byte. The first three bytes are literals (no distance 3 reaches back
 * before them).
 */
function tokenizeFunction(): Parameters<typeof assemble>[0][number] {
  const { IN, N, TOK, END, T, I } = TOKENIZE;
  const c = new Code();
  c.get(IN).get(N).emit(op.i32Add).set(END);
  c.get(TOK).set(T);
  c.get(IN).set(I);
  leadingLiterals(c);
  vectorSteps(c);
  scalarSteps(c);
  trailingLiterals(c);
  c.get(T);
  return {
    name: 'tokenize', params: ['i32', 'i32', 'i32', 'i32'],
    locals: [...Array(15).fill('i32'), 'i64', ...Array(6).fill('v128')], results: ['i32'], body: c,
  };
}

/**
 * emitBits(tok, tokEnd, out, bits, bitCount) → end of output: each token's
 * code bits (from its CODE_TABLE entry, ≤ 21 bits) are OR-ed into a 64-bit
 * accumulator above the bits pending; two tokens a step (≤ 7 + 2·21 bits),
 * joined before they meet the accumulator, then the accumulator is stored
 * (8 bytes) and advanced by its whole bytes; two pairs per loop step. The
 * token count must be a multiple of four (TOKEN.padding pads it). `bits`/`bitCount` (< 8) are a partial byte already
 * at `out`. The last partial byte is padded with zeros.
 */
function emitBitsFunction(): Parameters<typeof assemble>[0][number] {
  const [TOK, TEND, OUT, BITS, NB32] = [0, 1, 2, 3, 4];
  const [W, ACC, NB, L1, PAIR] = [5, 6, 7, 8, 9];
  const c = new Code();
  const bitsAt = (k: Code): Code => k.emit(op.i64Load32U, ...memarg(2, CODE_TABLE));
  const countAt = (k: Code): Code => k.emit(op.i64Load32U, ...memarg(2, CODE_TABLE + 4));
  c.get(BITS).emit(op.i64ExtendI32U).set(ACC);
  c.get(NB32).emit(op.i64ExtendI32U).set(NB);
  c.emit(op.block, 0x40);
  c.get(TOK).get(TEND).emit(op.i32GeU).emit(op.brIf, 0);
  /** One pair of tokens (the u32 at TOK + offset). */
  const pair = (l: Code, offset: number): void => {
    l.get(TOK).emit(op.i32Load, ...memarg(2, offset)).set(W);
    countAt(l.get(W).i32(0xffff).emit(op.i32And)).set(L1);
    bitsAt(l.get(W).i32(0xffff).emit(op.i32And));
    bitsAt(l.get(W).i32(16).emit(op.i32ShrU)).get(L1).emit(op.i64Shl).emit(op.i64Or).set(PAIR);
    l.get(ACC).get(PAIR).get(NB).emit(op.i64Shl).emit(op.i64Or).set(ACC);
    l.get(NB).get(L1).emit(op.i64Add);
    countAt(l.get(W).i32(16).emit(op.i32ShrU)).emit(op.i64Add).set(NB);
    l.get(OUT).get(ACC).emit(op.i64Store, ...memarg(0));
    l.get(OUT).get(NB).i64(3).emit(op.i64ShrU).emit(op.i32WrapI64).emit(op.i32Add).set(OUT);
    l.get(ACC).get(NB).i64(56).emit(op.i64And).emit(op.i64ShrU).set(ACC);
    l.get(NB).i64(7).emit(op.i64And).set(NB);
  };
  c.doWhile((l) => {
    pair(l, 0);
    pair(l, 4);
    l.get(TOK).i32(8).emit(op.i32Add).tee(TOK).get(TEND).emit(op.i32LtU);
  });
  c.emit(op.end);
  c.get(OUT).get(ACC).emit(op.i64Store, ...memarg(0));
  c.get(OUT).get(NB).emit(op.i32WrapI64).i32(7).emit(op.i32Add).i32(3).emit(op.i32ShrU).emit(op.i32Add);
  return { name: 'emitBits', params: Array(5).fill('i32'), locals: ['i32', 'i64', 'i64', 'i64', 'i64'], results: ['i32'], body: c };
}

const ADLER_MOD = 65521;
/** Bytes per vector block: a multiple of 16 where no i32 lane or the block's sum overflows (see adler32Function). */
const ADLER_BLOCK = 5536;

/** v128 of eight i16 lanes. */
function i16x8Bytes(values: readonly number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
}

/**
 * adler32AndCount(p, n, counts) → checksum (RFC 1950), and every byte counted
 * into four histograms (u32[256] each, from `counts`; byte j of a step into
 * j mod 4, so that equal neighbours do not wait on each other's store) —
 * the literal counts, once tokenize takes runs' bytes off. Sixteen bytes a
 * step: over a block of m bytes from (s1, s2), s1 += Σb, s2 += m·s1 + Σ(m − k)·b_k;
 * with k = 16c + j, m − k = 16·(chunks after c) + (16 − j), so the lanes keep
 * Σb, Σ(16 − j)·b (i32x4.dot against 16..1) and the running sum of Σb before
 * each chunk. For 5536-byte blocks every lane stays below 2^26 and the
 * block's s2 sum below 2^29; the 0..15 last bytes go one at a time.
 */
function adler32AndCountFunction(): Parameters<typeof assemble>[0][number] {
  const [P, N, COUNTS] = [0, 1, 2];
  const [S1, S2, END, BEND, LEN, A] = [3, 4, 5, 6, 7, 8];
  const [VS1, VPS, V2, X] = [9, 10, 11, 12];
  const count = (k: Code, offset: number, sub: number): void => {
    k.get(P).emit(op.i32Load8U, ...memarg(0, offset)).i32(2).emit(op.i32Shl).get(COUNTS).emit(op.i32Add).tee(A)
      .get(A).emit(op.i32Load, ...memarg(2, sub * 1024)).i32(1).emit(op.i32Add).emit(op.i32Store, ...memarg(2, sub * 1024));
  };
  const c = new Code();
  const hsum = (k: Code, v: number): void => {
    k.get(v).simd(simd.i32x4ExtractLane, 0).get(v).simd(simd.i32x4ExtractLane, 1).emit(op.i32Add)
      .get(v).simd(simd.i32x4ExtractLane, 2).emit(op.i32Add).get(v).simd(simd.i32x4ExtractLane, 3).emit(op.i32Add);
  };
  const zero = (k: Code): Code => k.simd(simd.v128Const, ...Array(16).fill(0));
  c.i32(1).set(S1).i32(0).set(S2);
  c.get(P).get(N).emit(op.i32Add).set(END);
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(END).get(P).emit(op.i32Sub).i32(16).emit(op.i32LtU).emit(op.brIf, 1);
  c.get(END).get(P).emit(op.i32Sub).i32(~15).emit(op.i32And).set(LEN);
  c.get(LEN).i32(ADLER_BLOCK).get(LEN).i32(ADLER_BLOCK).emit(op.i32LtU).emit(op.select).set(LEN);
  c.get(P).get(LEN).emit(op.i32Add).set(BEND);
  zero(c).set(VS1); zero(c).set(VPS); zero(c).set(V2);
  c.doWhile((l) => {
    l.get(VPS).get(VS1).simd(simd.i32x4Add).set(VPS);
    l.get(P).load().set(X);
    l.get(VS1).get(X).simd(simd.i16x8ExtaddPairwiseI8x16U).simd(simd.i32x4ExtaddPairwiseI16x8U).simd(simd.i32x4Add).set(VS1);
    l.get(V2)
      .get(X).simd(simd.i16x8ExtendLowI8x16U).simd(simd.v128Const, ...i16x8Bytes([16, 15, 14, 13, 12, 11, 10, 9])).simd(simd.i32x4DotI16x8S)
      .simd(simd.i32x4Add)
      .get(X).simd(simd.i16x8ExtendHighI8x16U).simd(simd.v128Const, ...i16x8Bytes([8, 7, 6, 5, 4, 3, 2, 1])).simd(simd.i32x4DotI16x8S)
      .simd(simd.i32x4Add).set(V2);
    for (let j = 0; j < 16; j++) count(l, j, j & 3);
    l.get(P).i32(16).emit(op.i32Add).tee(P).get(BEND).emit(op.i32LtU);
  });
  // s2 += m·s1 + Σ(16 − j)·b + 16·(Σ of running sums mod 65521); then s1 += Σb
  c.get(S2).get(LEN).get(S1).emit(op.i32Mul).emit(op.i32Add);
  hsum(c, V2); c.emit(op.i32Add);
  hsum(c, VPS); c.i32(ADLER_MOD).emit(op.i32RemU).i32(4).emit(op.i32Shl).emit(op.i32Add);
  c.i32(ADLER_MOD).emit(op.i32RemU).set(S2);
  c.get(S1); hsum(c, VS1); c.emit(op.i32Add).i32(ADLER_MOD).emit(op.i32RemU).set(S1);
  c.emit(op.br, 0).emit(op.end, op.end);
  // tail
  c.emit(op.block, 0x40).emit(op.loop, 0x40);
  c.get(P).get(END).emit(op.i32GeU).emit(op.brIf, 1);
  c.get(S1).get(P).emit(op.i32Load8U, ...memarg(0)).emit(op.i32Add).set(S1);
  c.get(S2).get(S1).emit(op.i32Add).set(S2);
  count(c, 0, 0);
  c.get(P).i32(1).emit(op.i32Add).set(P);
  c.emit(op.br, 0).emit(op.end, op.end);
  c.get(S2).i32(ADLER_MOD).emit(op.i32RemU).i32(16).emit(op.i32Shl)
    .get(S1).i32(ADLER_MOD).emit(op.i32RemU).emit(op.i32Or);
  return { name: 'adler32AndCount', params: ['i32', 'i32', 'i32'], locals: [...Array(6).fill('i32'), ...Array(4).fill('v128')], results: ['i32'], body: c };
}

export interface DeflateKernels {
  tokenize(input: number, n: number, tokens: number, histogram: number): number;
  emitBits(tokens: number, tokensEnd: number, out: number, bits: number, bitCount: number): number;
  adler32AndCount(p: number, n: number, counts: number): number;
}

let compiled: WebAssembly.Module | undefined;

/** The three kernels, on this thread's workspace memory (made once per thread). */
let kernels: DeflateKernels | undefined;
export function deflateKernels(): DeflateKernels {
  compiled ??= new WebAssembly.Module(assemble([tokenizeFunction(), emitBitsFunction(), adler32AndCountFunction()]));
  return (kernels ??= threadWorkspace().instantiate(compiled) as unknown as DeflateKernels);
}
