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
import { assemble, defineFunction, op, simd, uleb, type Code, type FunctionDef, type LocalName } from '../wasm/assembler.js';
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

/** tokenize's parameters and locals. */
const TOKENIZE = {
  params: { input: 'i32', n: 'i32', tokens: 'i32', hist: 'i32' },
  locals: {
    /** The position read, the input's end, where the next token is stored. */
    i: 'i32', end: 'i32', tokenAt: 'i32',
    /** Run lengths at distance 1 and 3; their cap (258, or the bytes left); a run's bytes measured so far. */
    run1: 'i32', run3: 'i32', limit: 'i32', j: 'i32',
    token: 'i32', word: 'i32', at: 'i32',
    /** Index in the chunk of the first position that starts a run (16: none). */
    firstRun: 'i32',
    /** 1 when the distance-1 run is taken, and the taken run's length. */
    isDistance1: 'i32', length: 'i32',
    /** Bit j: chunk byte j equals the byte 1 (mask1) or 3 (mask3) back. */
    mask1: 'i32', mask3: 'i32',
    /** Eight bytes xor the eight `distance` back: its lowest set bit ends the run. */
    diff: 'i64',
    /** The chunk's bytes from i, i + 1, i + 2 and i − 1, and which equal the byte 1 and 3 back. */
    at0: 'v128', at1: 'v128', at2: 'v128', before1: 'v128', eq1: 'v128', eq3: 'v128',
  },
} as const;
type TokenizeCode = Code<LocalName<typeof TOKENIZE.params, typeof TOKENIZE.locals>>;

/** hist[the token on the stack] += 1. */
function count(k: TokenizeCode): void {
  k.i32(2).emit(op.i32Shl).get('hist').emit(op.i32Add).tee('at')
    .get('at').emit(op.i32Load, ...memarg(2)).i32(1).emit(op.i32Add).emit(op.i32Store, ...memarg(2));
}

function emitToken(k: TokenizeCode): void {
  k.get('tokenAt').get('token').i32(ENTRY_SHIFT).emit(op.i32Shl).emit(op.i32Store16, ...memarg(1));
  k.get('token'); count(k);
  k.get('tokenAt').i32(2).emit(op.i32Add).set('tokenAt');
}

/** A literal: its token (counted by adler32AndCount, not here). */
function literal(k: TokenizeCode): void {
  k.get('tokenAt').get('i').emit(op.i32Load8U, ...memarg(0)).i32(ENTRY_SHIFT).emit(op.i32Shl).emit(op.i32Store16, ...memarg(1));
  k.get('tokenAt').i32(2).emit(op.i32Add).set('tokenAt');
  k.get('i').i32(1).emit(op.i32Add).set('i');
}

/** The rest of a run at `distance` from i + j, eight bytes at a time, into `out` (not yet capped). */
function extendRun(k: TokenizeCode, distance: number, out: 'run1' | 'run3'): void {
  k.doWhile((l) => {
    l.get('i').get('j').emit(op.i32Add).tee('at').emit(op.i64Load, ...memarg(0))
      .get('at').i32(distance).emit(op.i32Sub).emit(op.i64Load, ...memarg(0)).emit(op.i64Xor).set('diff');
    l.get('j').i32(8).emit(op.i32Add).set('j');
    l.get('diff').emit(op.i64Eqz).get('j').get('limit').emit(op.i32LtU).emit(op.i32And);
  });
  // j − 8 + (index of the first differing byte; 8 when none)
  k.get('j').i32(8).emit(op.i32Sub).get('diff').emit(op.i64Ctz).emit(op.i32WrapI64).i32(3).emit(op.i32ShrU).emit(op.i32Add).set(out);
}

/**
 * Run length at `distance` from i into `out`, capped at `limit`. In the vector
 * step `mask` (bit j: chunk byte j equals the one `distance` back; i is
 * chunk byte firstRun) gives it without loads unless it reaches the chunk's end.
 */
function run(k: TokenizeCode, distance: number, out: 'run1' | 'run3', mask?: 'mask1' | 'mask3'): void {
  if (mask === undefined) {
    k.i32(0).set('j');
    extendRun(k, distance, out);
  } else {
    k.get(mask).get('firstRun').emit(op.i32ShrU).i32(-1).emit(op.i32Xor).emit(op.i32Ctz).tee('j').set(out);
    k.get('j').i32(16).get('firstRun').emit(op.i32Sub).emit(op.i32Eq).ifThen((reachesEnd) => extendRun(reachesEnd, distance, out));
  }
  k.get(out).get('limit').get(out).get('limit').emit(op.i32LtU).emit(op.select).set(out);
}

/** The longer run at i (≥ 3 bytes at one of the distances, ≥ 3 bytes left): its token, and i past it. */
function match(k: TokenizeCode, masks?: readonly ['mask1', 'mask3']): void {
  k.get('end').get('i').emit(op.i32Sub).set('limit');
  k.get('limit').i32(MAX_MATCH).get('limit').i32(MAX_MATCH).emit(op.i32LtU).emit(op.select).set('limit');
  run(k, 1, 'run1', masks?.[0]);
  run(k, 3, 'run3', masks?.[1]);
  // the longer run's token, branch-free; its bytes, counted as literals by adler32AndCount, are taken off again
  k.get('run1').get('run3').emit(op.i32GeU).set('isDistance1');
  k.get('run1').get('run3').get('isDistance1').emit(op.select).set('length');
  k.get('length').i32(TOKEN.distance1).i32(TOKEN.distance3).get('isDistance1').emit(op.select).emit(op.i32Add).set('token');
  for (let phase = 0; phase < 3; phase++) uncount(k, phase);
  k.get('i').get('length').emit(op.i32Add).set('i');
  emitToken(k);
}

/**
 * hist[byte at i − back] −= the run's bytes equal to it, for a pixel's three
 * phases: ⌊(length − phase + 2) / 3⌋ bytes each (⌊x / 3⌋ = x·43691 >> 17 for
 * x < 2^16), the byte one pixel back, or for distance 1 the byte before i.
 */
function uncount(k: TokenizeCode, phase: number): void {
  k.get('i').i32(1).i32(3 - phase).get('isDistance1').emit(op.select).emit(op.i32Sub).emit(op.i32Load8U, ...memarg(0))
    .i32(2).emit(op.i32Shl).get('hist').emit(op.i32Add).tee('at');
  k.get('at').emit(op.i32Load, ...memarg(2))
    .get('length').i32(2 - phase).emit(op.i32Add).i32(43691).emit(op.i32Mul).i32(17).emit(op.i32ShrU)
    .emit(op.i32Sub).emit(op.i32Store, ...memarg(2));
}

function bytesEqual(k: TokenizeCode): TokenizeCode { return k.simd(simd.i8x16Eq); }

function andMasks(k: TokenizeCode): TokenizeCode { return k.simd(simd.v128And); }

/** The first three bytes (fewer if the input is shorter): literals. */
function leadingLiterals(c: TokenizeCode): void {
  c.until([
    (atEnd) => atEnd.get('i').get('end').emit(op.i32GeU),
    (pastThree) => pastThree.get('i').get('input').i32(3).emit(op.i32Add).emit(op.i32GeU),
  ], literal);
}

/** Sixteen positions a step while all sixteen have three bytes. */
function vectorSteps(loop: TokenizeCode): void {
  loop.until((tooFew) => tooFew.get('i').i32(18).emit(op.i32Add).get('end').emit(op.i32GtU), (c) => {
    c.get('i').load().set('at0').get('i').load(1).set('at1').get('i').load(2).set('at2').get('i').i32(1).emit(op.i32Sub).load().set('before1');
    bytesEqual(c.get('at0').get('before1')).tee('eq1'); bytesEqual(c.get('at1').get('at0')); andMasks(c); bytesEqual(c.get('at2').get('at1')); andMasks(c);
    bytesEqual(c.get('at0').get('i').i32(3).emit(op.i32Sub).load()).tee('eq3'); bytesEqual(c.get('at1').get('i').i32(2).emit(op.i32Sub).load()); andMasks(c);
    bytesEqual(c.get('at2').get('before1')); andMasks(c);
    c.simd(simd.v128Or).simd(simd.i8x16Bitmask).i32(0x10000).emit(op.i32Or).emit(op.i32Ctz).set('firstRun');
    c.get('tokenAt').get('at0').simd(simd.i16x8ExtendLowI8x16U).i32(ENTRY_SHIFT).simd(simd.i16x8Shl).store();
    c.get('tokenAt').get('at0').simd(simd.i16x8ExtendHighI8x16U).i32(ENTRY_SHIFT).simd(simd.i16x8Shl).store(16);
    c.get('tokenAt').get('firstRun').i32(1).emit(op.i32Shl).emit(op.i32Add).set('tokenAt');
    c.get('i').get('firstRun').emit(op.i32Add).set('i');
    c.get('firstRun').i32(16).emit(op.i32LtU).ifThen((runFound) => {
      runFound.get('eq1').simd(simd.i8x16Bitmask).set('mask1').get('eq3').simd(simd.i8x16Bitmask).set('mask3');
      match(runFound, ['mask1', 'mask3']);
    });
  });
}

/** Then one position a step while three bytes remain. */
function scalarSteps(loop: TokenizeCode): void {
  loop.until((tooFew) => tooFew.get('i').i32(3).emit(op.i32Add).get('end').emit(op.i32GtU), (c) => {
    c.get('i').emit(op.i32Load, ...memarg(0)).set('word');
    c.get('word').get('i').i32(1).emit(op.i32Sub).emit(op.i32Load, ...memarg(0)).emit(op.i32Xor).i32(0xffffff).emit(op.i32And).emit(op.i32Eqz);
    c.get('word').get('i').i32(3).emit(op.i32Sub).emit(op.i32Load, ...memarg(0)).emit(op.i32Xor).i32(0xffffff).emit(op.i32And).emit(op.i32Eqz);
    c.emit(op.i32Or).ifThen((runAhead) => match(runAhead), literal);
  });
}

/** The last bytes: literals. */
function trailingLiterals(c: TokenizeCode): void {
  c.until((atEnd) => atEnd.get('i').get('end').emit(op.i32GeU), literal);
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
function tokenizeFunction(): FunctionDef {
  return defineFunction('tokenize', { ...TOKENIZE, results: ['i32'] }, (c) => {
    c.get('input').get('n').emit(op.i32Add).set('end');
    c.get('tokens').set('tokenAt');
    c.get('input').set('i');
    leadingLiterals(c);
    vectorSteps(c);
    scalarSteps(c);
    trailingLiterals(c);
    c.get('tokenAt');
  });
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
const EMIT_BITS = {
  params: { tokens: 'i32', tokensEnd: 'i32', out: 'i32', bits: 'i32', bitCount: 'i32' },
  /** word: two tokens; acc: the bits not yet stored, pending of them; a pair's bits and its first token's length. */
  locals: { word: 'i32', acc: 'i64', pending: 'i64', firstLength: 'i64', pair: 'i64' },
  results: ['i32'],
} as const;
type EmitBitsCode = Code<LocalName<typeof EMIT_BITS.params, typeof EMIT_BITS.locals>>;

function emitBitsFunction(): FunctionDef {
  const bitsAt = (k: EmitBitsCode): EmitBitsCode => k.emit(op.i64Load32U, ...memarg(2, CODE_TABLE));
  const countAt = (k: EmitBitsCode): EmitBitsCode => k.emit(op.i64Load32U, ...memarg(2, CODE_TABLE + 4));
  /** One pair of tokens (the u32 at tokens + offset). */
  const pair = (l: EmitBitsCode, offset: number): void => {
    l.get('tokens').emit(op.i32Load, ...memarg(2, offset)).set('word');
    countAt(l.get('word').i32(0xffff).emit(op.i32And)).set('firstLength');
    bitsAt(l.get('word').i32(0xffff).emit(op.i32And));
    bitsAt(l.get('word').i32(16).emit(op.i32ShrU)).get('firstLength').emit(op.i64Shl).emit(op.i64Or).set('pair');
    l.get('acc').get('pair').get('pending').emit(op.i64Shl).emit(op.i64Or).set('acc');
    l.get('pending').get('firstLength').emit(op.i64Add);
    countAt(l.get('word').i32(16).emit(op.i32ShrU)).emit(op.i64Add).set('pending');
    l.get('out').get('acc').emit(op.i64Store, ...memarg(0));
    l.get('out').get('pending').i64(3).emit(op.i64ShrU).emit(op.i32WrapI64).emit(op.i32Add).set('out');
    l.get('acc').get('pending').i64(56).emit(op.i64And).emit(op.i64ShrU).set('acc');
    l.get('pending').i64(7).emit(op.i64And).set('pending');
  };
  return defineFunction('emitBits', EMIT_BITS, (c) => {
    c.get('bits').emit(op.i64ExtendI32U).set('acc');
    c.get('bitCount').emit(op.i64ExtendI32U).set('pending');
    c.unless((noTokens) => noTokens.get('tokens').get('tokensEnd').emit(op.i32GeU), (tokens) => tokens.doWhile((l) => {
      pair(l, 0);
      pair(l, 4);
      l.get('tokens').i32(8).emit(op.i32Add).tee('tokens').get('tokensEnd').emit(op.i32LtU);
    }));
    c.get('out').get('acc').emit(op.i64Store, ...memarg(0));
    c.get('out').get('pending').emit(op.i32WrapI64).i32(7).emit(op.i32Add).i32(3).emit(op.i32ShrU).emit(op.i32Add);
  });
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
const ADLER32_AND_COUNT = {
  params: { p: 'i32', n: 'i32', counts: 'i32' },
  locals: {
    s1: 'i32', s2: 'i32', end: 'i32', blockEnd: 'i32', blockLength: 'i32', at: 'i32',
    /** Per lane: Σb, the running sum of Σb before each chunk, Σ(16 − j)·b; and the chunk's bytes. */
    sums: 'v128', runningSums: 'v128', weightedSums: 'v128', bytes: 'v128',
  },
  results: ['i32'],
} as const;
type AdlerCode = Code<LocalName<typeof ADLER32_AND_COUNT.params, typeof ADLER32_AND_COUNT.locals>>;

/** counts[sub][byte at p + offset] += 1. */
function countByte(k: AdlerCode, offset: number, sub: number): void {
  k.get('p').emit(op.i32Load8U, ...memarg(0, offset)).i32(2).emit(op.i32Shl).get('counts').emit(op.i32Add).tee('at')
    .get('at').emit(op.i32Load, ...memarg(2, sub * 1024)).i32(1).emit(op.i32Add).emit(op.i32Store, ...memarg(2, sub * 1024));
}

/** The sum of a v128's four i32 lanes. */
function lanesSum(k: AdlerCode, v: 'sums' | 'runningSums' | 'weightedSums'): void {
  k.get(v).simd(simd.i32x4ExtractLane, 0).get(v).simd(simd.i32x4ExtractLane, 1).emit(op.i32Add)
    .get(v).simd(simd.i32x4ExtractLane, 2).emit(op.i32Add).get(v).simd(simd.i32x4ExtractLane, 3).emit(op.i32Add);
}

/** One block of up to ADLER_BLOCK bytes, sixteen a step, into (s1, s2) and the counts. */
function adlerBlock(c: AdlerCode): void {
  const zero = (k: AdlerCode): AdlerCode => k.simd(simd.v128Const, ...Array(16).fill(0));
  c.get('end').get('p').emit(op.i32Sub).i32(~15).emit(op.i32And).set('blockLength');
  c.get('blockLength').i32(ADLER_BLOCK).get('blockLength').i32(ADLER_BLOCK).emit(op.i32LtU).emit(op.select).set('blockLength');
  c.get('p').get('blockLength').emit(op.i32Add).set('blockEnd');
  zero(c).set('sums'); zero(c).set('runningSums'); zero(c).set('weightedSums');
  c.doWhile((l) => {
    l.get('runningSums').get('sums').simd(simd.i32x4Add).set('runningSums');
    l.get('p').load().set('bytes');
    l.get('sums').get('bytes').simd(simd.i16x8ExtaddPairwiseI8x16U).simd(simd.i32x4ExtaddPairwiseI16x8U).simd(simd.i32x4Add).set('sums');
    l.get('weightedSums')
      .get('bytes').simd(simd.i16x8ExtendLowI8x16U).simd(simd.v128Const, ...i16x8Bytes([16, 15, 14, 13, 12, 11, 10, 9])).simd(simd.i32x4DotI16x8S)
      .simd(simd.i32x4Add)
      .get('bytes').simd(simd.i16x8ExtendHighI8x16U).simd(simd.v128Const, ...i16x8Bytes([8, 7, 6, 5, 4, 3, 2, 1])).simd(simd.i32x4DotI16x8S)
      .simd(simd.i32x4Add).set('weightedSums');
    for (let j = 0; j < 16; j++) countByte(l, j, j & 3);
    l.get('p').i32(16).emit(op.i32Add).tee('p').get('blockEnd').emit(op.i32LtU);
  });
  // s2 += m·s1 + Σ(16 − j)·b + 16·(Σ of running sums mod 65521); then s1 += Σb
  c.get('s2').get('blockLength').get('s1').emit(op.i32Mul).emit(op.i32Add);
  lanesSum(c, 'weightedSums'); c.emit(op.i32Add);
  lanesSum(c, 'runningSums'); c.i32(ADLER_MOD).emit(op.i32RemU).i32(4).emit(op.i32Shl).emit(op.i32Add);
  c.i32(ADLER_MOD).emit(op.i32RemU).set('s2');
  c.get('s1'); lanesSum(c, 'sums'); c.emit(op.i32Add).i32(ADLER_MOD).emit(op.i32RemU).set('s1');
}

function adler32AndCountFunction(): FunctionDef {
  return defineFunction('adler32AndCount', ADLER32_AND_COUNT, (c) => {
    c.i32(1).set('s1').i32(0).set('s2');
    c.get('p').get('n').emit(op.i32Add).set('end');
    c.until((under16) => under16.get('end').get('p').emit(op.i32Sub).i32(16).emit(op.i32LtU), adlerBlock);
    // the last 0..15 bytes, one at a time
    c.until((atEnd) => atEnd.get('p').get('end').emit(op.i32GeU), (t) => {
      t.get('s1').get('p').emit(op.i32Load8U, ...memarg(0)).emit(op.i32Add).set('s1');
      t.get('s2').get('s1').emit(op.i32Add).set('s2');
      countByte(t, 0, 0);
      t.get('p').i32(1).emit(op.i32Add).set('p');
    });
    c.get('s2').i32(ADLER_MOD).emit(op.i32RemU).i32(16).emit(op.i32Shl)
      .get('s1').i32(ADLER_MOD).emit(op.i32RemU).emit(op.i32Or);
  });
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
