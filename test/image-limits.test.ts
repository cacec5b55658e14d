/**
 * Issue 25 §4: bounded memory for big inputs. An image over maxPixels (its
 * size read from the header) is refused before it is decoded, naming its
 * size; a corrupt over a folder holding one skips it with that reason; and a
 * decode gives its native pixels back at once (Skia's bitmap, which V8 does
 * not count, used to wait for a collection: a worker decoding photo after
 * photo piled them up).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import { decodeImage, ImageDecodeError, DEFAULT_MAX_PIXELS } from '../src/image/io.js';
import { imageDimensionsOf } from '../src/image/dimensions.js';
import { FACES_DIR, REPO_ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'ferc-limits-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** A width×height image with a gradient (so it is not one colour), encoded. */
function image(width: number, height: number, format: 'png' | 'jpeg'): Buffer {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, width, height);
  g.addColorStop(0, '#204080');
  g.addColorStop(1, '#e0c040');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, width, height);
  return format === 'png' ? canvas.encodeSync('png') : canvas.encodeSync('jpeg', 90);
}

test('an image over maxPixels is refused before decoding, naming its size and the limit; at the limit it decodes', () => {
  const png = image(300, 200, 'png');
  assert.equal(imageDimensionsOf(png), { width: 300, height: 200 });
  try {
    decodeImage(png, { name: 'big.png', size: 224, maxPixels: 59_999 });
    assert.unreachable('decoded an image over the limit');
  } catch (e) {
    assert.instance(e, ImageDecodeError);
    assert.is((e as Error).message, 'big.png: image is 300×200 (0.1 MP), over the decode limit of 0.1 MP (maxPixels): not decoded');
  }
  const ok = decodeImage(png, { size: 224, maxPixels: 60_000 });
  assert.equal([ok.width, ok.height], [224, 224]);
  assert.ok(DEFAULT_MAX_PIXELS >= 48_000_000, 'the default admits a 48 MP phone photo');
});

test('decoding gives the native pixels back at once: 16 decodes of a 3000×2000 JPEG in a row do not pile up', () => {
  // 24 MB of decoded pixels each; before, none was freed until the event loop turned (16 × 24 MB here).
  // In a child with a fixed malloc mmap threshold, so that RSS shows what is held, not what glibc keeps for reuse.
  const jpeg = join(tmp, 'photo.jpg');
  writeFileSync(jpeg, image(3000, 2000, 'jpeg'));
  const script = `
    const { decodeImage } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist/src/image/io.js')).href)});
    const bytes = (await import('node:fs')).readFileSync(${JSON.stringify(jpeg)});
    decodeImage(bytes, { size: 224 });
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 16; i++) decodeImage(bytes, { size: 224 });
    process.stdout.write(String((process.memoryUsage().rss - before) / 2 ** 20));`;
  const printed = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(1 << 20) },
  });
  const grown = Number(printed.trim().split('\n').pop());
  assert.ok(grown < 100, `RSS grew ${grown.toFixed(0)} MB over 16 decodes (one decode holds 24 MB); printed ${printed}`);
});

test('fer-c corrupt --max-pixels: an image over the limit is skipped with its size; the others are corrupted', async () => {
  const input = join(tmp, 'in');
  mkdirSync(input);
  copyFileSync(join(FACES_DIR, 'sample1_face0.png'), join(input, 'face.png'));
  writeFileSync(join(input, 'wide.png'), image(400, 300, 'png'));
  const out = join(tmp, 'out');
  const r = await runCli(['corrupt', '--input', input, '--output', out, '--corruptions', 'contrast', '--severities', '1', '--max-pixels', '100000', '--workers', '1']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `skipped ${join(input, 'wide.png')}: image is 400×300 (0.1 MP), over the decode limit of 0.1 MP (maxPixels): not decoded`);
  assert.ok(readFileSync(join(out, 'contrast', '1', 'face.png')).length > 0);
  const bad = await runCli(['corrupt', '--input', input, '--output', join(tmp, 'out2'), '--max-pixels', '0']);
  assert.is(bad.code, 2, bad.stderr);
});

test.run();
