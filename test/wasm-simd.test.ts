/**
 * The WebAssembly SIMD loops (src/image/quantize-wasm.ts, up-filter-wasm.ts; src/corruptions/kernels/stencil-wasm.ts, row-stencil-wasm.ts) against their
 * definitions written out directly: 8-bit rounding (SPEC.md §2: clip to
 * [0, 255], round half up, NaN → 0), PNG's Up filter (PNG spec §9.2), and
 * fixed stencils as plain sums. Sizes include ones that are not multiples of
 * the 4- and 16-lane steps, where the loops' tails and over-reads matter.
 * (The zoom sums are checked against scipy's values in blur-kernels.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quantizeToBytes } from '../src/image/quantize-wasm.js';
import { upFilteredScanlines } from '../src/image/up-filter-wasm.js';
import { runStencil } from '../src/corruptions/kernels/stencil-wasm.js';
import { runRowStencil } from '../src/corruptions/kernels/row-stencil-wasm.js';
import { Rng } from '../src/random/rng.js';

/** Round half up with clipping, in float64 on the float32 value. */
function roundHalfUp(v: number): number {
  if (Number.isNaN(v) || v <= 0) return 0;
  if (v >= 255) return 255;
  return Math.floor(v + 0.5);
}

test('quantizeToBytes clips, rounds half up and maps NaN to 0, at every length', () => {
  const edges = [NaN, -Infinity, Infinity, -1e30, 1e30, -0.5, -0.4999, 0, 0.49999997, 0.5, 1.5, 2.5, 3.4999998, 3.5,
    100.5, 101.5, 253.49998, 254.5, 254.50002, 255, 255.5, 256, 0.1, 127.5];
  assert.is(Math.fround(0.49999997), 0.4999999701976776, 'the float32 just below ½ is in the list');
  const rng = Rng.forVariant(1, 'quantize', 'test', 1);
  for (const n of [1, 3, 15, 16, 17, 33, 64, 150_528]) {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = i < edges.length ? edges[i]! : rng.uniform() * 300 - 20;
    const got = quantizeToBytes(values);
    assert.is(got.length, n);
    for (let i = 0; i < n; i++) {
      if (got[i] !== roundHalfUp(values[i]!)) assert.unreachable(`n ${n}, value ${values[i]}: got ${got[i]}, want ${roundHalfUp(values[i]!)}`);
    }
  }
});

test('upFilteredScanlines is filter byte 2 then each byte minus the byte above (mod 256)', () => {
  const rng = Rng.forVariant(2, 'up', 'test', 1);
  for (const [stride, rows] of [[3, 1], [21, 5], [16, 4], [672, 224], [5, 7]] as const) {
    const data = new Uint8Array(stride * rows);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.uniform() * 256);
    const got = upFilteredScanlines(data, stride, rows);
    assert.is(got.length, (stride + 1) * rows);
    for (let y = 0; y < rows; y++) {
      assert.is(got[y * (stride + 1)], 2, `row ${y} filter byte`);
      for (let x = 0; x < stride; x++) {
        const want = (data[y * stride + x]! - (y > 0 ? data[(y - 1) * stride + x]! : 0)) & 0xff;
        if (got[y * (stride + 1) + 1 + x] !== want) assert.unreachable(`${stride}×${rows}: row ${y} byte ${x}: ${got[y * (stride + 1) + 1 + x]} vs ${want}`);
      }
    }
  }
  assert.throws(() => upFilteredScanlines(new Uint8Array(5), 3, 2), /6/);
});

test('runStencil equals the direct weighted sum (float32 rounding), at lengths off the 4-lane step', () => {
  const rng = Rng.forVariant(3, 'stencil', 'test', 1);
  const terms = [{ weight: 0.25, offsets: [0, 8] }, { weight: 0.5, offsets: [4] }, { weight: 1, offsets: [2] }, { weight: -0.125, offsets: [7] }];
  for (const output of [1, 5, 13, 1000]) {
    const p = new Float32Array(output + 8);
    for (let i = 0; i < p.length; i++) p[i] = rng.uniform() * 255;
    const got = runStencil(terms, p, output);
    assert.is(got.length, output);
    for (let i = 0; i < output; i++) {
      const want = terms.reduce((s, t) => s + t.weight * t.offsets.reduce((a, o) => a + p[i + o]!, 0), 0);
      assert.ok(Math.abs(got[i]! - want) < 1e-4, `output ${output}, i ${i}: ${got[i]} vs ${want}`);
    }
  }
  assert.throws(() => runStencil([{ weight: 1, offsets: [-1] }], new Float32Array(4), 2), /offsets/);
});

test('runRowStencil equals the direct sum per row, with taps as data and rows off the 16-value step', () => {
  const rng = Rng.forVariant(4, 'row-stencil', 'test', 1);
  for (const [rows, rowLength, stride] of [[1, 1, 4], [3, 21, 30], [7, 16, 16], [5, 45, 61]] as const) {
    const taps = [{ offset: 0, weight: 0.5 }, { offset: stride - rowLength, weight: 0.25 }, { offset: 3, weight: -0.75 }];
    const p = new Float32Array(rows * stride + 8);
    for (let i = 0; i < p.length; i++) p[i] = rng.uniform() * 255;
    const got = runRowStencil(p, taps, rows, rowLength, stride);
    assert.is(got.length, rows * rowLength);
    for (let y = 0; y < rows; y++) {
      for (let j = 0; j < rowLength; j++) {
        const want = taps.reduce((s, t) => s + Math.fround(t.weight) * (p[y * stride + j + t.offset] ?? 0), 0);
        assert.ok(Math.abs(got[y * rowLength + j]! - want) < 1e-4, `${rows}×${rowLength}: (${y}, ${j}) ${got[y * rowLength + j]} vs ${want}`);
      }
    }
  }
  assert.throws(() => runRowStencil(new Float32Array(4), [{ offset: -2, weight: 1 }], 1, 2, 2), /offsets/);
});

test.run();
