/**
 * The PNG deflate encoder (src/image/png-deflate.ts) checked by an independent
 * decoder: every stream must inflate with node's zlib (which checks the zlib
 * header, every Huffman table and the Adler-32) to exactly its input, and
 * PNGs must decode (Skia) to exactly their pixels — on real faces and their
 * corrupted variants, and on inputs made to hit the encoder's edges: no runs,
 * nothing but runs, runs past 258 bytes, runs at one pixel's distance, every
 * byte value, tiny images, and histograms whose Huffman codes would be longer
 * than deflate's 15 bits. The code-length limiting is checked against the
 * Kraft equality and against optimal costs computed here (Huffman's by merging
 * the two lightest, package-merge's under the limit).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inflateSync } from 'node:zlib';
import { join } from 'node:path';
import { FACES_DIR, loadFaces } from './helpers/fixtures.js';
import { decodeImage, encodePng, readImageFile, toFloat, type RgbImage } from '../src/image/index.js';
import { deflateScanlines, limitedCodeLengths } from '../src/image/png-deflate.js';
import { deflateScanlinesTwin } from '../src/image/png-deflate-twin.js';
import { upFilteredScanlines } from '../src/image/up-filter-wasm.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { Rng } from '../src/random/rng.js';

/** Inflates with zlib (throws on any format or checksum error) and compares byte for byte. */
function assertRoundTrip(data: Uint8Array, what: string): Uint8Array {
  const stream = deflateScanlines(data);
  let back = Buffer.alloc(0);
  try { back = inflateSync(stream); } catch (e) { assert.unreachable(`${what}: zlib rejects the stream (${(e as Error).message})`); }
  assert.is(back.length, data.length, `${what}: inflated length`);
  const at = back.findIndex((v, i) => v !== data[i]);
  assert.is(at, -1, `${what}: first differing byte`);
  return stream;
}

function image(width: number, height: number, pixel: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = pixel(x, y, c) & 0xff;
  return { width, height, data };
}

function assertPngLossless(img: RgbImage, what: string): void {
  const back = decodeImage(encodePng(img), { name: what });
  assert.is(back.width, img.width); assert.is(back.height, img.height);
  const at = back.data.findIndex((v, i) => v !== img.data[i]);
  assert.is(at, -1, `${what}: first differing pixel value`);
}

const scanlines = (img: RgbImage): Uint8Array => upFilteredScanlines(img.data, img.width * 3, img.height);

/** CRC-32 (ISO 3309, as PNG uses it), bit by bit: independent of the table and of zlib's that encodePng uses. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('a PNG file owns its ArrayBuffer whole (a worker transfers it); its chunks have their lengths and CRC-32s, and IDAT is the deflate of the Up-filtered rows', () => {
  // A Buffer cut from Node's shared pool would hand other buffers' bytes to the thread it is transferred to.
  for (const size of [224, 37]) {
    const image = readImageFile(join(FACES_DIR, 'sample3_face1.png'), { size });
    const png = encodePng(image);
    assert.is(png.byteOffset, 0);
    assert.is(png.buffer.byteLength, png.length);
    assert.equal([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    const chunks: { type: string; body: Uint8Array }[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      assert.is(png.readUInt32BE(at + 8 + length), crc32Bitwise(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
      chunks.push({ type, body: png.subarray(at + 8, at + 8 + length) });
      at += 12 + length;
    }
    assert.equal(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
    assert.equal([...chunks[0]!.body], [0, 0, 0, size, 0, 0, 0, size, 8, 2, 0, 0, 0]);
    // encodePng filters and deflates inside the workspace; the copying path must give the same stream.
    assert.equal([...chunks[1]!.body], [...deflateScanlines(scanlines(image))]);
    assert.is(chunks[2]!.body.length, 0);
  }
});

test('real faces and their corrupted variants: zlib inflates every stream to the scanlines, Skia decodes the PNGs to the pixels, sizes within 2% of zlib level 1 Z_RLE', async () => {
  const faces = loadFaces().slice(0, 2);
  const host = new KernelHost('webasm');
  let ours = 0, zlibs = 0, n = 0;
  try {
    for (const { name, image: face } of faces) {
      const variants: [string, RgbImage][] = [[`${name} clean`, face]];
      for (const corruption of CORRUPTION_NAMES) {
        const severity = SEVERITIES[n++ % SEVERITIES.length]!;
        variants.push([`${name} ${corruption}/${severity}`, await corruptImage(toFloat(face), { seed: 1, sampleId: name, corruption, severity }, host)]);
      }
      for (const [what, img] of variants) {
        const raw = scanlines(img);
        ours += assertRoundTrip(raw, what).length;
        zlibs += deflateScanlinesTwin(raw).length;
        assertPngLossless(img, what);
      }
    }
  } finally { host.destroy(); }
  assert.ok(ours <= 1.02 * zlibs, `${ours} bytes against zlib's ${zlibs}`);
});

test('synthetic edge cases round-trip through zlib and Skia', () => {
  const rng = Rng.forVariant(7, 'deflate', 'test', 1);
  const cases: [string, RgbImage][] = [
    ['all zero 224×224', image(224, 224, () => 0)],
    ['one grey 300×7 (runs past 258 bytes, across rows)', image(300, 7, () => 200)],
    ['pure noise 224×224', image(224, 224, () => Math.floor(rng.uniform() * 256))],
    ['one row 224×1', image(224, 1, (x, _y, c) => x * 3 + c)],
    ['1×1', image(1, 1, (_x, _y, c) => 10 * c + 1)],
    ['1×2', image(1, 2, () => 9)],
    ['2×1', image(2, 1, () => 9)],
    ['repeating pixel (distance 3)', image(224, 224, (_x, y, c) => [17, 99, 230][c]! + y)],
    ['all 256 values, ramps', image(256, 40, (x, y, c) => x * (c + 1) + y * y)],
    ['noise with runs of every length 1..300', (() => {
      const data = new Uint8Array(3 * 200 * 150);
      let i = 0, len = 1;
      while (i < data.length) {
        const v = Math.floor(rng.uniform() * 256);
        for (let k = 0; k < len && i < data.length; k++) data[i++] = v;
        len = len % 300 + 1;
      }
      return { width: 200, height: 150, data };
    })()],
  ];
  for (const [what, img] of cases) {
    assertRoundTrip(scanlines(img), what);
    assertPngLossless(img, what);
  }
});

test('raw byte strings: empty, 1–40 bytes, runs of exactly 3, 258, 259, 516 and 517, and every byte value', () => {
  const rng = Rng.forVariant(8, 'deflate', 'test', 1);
  assertRoundTrip(new Uint8Array(0), 'empty');
  for (let n = 1; n <= 40; n++) {
    assertRoundTrip(Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 4)), `${n} bytes of 4 values`);
    assertRoundTrip(new Uint8Array(n).fill(5), `${n} equal bytes`);
  }
  for (const run of [3, 4, 257, 258, 259, 260, 261, 516, 517, 1000]) {
    const data = new Uint8Array(run + 40);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.uniform() * 256);
    data.fill(77, 20, 20 + run);
    assertRoundTrip(data, `a run of ${run}`);
    // a three-byte pattern repeated: runs at distance 3 of every length
    const pattern = new Uint8Array(run + 40);
    for (let i = 0; i < pattern.length; i++) pattern[i] = i >= 20 && i < 20 + run ? [1, 2, 3][i % 3]! : Math.floor(rng.uniform() * 256);
    assertRoundTrip(pattern, `a pixel repeated over ${run} bytes`);
  }
  assertRoundTrip(Uint8Array.from({ length: 256 * 50 }, (_, i) => i & 0xff), 'every byte value, 50 times');
});

/** Fibonacci-distributed bytes: frequencies 1, 1, 2, 3, 5, … make Huffman's deepest code as long as there are symbols. */
function fibonacciBytes(symbols: number): Uint8Array {
  const freq = [1, 1];
  while (freq.length < symbols) freq.push(freq[freq.length - 1]! + freq[freq.length - 2]!);
  const total = freq.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(total);
  const rng = Rng.forVariant(9, 'deflate', 'test', 1);
  let at = 0;
  freq.forEach((f, s) => { out.fill(s * 7 + 1, at, at + f); at += f; });
  // shuffle so that runs do not swallow the literals
  for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(rng.uniform() * (i + 1)); [out[i], out[j]] = [out[j]!, out[i]!]; }
  return out;
}

/** Huffman code lengths by the textbook algorithm (repeatedly merge the two lightest; no limit). */
function huffmanLengths(freqs: readonly number[]): number[] {
  type Node = { w: number; syms: number[] };
  let nodes: Node[] = freqs.flatMap((w, s) => (w > 0 ? [{ w, syms: [s] }] : []));
  const lengths = freqs.map(() => 0);
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.w - b.w);
    const [a, b] = [nodes[0]!, nodes[1]!];
    for (const s of [...a.syms, ...b.syms]) lengths[s]!++;
    nodes = [{ w: a.w + b.w, syms: [...a.syms, ...b.syms] }, ...nodes.slice(2)];
  }
  return lengths;
}

/** Minimal cost Σ f·l with every l ≤ maxBits (package-merge, written plainly: items carry their symbol lists). */
function packageMergeCost(freqs: readonly number[], maxBits: number): number {
  type Item = { w: number; syms: number[] };
  const leaves: Item[] = freqs.flatMap((w, s) => (w > 0 ? [{ w, syms: [s] }] : [])).sort((a, b) => a.w - b.w);
  let list = leaves;
  for (let d = 1; d < maxBits; d++) {
    const packages: Item[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) packages.push({ w: list[i]!.w + list[i + 1]!.w, syms: [...list[i]!.syms, ...list[i + 1]!.syms] });
    list = [...leaves, ...packages].sort((a, b) => a.w - b.w);
  }
  let cost = 0;
  for (const item of list.slice(0, 2 * leaves.length - 2)) for (const s of item.syms) cost += freqs[s]!;
  return cost;
}

const cost = (freqs: readonly number[], lengths: ArrayLike<number>): number => freqs.reduce((sum, f, s) => sum + f * lengths[s]!, 0);

function assertCompleteCode(lengths: Uint8Array, freqs: readonly number[], maxBits: number, what: string): void {
  let kraft = 0;
  lengths.forEach((l, s) => {
    assert.ok(l <= maxBits, `${what}: symbol ${s} has ${l} bits`);
    assert.is(l > 0, freqs[s]! > 0, `${what}: symbol ${s} (frequency ${freqs[s]}) has a code iff it occurs`);
    if (l > 0) kraft += 2 ** -l;
  });
  assert.is(kraft, 1, `${what}: Kraft sum`);
}

/**
 * limitDepths is a heuristic: on 15-bit alphabets it stays within 1% of the
 * optimum; squeezing 25 Fibonacci symbols into 7 bits (an extreme only the
 * header's 19-symbol code-length code could meet, where it costs header bits
 * alone) it is ~9% above it.
 */
test('code lengths: Huffman-optimal when it fits, ≤ 15 bits, complete and near package-merge when it does not', () => {
  const fib = [1, 1];
  while (fib.length < 40) fib.push(fib[fib.length - 1]! + fib[fib.length - 2]!);
  const rng = Rng.forVariant(10, 'lengths', 'test', 1);
  const cases: [string, number[], number][] = [
    ['Fibonacci 40 (Huffman depth 39)', fib, 15],
    ['Fibonacci 25 under 7 bits', fib.slice(0, 25), 7],
    ['Fibonacci 20 with zeros between', fib.slice(0, 20).flatMap((f) => [f, 0]), 15],
    ['geometric 286', Array.from({ length: 286 }, (_, i) => Math.floor(2 ** (i / 12)) + 1), 15],
    ['skewed 286', Array.from({ length: 286 }, (_, i) => (i === 0 ? 1e6 : Math.floor(rng.uniform() * 3))), 15],
    ['uniform 19', Array(19).fill(5), 7],
    ['random 286', Array.from({ length: 286 }, () => Math.floor(rng.uniform() * 1000)), 15],
    ['two symbols', [0, 3, 0, 9], 15],
  ];
  for (const [what, freqs, maxBits] of cases) {
    const lengths = limitedCodeLengths(freqs, maxBits);
    assertCompleteCode(lengths, freqs, maxBits, what);
    const huffman = huffmanLengths(freqs);
    if (Math.max(...huffman) <= maxBits) assert.is(cost(freqs, lengths), cost(freqs, huffman), `${what}: Huffman's cost`);
    else {
      const best = packageMergeCost(freqs, maxBits);
      assert.ok(cost(freqs, lengths) >= best, `${what}: not below the optimum`);
      const slack = maxBits === 15 ? 1.01 : 1.1;
      assert.ok(cost(freqs, lengths) <= slack * best, `${what}: ${cost(freqs, lengths)} against package-merge's ${best}`);
    }
  }
  assert.equal([...limitedCodeLengths([0, 0, 4], 15)], [0, 0, 1], 'a lone symbol gets one bit');
  assert.throws(() => limitedCodeLengths(Array(300).fill(1), 8), /300 symbols/);
});

test('literal histograms whose Huffman codes exceed 15 bits are limited, and zlib inflates the result', () => {
  for (const symbols of [20, 24, 27]) {
    const data = fibonacciBytes(symbols);
    const counts = Array(256).fill(0) as number[];
    for (const b of data) counts[b]!++;
    assert.ok(Math.max(...huffmanLengths(counts)) > 15, `${symbols} Fibonacci symbols need a code longer than 15 bits`);
    assertRoundTrip(data, `${symbols} Fibonacci-distributed byte values`);
  }
});

/** The greedy tokens, written plainly: at each position past the third the longer run at distance 1 or 3 (≥ 3 bytes, ≤ 258; distance 1 on a tie), else a literal. */
function tokenHistogram(data: Uint8Array): { litLen: number[]; distance: number[] } {
  const litLen = Array(286).fill(0) as number[], distance = Array(30).fill(0) as number[];
  const runAt = (i: number, d: number): number => { let l = 0; while (l < 258 && i + l < data.length && data[i + l] === data[i + l - d]) l++; return l; };
  const lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  for (let i = 0; i < data.length;) {
    const l1 = i >= 3 ? runAt(i, 1) : 0, l3 = i >= 3 ? runAt(i, 3) : 0;
    const len = Math.max(l1, l3);
    if (len >= 3) {
      let s = 28;
      while (lengthBase[s]! > len) s--;
      litLen[257 + s]!++;
      distance[l1 >= l3 ? 0 : 2]!++;
      i += len;
    } else litLen[data[i++]!]!++;
  }
  litLen[256] = 1;
  return { litLen, distance };
}

/** The code lengths a dynamic block's header sends (RFC 1951 §3.2.7), read bit by bit. */
function headerCodeLengths(z: Uint8Array): { litLen: number[]; distance: number[] } {
  let at = 16; // past CMF, FLG
  const bits = (n: number): number => { let v = 0; for (let i = 0; i < n; i++, at++) v |= ((z[at >> 3]! >> (at & 7)) & 1) << i; return v; };
  assert.is(bits(3), 0b101, 'one final dynamic block');
  const hlit = bits(5) + 257, hdist = bits(5) + 1, hclen = bits(4) + 4;
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  const clLengths = Array(19).fill(0) as number[];
  for (let i = 0; i < hclen; i++) clLengths[order[i]!] = bits(3);
  // canonical codes of the code-length code, decoded a bit at a time
  const codes = new Map<string, number>();
  let code = 0;
  for (let len = 1; len <= 7; len++) {
    for (let s = 0; s < 19; s++) if (clLengths[s] === len) codes.set(`${len}:${code++}`, s);
    code <<= 1;
  }
  const lengths: number[] = [];
  while (lengths.length < hlit + hdist) {
    let c = 0, len = 0, sym: number | undefined;
    while (sym === undefined) { c = (c << 1) | bits(1); len++; sym = codes.get(`${len}:${c}`); assert.ok(len <= 7, 'a code-length code'); }
    if (sym < 16) lengths.push(sym);
    else if (sym === 16) { const prev = lengths[lengths.length - 1]!; for (let r = bits(2) + 3; r > 0; r--) lengths.push(prev); }
    else for (let r = sym === 17 ? bits(3) + 3 : bits(7) + 11; r > 0; r--) lengths.push(0);
  }
  const litLen = lengths.slice(0, hlit), distance = lengths.slice(hlit);
  while (litLen.length < 286) litLen.push(0);
  while (distance.length < 30) distance.push(0);
  return { litLen, distance };
}

test('the block codes are optimal for the tokens (counted here independently): runs and literal counts are exact', () => {
  const face = loadFaces().slice(0, 1)[0]!.image;
  const rng = Rng.forVariant(12, 'counts', 'test', 1);
  const inputs: [string, Uint8Array][] = [
    ['a real face', scanlines(face)],
    ['a face with noise', scanlines({ ...face, data: face.data.map((v) => Math.min(255, v + Math.floor(rng.uniform() * 24))) })],
    ['pixel patterns and runs', Uint8Array.from({ length: 30_000 }, (_, i) => (i % 700 < 300 ? [3, 9, 27][i % 3]! : i % 700 < 420 ? 5 : Math.floor(rng.uniform() * 40)))],
  ];
  for (const [what, data] of inputs) {
    const want = tokenHistogram(data);
    const got = headerCodeLengths(assertRoundTrip(data, what));
    for (const [alphabet, freqs, lengths] of [['literal/length', want.litLen, got.litLen], ['distance', want.distance, got.distance]] as const) {
      freqs.forEach((f, s) => { if (f > 0) assert.ok(lengths[s]! > 0, `${what}: ${alphabet} symbol ${s} occurs ${f}× but has no code`); });
      const used = freqs.filter((f) => f > 0).length;
      if (used < 2) continue;
      const huffman = huffmanLengths(freqs);
      const best = Math.max(...huffman) <= 15 ? cost(freqs, huffman) : packageMergeCost(freqs, 15);
      const slack = Math.max(...huffman) <= 15 ? 1 : 1.01;
      assert.ok(cost(freqs, lengths) <= slack * best, `${what}: ${alphabet} codes cost ${cost(freqs, lengths)} bits against ${best} for these tokens`);
    }
  }
});

/** Adler-32 by its definition (RFC 1950 §9), one byte at a time. */
function adler32(data: Uint8Array): number {
  let a = 1, b = 0;
  for (const v of data) { a = (a + v) % 65521; b = (b + a) % 65521; }
  return ((b << 16) | a) >>> 0;
}

test('zlib wrapper: CMF/FLG header, one final dynamic-Huffman block, Adler-32 trailer by its definition', () => {
  const rng = Rng.forVariant(11, 'adler', 'test', 1);
  const inputs = [
    new Uint8Array(0),
    Uint8Array.from({ length: 15 }, () => Math.floor(rng.uniform() * 256)),
    Uint8Array.from({ length: 5553 }, () => Math.floor(rng.uniform() * 256)),
    new Uint8Array(200_001).fill(255),  // the largest sums: every lane and block at its bound
    Uint8Array.from({ length: 150_752 }, () => Math.floor(rng.uniform() * 256)),
  ];
  for (const data of inputs) {
    const z = assertRoundTrip(data, `${data.length} bytes`);
    assert.is(z[0], 0x78, 'CMF: deflate, 32 KB window');
    assert.is((z[0]! * 256 + z[1]!) % 31, 0, 'FCHECK');
    assert.is(z[1]! & 0x20, 0, 'no preset dictionary');
    assert.is(z[2]! & 0b111, 0b101, 'BFINAL = 1, BTYPE = 10 (dynamic Huffman)');
    const n = z.length;
    assert.is(((z[n - 4]! << 24) | (z[n - 3]! << 16) | (z[n - 2]! << 8) | z[n - 1]!) >>> 0, adler32(data), `${data.length} bytes: Adler-32`);
  }
});

test.run();
