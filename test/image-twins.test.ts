/**
 * The image path's WebAssembly loops against their plain twins (issue 23):
 * each twin is first checked on values worked out by hand here, then the fast
 * path must equal it on every length around the SIMD steps, on random data
 * and on the real faces' corrupted variants. The deflate twin is node's zlib:
 * ours and it must inflate to the same scanlines, ours within 2% of its size.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inflateSync } from 'node:zlib';
import { quantizeToBytes } from '../src/image/quantize-wasm.js';
import { quantizeToBytesTwin } from '../src/image/quantize-twin.js';
import { upFilteredScanlines } from '../src/image/up-filter-wasm.js';
import { upFilteredScanlinesTwin } from '../src/image/up-filter-twin.js';
import { deflateScanlines } from '../src/image/png-deflate.js';
import { deflateScanlinesTwin } from '../src/image/png-deflate-twin.js';
import { toFloat } from '../src/image/rgb-image.js';
import { corruptFloat } from '../src/corruptions/engine.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { Rng } from '../src/random/rng.js';
import { loadFaces } from './helpers/fixtures.js';

const firstDifference = (a: Uint8Array, b: Uint8Array): number => (a.length !== b.length ? Math.min(a.length, b.length) : a.findIndex((v, i) => v !== b[i]));

test('rounding twin on hand-worked values: clip, half up, NaN → 0', () => {
  const cases: [number, number][] = [
    [NaN, 0], [-Infinity, 0], [-1, 0], [-0.5, 0], [0, 0], [0.49999997, 0], [0.5, 1], [1.5, 2], [2.5, 3], [3.4999998, 3],
    [127.5, 128], [254.49998, 254], [254.5, 255], [255, 255], [255.5, 255], [1e30, 255], [Infinity, 255],
  ];
  const got = quantizeToBytesTwin(Float32Array.from(cases.map(([v]) => v)));
  assert.equal([...got], cases.map(([, want]) => want));
});

test('SIMD rounding equals its twin at every length around the 16-value step, and on corrupted faces', async () => {
  const rng = Rng.forVariant(11, 'twins', 'quantize', 1);
  for (const n of [0, 1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 1000, 150_528]) {
    const values = Float32Array.from({ length: n }, () => rng.uniform() * 320 - 30);
    // exact halves and their float32 neighbours, where rounding modes differ
    for (let i = 0; i < n; i += 7) values[i] = Math.floor(rng.uniform() * 256) + 0.5;
    assert.is(firstDifference(quantizeToBytes(values), quantizeToBytesTwin(values)), -1, `length ${n}`);
  }
  const host = new KernelHost('webasm');
  try {
    const [{ name, image }] = loadFaces(['sample2_face1.png']);
    for (const corruption of CORRUPTION_NAMES) {
      const out = await corruptFloat(toFloat(image!), { seed: 3, sampleId: name!, corruption, severity: 3 }, host);
      assert.is(firstDifference(quantizeToBytes(out.data), quantizeToBytesTwin(out.data)), -1, corruption);
    }
  } finally { host.destroy(); }
});

test('Up filter twin on a hand-worked 3×2 image; SIMD Up filter equals it at strides around 16', () => {
  // rows (10, 20, 30) and (5, 25, 40): the first row as is, the second minus the first mod 256
  assert.equal([...upFilteredScanlinesTwin(Uint8Array.of(10, 20, 30, 5, 25, 40), 3, 2)], [2, 10, 20, 30, 2, 251, 5, 10]);
  const rng = Rng.forVariant(12, 'twins', 'up', 1);
  for (const [stride, rows] of [[1, 1], [3, 2], [15, 3], [16, 3], [17, 5], [47, 4], [672, 224]] as const) {
    const data = Uint8Array.from({ length: stride * rows }, () => Math.floor(rng.uniform() * 256));
    assert.is(firstDifference(upFilteredScanlines(data, stride, rows), upFilteredScanlinesTwin(data, stride, rows)), -1, `${stride}×${rows}`);
  }
  assert.throws(() => upFilteredScanlinesTwin(new Uint8Array(5), 3, 2), /need 6/);
});

test('deflate: ours and the zlib twin inflate to the same scanlines, ours within 2% of the twin', () => {
  let ours = 0, twin = 0;
  const inputs: [string, Uint8Array][] = loadFaces().slice(0, 6).map(({ name, image }) => [name, upFilteredScanlinesTwin(image.data, image.width * 3, image.height)]);
  const rng = Rng.forVariant(13, 'twins', 'deflate', 1);
  inputs.push(['empty', new Uint8Array(0)], ['one byte', Uint8Array.of(7)], ['a run of 1000', new Uint8Array(1000).fill(9)],
    ['noise', Uint8Array.from({ length: 5000 }, () => Math.floor(rng.uniform() * 256))]);
  for (const [what, raw] of inputs) {
    const a = deflateScanlines(raw), b = deflateScanlinesTwin(raw);
    assert.is(firstDifference(new Uint8Array(inflateSync(a)), raw), -1, `${what}: ours`);
    assert.is(firstDifference(new Uint8Array(inflateSync(b)), raw), -1, `${what}: twin`);
    if (raw.length > 10_000) { ours += a.length; twin += b.length; }
  }
  assert.ok(twin > 0 && ours <= 1.02 * twin, `faces: ${ours} bytes against the twin's ${twin}`);
});

test.run();
