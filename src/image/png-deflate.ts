/**
 * A deflate encoder specialised for PNG scanlines (in the spirit of fpnge):
 * one dynamic-Huffman block of literals and runs — a byte repeating the one
 * before it (distance 1, zlib's Z_RLE) or the pixel before it (distance 3) —
 * in a zlib wrapper (RFC 1950, RFC 1951). On Up-filtered corrupted faces its
 * streams are ~4.5% smaller than zlib's level-1 Z_RLE and ~3× faster to make
 * (bench/png-encode.ts): tokenising, bit writing, Adler-32 and the byte counts
 * are WebAssembly (png-deflate-kernels.ts); the Huffman codes, limited to
 * 15 bits, are built here from the tokens' histogram.
 */
import { CODE_ENTRY_BYTES, CODE_TABLE, deflateKernels, INPUT_PADDING, LITERAL_SUBHISTOGRAMS_OFFSET, OUTPUT_PADDING, TOKEN } from './png-deflate-kernels.js';
import { align16, threadWorkspace } from '../wasm/workspace.js';

const MAX_CODE_BITS = 15;
const MAX_CODE_LENGTH_BITS = 7;
const LITLEN_SYMBOLS = 286;
const DISTANCE_SYMBOLS = 30;
const END_OF_BLOCK = 256;

/** RFC 1951 §3.2.5: length symbols 257..285 — base length and extra bits. */
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Distance 1 is distance code 0, distance 3 is code 2 (neither has extra bits). */
const DISTANCE_CODE = { 1: 0, 3: 2 } as const;
/** RFC 1951 §3.2.7: the order code-length code lengths are sent in. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Length symbol index (0..28, i.e. symbol 257 + index) of each match length 3..258. */
const LENGTH_SYMBOL = (() => {
  const t = new Uint8Array(259);
  for (let len = 3, s = 0; len <= 258; len++) {
    while (s < 28 && LENGTH_BASE[s + 1]! <= len) s++;
    t[len] = s;
  }
  return t;
})();

// ---- Huffman code lengths ----

/** Symbols per alphabet at most (deflate's largest has 286); frequency·SYMBOL_KEY + symbol sorts symbols by frequency. */
const SYMBOL_KEY = 1024;

/**
 * Prefix-code lengths of at most `maxBits` bits for `freqs`: Huffman's (two
 * queues over the sorted leaves, optimal), adjusted where its longest code
 * is longer (limitDepths; on the corrupted faces' literal codes, three in
 * four need it, the result is within 0.001% of package-merge's optimum, and
 * takes a few µs where package-merge took ~60). Symbols of zero frequency get
 * 0; a lone symbol gets 1. Throws if 2^maxBits < the number of symbols.
 */
export function limitedCodeLengths(freqs: ArrayLike<number>, maxBits: number): Uint8Array {
  const lengths = new Uint8Array(freqs.length);
  let n = 0, most = 0;
  for (let s = 0; s < freqs.length; s++) if (freqs[s]! > 0) { n++; most = Math.max(most, freqs[s]!); }
  if (n > 2 ** maxBits) throw new Error(`limitedCodeLengths: ${n} symbols do not fit in ${maxBits}-bit codes`);
  if (freqs.length > SYMBOL_KEY) throw new Error(`limitedCodeLengths: more than ${SYMBOL_KEY} symbols`);
  // symbols by ascending frequency (then symbol), sorted as numbers frequency·1024 + symbol (u32 sorts twice as fast as f64)
  const keys = most < 2 ** 22 ? scratch.keys32.subarray(0, n) : scratch.keys64.subarray(0, n);
  for (let s = 0, j = 0; s < freqs.length; s++) if (freqs[s]! > 0) keys[j++] = freqs[s]! * SYMBOL_KEY + s;
  keys.sort();
  // (fmod on doubles is slow: symbols and frequencies are split once)
  const { symbol, weight } = scratch;
  for (let j = 0; j < n; j++) {
    weight[j] = Math.floor(keys[j]! / SYMBOL_KEY);
    symbol[j] = keys[j]! - weight[j]! * SYMBOL_KEY;
  }
  if (n === 1) lengths[symbol[0]!] = 1;
  if (n < 2) return lengths;
  let depth = huffmanDepths(n);
  let longest = 0;
  for (let j = 0; j < n; j++) if (depth[j]! > longest) longest = depth[j]!;
  if (longest > maxBits) depth = limitDepths(depth, longest, maxBits);
  for (let j = 0; j < n; j++) lengths[symbol[j]!] = depth[j]!;
  return lengths;
}

/**
 * Working arrays of limitedCodeLengths, made once per thread (typed arrays
 * cost ~1 µs each to allocate; a block needs some thirty).
 */
const scratch = {
  keys32: new Uint32Array(SYMBOL_KEY),
  keys64: new Float64Array(SYMBOL_KEY),
  symbol: new Uint16Array(SYMBOL_KEY),
  /** Leaves' weights, ascending, then the merged nodes'. */
  weight: new Float64Array(2 * SYMBOL_KEY),
  parent: new Int32Array(2 * SYMBOL_KEY),
  depth: new Uint8Array(2 * SYMBOL_KEY),
};

/**
 * Huffman code lengths of the n leaves in scratch.weight (ascending): two
 * queues, the leaves and the merged nodes in the order made (which come out
 * in ascending weight, so both stay sorted); the lighter head goes first.
 */
function huffmanDepths(n: number): Uint8Array {
  const { weight, parent, depth } = scratch;
  const nodes = 2 * n - 1;
  let nextLeaf = 0, nextNode = n;
  for (let made = n; made < nodes; made++) {
    for (let child = 0; child < 2; child++) {
      const x = nextLeaf < n && (nextNode === made || weight[nextLeaf]! <= weight[nextNode]!) ? nextLeaf++ : nextNode++;
      weight[made] = child === 0 ? weight[x]! : weight[made]! + weight[x]!;
      parent[x] = made;
    }
  }
  depth[nodes - 1] = 0;
  for (let k = nodes - 2; k >= 0; k--) depth[k] = depth[parent[k]!]! + 1;
  return depth.subarray(0, n);
}

/**
 * Huffman depths of leaves in ascending weight order, made to fit in
 * `maxBits` (JPEG's Annex K.3 adjustment on the count of codes per length):
 * two codes of the deepest length become one a level up, and a code at the
 * deepest length j < that with codes gets two children at j + 1 — a move
 * that keeps the Kraft sum at 1 and the number of codes. The lengths are
 * then dealt out again, longest to the lightest leaves.
 */
function limitDepths(depth: Uint8Array, longest: number, maxBits: number): Uint8Array {
  const count = new Int32Array(longest + 1);
  for (const d of depth) count[d]!++;
  for (let i = longest; i > maxBits; i--) {
    while (count[i]! > 0) {
      let j = i - 2;
      while (j > 0 && count[j] === 0) j--;
      if (j === 0) throw new Error('limitDepths: no code to split (more symbols than codes of maxBits bits)');
      count[i]! -= 2; count[i - 1]!++;
      count[j + 1]! += 2; count[j]!--;
    }
  }
  const out = new Uint8Array(depth.length);
  for (let j = 0, bits = maxBits; j < depth.length; j++) {
    while (count[bits] === 0) bits--;
    out[j] = bits;
    count[bits]!--;
  }
  return out;
}

/** Canonical codes (RFC 1951 §3.2.2) for `lengths`, bit-reversed: deflate sends a code's first bit first, LSB-first. */
export function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(MAX_CODE_BITS + 2);
  for (let s = 0; s < lengths.length; s++) count[lengths[s]!]!++;
  count[0] = 0;
  const next = count; // next[bits] overwrites count[bits] once count[bits − 1] is used
  let code = 0, previous = 0;
  for (let bits = 1; bits <= MAX_CODE_BITS; bits++) {
    code = (code + previous) << 1;
    previous = count[bits]!;
    next[bits] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s]!;
    if (l === 0) continue;
    const c = next[l]!++;
    codes[s] = ((REVERSED_BYTE[c & 0xff]! << 8) | REVERSED_BYTE[c >> 8]!) >> (16 - l);
  }
  return codes;
}

/** Each byte with its bits in reverse order. */
const REVERSED_BYTE = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
});

/** Gives zero-frequency symbols frequency 1, lowest first, until two are used: a Huffman code needs two, and zlib's inflate wants complete codes. */
function atLeastTwoSymbols(freqs: Uint32Array): void {
  let used = 0;
  for (const f of freqs) if (f > 0) used++;
  for (let s = 0; used < 2 && s < freqs.length; s++) if (freqs[s] === 0) { freqs[s] = 1; used++; }
}

// ---- block header ----

/** Bits written LSB-first into a byte array (the block header; the wasm writer continues from its last partial byte). */
class BitWriter {
  bits = 0;
  count = 0;
  constructor(readonly bytes: Uint8Array, public at: number) {}

  put(value: number, n: number): void {
    this.bits |= value << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.bytes[this.at++] = this.bits & 0xff;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }
}

/** RFC 1951 §3.2.7: code lengths as symbols 0..15, 16 (repeat previous 3–6×), 17 (3–10 zeros), 18 (11–138 zeros); [symbol, extra] pairs. */
function runLengthCodeLengths(lengths: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < lengths.length;) {
    const l = lengths[i]!;
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === l) run++;
    i += run;
    if (l === 0) {
      while (run >= 11) { const r = Math.min(run, 138); out.push([18, r - 11]); run -= r; }
      if (run >= 3) { out.push([17, run - 3]); run = 0; }
    } else {
      out.push([l, 0]); run--;
      while (run >= 3) { const r = Math.min(run, 6); out.push([16, r - 3]); run -= r; }
    }
    for (; run > 0; run--) out.push([l, 0]);
  }
  return out;
}

interface BlockCodes {
  readonly litLenLengths: Uint8Array;
  readonly litLenCodes: Uint16Array;
  readonly distanceLengths: Uint8Array;
  readonly distanceCodes: Uint16Array;
}

/** Codes for a block from its token histogram (u32[771]: literals, end of block, runs by length at distance 1 then 3). */
function blockCodes(histogram: Uint32Array): BlockCodes {
  const litLen = new Uint32Array(LITLEN_SYMBOLS);
  const distance = new Uint32Array(DISTANCE_SYMBOLS);
  litLen.set(histogram.subarray(0, 256));
  litLen[END_OF_BLOCK] = 1;
  for (let len = 3; len <= 258; len++) {
    const d1 = histogram[TOKEN.distance1 + len]!, d3 = histogram[TOKEN.distance3 + len]!;
    litLen[257 + LENGTH_SYMBOL[len]!]! += d1 + d3;
    distance[DISTANCE_CODE[1]]! += d1;
    distance[DISTANCE_CODE[3]]! += d3;
  }
  atLeastTwoSymbols(litLen);
  atLeastTwoSymbols(distance);
  const litLenLengths = limitedCodeLengths(litLen, MAX_CODE_BITS);
  const distanceLengths = limitedCodeLengths(distance, MAX_CODE_BITS);
  return { litLenLengths, litLenCodes: canonicalCodes(litLenLengths), distanceLengths, distanceCodes: canonicalCodes(distanceLengths) };
}

/** Writes BFINAL, BTYPE = dynamic, HLIT/HDIST/HCLEN, the code-length code and the run-length-coded code lengths. */
function writeBlockHeader(w: BitWriter, codes: BlockCodes): void {
  let hlit = LITLEN_SYMBOLS, hdist = DISTANCE_SYMBOLS;
  while (codes.litLenLengths[hlit - 1] === 0) hlit--;
  while (hdist > 1 && codes.distanceLengths[hdist - 1] === 0) hdist--;
  const all = new Uint8Array(hlit + hdist);
  all.set(codes.litLenLengths.subarray(0, hlit));
  all.set(codes.distanceLengths.subarray(0, hdist), hlit);
  const runs = runLengthCodeLengths(all);
  const clFreq = new Uint32Array(19);
  for (const [s] of runs) clFreq[s]!++;
  atLeastTwoSymbols(clFreq);
  const clLengths = limitedCodeLengths(clFreq, MAX_CODE_LENGTH_BITS);
  const clCodes = canonicalCodes(clLengths);
  let hclen = 19;
  while (hclen > 4 && clLengths[CODE_LENGTH_ORDER[hclen - 1]!] === 0) hclen--;
  w.put(1, 1);            // BFINAL
  w.put(2, 2);            // BTYPE 10: dynamic Huffman
  w.put(hlit - 257, 5);
  w.put(hdist - 1, 5);
  w.put(hclen - 4, 4);
  for (let i = 0; i < hclen; i++) w.put(clLengths[CODE_LENGTH_ORDER[i]!]!, 3);
  const extraBits = [2, 3, 7];
  for (const [s, extra] of runs) {
    w.put(clCodes[s]!, clLengths[s]!);
    if (s >= 16) w.put(extra, extraBits[s - 16]!);
  }
}

/** Per token value, its CODE_TABLE entry (u32 pairs): the bits (code, extra bits, distance code; LSB-first) and their count. */
function fillCodeTable(table: Uint32Array, codes: BlockCodes): void {
  const { litLenLengths: ll, litLenCodes: lc, distanceLengths: dl, distanceCodes: dc } = codes;
  for (let s = 0; s <= 256; s++) { table[2 * s] = lc[s]!; table[2 * s + 1] = ll[s]!; }
  table[2 * TOKEN.padding] = 0; table[2 * TOKEN.padding + 1] = 0;
  for (const [base, dcode] of [[TOKEN.distance1, DISTANCE_CODE[1]], [TOKEN.distance3, DISTANCE_CODE[3]]] as const) {
    for (let len = 3; len <= 258; len++) {
      const li = LENGTH_SYMBOL[len]!, sym = 257 + li;
      const n1 = ll[sym]!, extra = LENGTH_EXTRA[li]!;
      // ≤ 15 + 5 + 1 bits: two distance codes at most, so each is one bit
      table[2 * (base + len)] = lc[sym]! | ((len - LENGTH_BASE[li]!) << n1) | (dc[dcode]! << (n1 + extra));
      table[2 * (base + len) + 1] = n1 + extra + dl[dcode]!;
    }
  }
}

// ---- the encoder ----

/** Where in the workspace the deflate reads its scanlines: after the code table and the input padding. */
export const DEFLATE_INPUT_OFFSET = align16(CODE_TABLE + CODE_ENTRY_BYTES * TOKEN.count) + INPUT_PADDING;

/**
 * The zlib stream (RFC 1950) of `data` — for PNG, its filtered scanlines — as
 * one dynamic-Huffman deflate block of literals and runs at distances 1 and 3.
 */
export function deflateScanlines(data: Uint8Array): Uint8Array {
  const ws = threadWorkspace();
  ws.reserve(DEFLATE_INPUT_OFFSET + data.length);
  ws.u8.set(data, DEFLATE_INPUT_OFFSET);
  const { start, end } = deflateInWorkspace(data.length);
  return ws.u8.slice(start, end);
}

/**
 * deflateScanlines over the `n` bytes already at DEFLATE_INPUT_OFFSET in this
 * thread's workspace (encodePng filters them there): the stream is left in the
 * workspace at [start, end), valid until the next workspace kernel runs.
 */
export function deflateInWorkspace(n: number): { start: number; end: number } {
  const ws = threadWorkspace();
  const kernels = deflateKernels();
  const input = DEFLATE_INPUT_OFFSET;
  const tokens = align16(input + n + INPUT_PADDING);
  // tokens: one per byte at most, + end of block + 3 padding; the vector step stores 16 ahead
  const histogram = align16(tokens + 2 * (n + 4) + 32);
  const out = align16(histogram + LITERAL_SUBHISTOGRAMS_OFFSET + 4 * 1024);
  // zlib header; ≤ 15 bits a literal, 21 a run of ≥ 3 bytes; block header ≤ 17 + 57 + 316·14 bits; adler32
  const outBound = 2 + Math.ceil((15 * n + 21) / 8) + 600 + 4 + OUTPUT_PADDING;
  ws.reserve(out + outBound);
  const u8 = new Uint8Array(ws.memory.buffer);
  const u32 = new Uint32Array(ws.memory.buffer);
  const literalCounts = (histogram + LITERAL_SUBHISTOGRAMS_OFFSET) / 4;
  u32.fill(0, histogram / 4, literalCounts + 4 * 256);
  const adler = kernels.adler32AndCount(input, n, histogram + LITERAL_SUBHISTOGRAMS_OFFSET) >>> 0;
  let tokensEnd = kernels.tokenize(input, n, tokens, histogram);
  for (let b = 0; b < 256; b++) {
    u32[histogram / 4 + b]! += u32[literalCounts + b]! + u32[literalCounts + 256 + b]! + u32[literalCounts + 512 + b]! + u32[literalCounts + 768 + b]!;
  }
  const u16 = new Uint16Array(ws.memory.buffer);
  u16[tokensEnd / 2] = END_OF_BLOCK * CODE_ENTRY_BYTES;
  tokensEnd += 2;
  while ((tokensEnd - tokens) % 8 !== 0) {
    u16[tokensEnd / 2] = TOKEN.padding * CODE_ENTRY_BYTES;
    tokensEnd += 2;
  }

  const codes = blockCodes(u32.subarray(histogram / 4, histogram / 4 + TOKEN.count));
  u8[out] = 0x78;      // CMF: deflate, 32 KB window
  u8[out + 1] = 0x01;  // FLG: fastest, no dictionary; (0x78·256 + 0x01) % 31 = 0
  const w = new BitWriter(u8, out + 2);
  writeBlockHeader(w, codes);
  fillCodeTable(u32.subarray(CODE_TABLE / 4, CODE_TABLE / 4 + 2 * TOKEN.count), codes);
  const end = kernels.emitBits(tokens, tokensEnd, w.at, w.bits, w.count);
  u8[end] = adler >>> 24; u8[end + 1] = (adler >>> 16) & 0xff; u8[end + 2] = (adler >>> 8) & 0xff; u8[end + 3] = adler & 0xff;
  return { start: out, end: end + 4 };
}
