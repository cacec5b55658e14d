/** Image I/O: PNG round trips losslessly, JPEG decodes close, crops and resizes, bad files are clear errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createCanvas } from '@napi-rs/canvas';
import { join } from 'node:path';
import { FACES_DIR } from './helpers/fixtures.js';
import { decodeImage, encodePng, encodeJpeg, readImageFile, quantize, ImageDecodeError, imageDimensions, tinyImageWarning } from '../src/image/index.js';

const face = readImageFile(join(FACES_DIR, 'sample3_face1.png'));

test('PNG encode → decode is lossless', () => {
  const back = decodeImage(encodePng(face));
  assert.is(back.width, 224);
  assert.ok(back.data.every((v, i) => v === face.data[i]));
});

test('JPEG at quality 90 decodes within a few grey levels', () => {
  const back = decodeImage(encodeJpeg(face, 90));
  let s = 0;
  for (let i = 0; i < face.data.length; i++) s += (back.data[i]! - face.data[i]!) ** 2;
  assert.ok(Math.sqrt(s / face.data.length) < 4, 'RMS below 4 grey levels');
});

test('crop box and resize: a 2×2 block of the 224 face becomes one pixel of a 112 resize', () => {
  const half = decodeImage(readFileSync(join(FACES_DIR, 'sample3_face1.png')), { size: 112 });
  assert.is(half.width, 112);
  const x = 40, y = 60, c = 1;
  const mean = (face.data[(2 * y * 224 + 2 * x) * 3 + c]! + face.data[(2 * y * 224 + 2 * x + 1) * 3 + c]!
    + face.data[((2 * y + 1) * 224 + 2 * x) * 3 + c]! + face.data[((2 * y + 1) * 224 + 2 * x + 1) * 3 + c]!) / 4;
  assert.ok(Math.abs(half.data[(y * 112 + x) * 3 + c]! - mean) < 12, 'resampled pixel near its 2×2 mean');
  const crop = decodeImage(readFileSync(join(FACES_DIR, 'sample3_face1.png')), { box: { x: 100, y: 50, width: 20, height: 30 } });
  assert.is(crop.width, 20);
  assert.is(crop.height, 30);
  assert.is(crop.data[0], face.data[(50 * 224 + 100) * 3]);
});

test('truncated PNG and JPEG, non-images and boxes outside the image are errors naming the file', () => {
  const png = encodePng(face);
  assert.throws(() => decodeImage(png.subarray(0, png.length / 2), { name: 'half.png' }), (e: Error) => e instanceof ImageDecodeError && /half\.png: truncated PNG/.test(e.message));
  const jpg = encodeJpeg(face, 80);
  assert.throws(() => decodeImage(jpg.subarray(0, jpg.length - 600), { name: 'cut.jpg' }), /cut\.jpg: truncated JPEG/);
  assert.throws(() => decodeImage(Buffer.from('hello'), { name: 'notes.txt' }), /notes\.txt: not a decodable image/);
  assert.throws(() => decodeImage(png, { name: 'f.png', box: { x: 300, y: 0, width: 10, height: 10 } }), /f\.png: face box .* outside the 224×224 image/);
});

test('imageDimensions reads the size from PNG, JPEG and WebP headers, as decoding gives it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferc-dims-'));
  try {
    const canvas = createCanvas(37, 53);
    const files: [string, Buffer][] = [
      ['a.png', canvas.toBuffer('image/png')], ['a.jpg', canvas.toBuffer('image/jpeg', 90)],
      ['lossy.webp', canvas.toBuffer('image/webp', 80)], ['lossless.webp', canvas.toBuffer('image/webp', 100)],
      ['face.png', readFileSync(join(FACES_DIR, 'sample1_face0.png'))],
    ];
    for (const [name, bytes] of files) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const decoded = decodeImage(bytes, { name });
      assert.equal(imageDimensions(path), { width: decoded.width, height: decoded.height }, name);
    }
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    assert.is(imageDimensions(join(dir, 'notes.txt')), undefined);
    assert.is(imageDimensions(join(dir, 'missing.png')), undefined);
    assert.is(tinyImageWarning('f.png', 31, 500), 'f.png: image is 31×500 pixels, under 32 px on a side: stretched to 224×224');
    assert.is(tinyImageWarning('f.png', 32, 32), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('quantize clips and rounds half up', () => {
  const q = quantize({ width: 1, height: 1, data: Float32Array.from([-3, 127.5, 300.2]) });
  assert.equal([...q.data], [0, 128, 255]);
  // every half (even and odd), the float32 just below each, NaN and the ends: floor(v + 0.5) clipped, NaN → 0
  const values: number[] = [NaN, -0.5, 0, 254.5, 255, 255.5];
  for (let k = 0; k < 255; k++) values.push(k + 0.5, Math.fround(k + 0.5) - (k < 1 ? 2 ** -25 : 2 ** -23 * 2 ** Math.floor(Math.log2(k + 0.5))));
  while (values.length % 3) values.push(0);
  const data = Float32Array.from(values);
  assert.ok(data.some((v, i) => i > 6 && v !== Math.floor(v) + 0.5 && v > Math.floor(v) + 0.49), 'holds floats just below a half');
  const want = Array.from(data, (v) => (Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.floor(v + 0.5)))));
  assert.equal([...quantize({ width: data.length / 3, height: 1, data }).data], want);
});

test.run();
