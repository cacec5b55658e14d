/**
 * ffmpeg as a frame decoder (src/sources/ffmpeg.ts): finding it (env, PATH, npm package),
 * probing, frames in order and close to the pictures they were encoded from
 * (every container/codec this ffmpeg can write), backpressure, and every way
 * a decode can end — early break, ffmpeg failing, truncated files — without
 * a hang or a left-over process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { take } from 'rxjs';
import { loadFaces, FACES_DIR, REPO_ROOT } from './helpers/fixtures.js';
import { rmsDiff } from './helpers/image-stats.js';
import { once } from './helpers/async.js';
import { availableFormats, defaultFormat, writeVideo, type VideoFormat } from './helpers/make-video.js';
import { bundledTool, describeFfmpeg, findFfmpeg, systemFfmpeg, FfmpegNotFoundError } from '../src/sources/ffmpeg.js';
import { probeVideo } from '../src/sources/ffprobe.js';
import { decodeFrames, VideoDecodeError, type DecodedFrame } from '../src/sources/frame-stream.js';
import { CreditGate, pullSource } from '../src/sources/pull.js';
import type { RgbImage } from '../src/image/rgb-image.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-video-decode-'));
const FRAME_BYTES = 224 * 224 * 3;
/** Ten reference faces, two frames each: frame k shows face k >> 1. */
const faces = loadFaces().slice(0, 10).map((f) => f.image);
const frames = faces.flatMap((f) => [f, f]);
const mp4 = join(root, 'faces.mp4');
/** Written with ffmpeg by the tests that need it, not at import: a missing ffmpeg fails them, not the suite. */
const makeMp4 = once(() => writeVideo(mp4, frames));
/** Lossy codecs: a decoded frame lies within this RMS (on 0..1) of its source; distinct faces are ≥ 0.16 apart. */
const MAX_RMS = 0.04;

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function collect(iterable: AsyncIterable<DecodedFrame>): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  for await (const f of iterable) out.push(f);
  return out;
}

/** Index of the reference face nearest to `image`. */
function nearestFace(image: RgbImage): number {
  let best = -1, bestRms = Infinity;
  faces.forEach((f, k) => { const r = rmsDiff(f.data, image.data); if (r < bestRms) { bestRms = r; best = k; } });
  return best;
}

function checkFrames(decoded: DecodedFrame[], label: string): void {
  assert.is(decoded.length, frames.length, `${label}: frame count`);
  decoded.forEach((f, k) => {
    assert.is(f.index, k, `${label}: frame ${k} index`);
    assert.is(f.image.width, 224);
    assert.is(f.image.height, 224);
    const rms = rmsDiff(frames[k]!.data, f.image.data);
    assert.ok(rms < MAX_RMS, `${label}: frame ${k} RMS ${rms.toFixed(4)} from its source`);
    assert.is(nearestFace(f.image), k >> 1, `${label}: frame ${k} is nearest to its own face`);
  });
}

test('findFfmpeg: FERC_FFMPEG / FERC_FFPROBE, then PATH, then the npm packages; clear messages where there is none', () => {
  const empty = join(root, 'empty-bin');
  mkdirSync(empty);
  const prefix = 'ffmpeg not found: reinstall fer-c\'s dependencies';
  const notFound = (e: Error): boolean => e instanceof FfmpegNotFoundError && e.message.startsWith(prefix);
  // Nothing on PATH and the packages not looked at: the message says what was tried.
  assert.throws(() => findFfmpeg({ PATH: empty }, { bundled: false }), (e: Error) => notFound(e) && e.message.includes('no ffmpeg on PATH'));
  // A variable that is set must work: it is never passed over for the bundled build.
  assert.throws(() => findFfmpeg({ FERC_FFMPEG: join(root, 'nope', 'ffmpeg'), PATH: empty }),
    (e: Error) => notFound(e) && e.message.includes(`FERC_FFMPEG=${join(root, 'nope', 'ffmpeg')} is not an executable file`));
  assert.throws(() => findFfmpeg({ FERC_FFPROBE: join(root, 'nope', 'ffprobe'), PATH: empty }),
    (e: Error) => notFound(e) && e.message.includes(`FERC_FFPROBE=${join(root, 'nope', 'ffprobe')} is not an executable file`));

  // Nothing on PATH: both from the npm packages for this platform, and both run.
  const bundled = findFfmpeg({ PATH: empty });
  const platform = `${process.platform}-${process.arch}`;
  assert.is(bundled.ffmpeg, join(REPO_ROOT, 'node_modules', '@ffmpeg-installer', platform, 'ffmpeg'));
  assert.is(bundled.ffprobe, join(REPO_ROOT, 'node_modules', '@ffprobe-installer', platform, 'ffprobe'));
  assert.is(bundled.origin.ffmpeg.kind, 'bundled');
  assert.is(bundled.origin.ffprobe.kind, 'bundled');
  for (const tool of [bundled.ffmpeg, bundled.ffprobe]) {
    const r = spawnSync(tool, ['-hide_banner', '-version'], { encoding: 'utf8' });
    assert.is(r.status, 0, `${tool} -version`);
  }
  assert.match(describeFfmpeg(bundled), new RegExp(`^ffmpeg: ${bundled.ffmpeg} \\(bundled: npm package @ffmpeg-installer/${platform} [0-9.]+.*\\); ffprobe: ${bundled.ffprobe} \\(bundled: npm package @ffprobe-installer/${platform} `));

  // Only ffmpeg on PATH: it is used, ffprobe comes from its package (or, with packages off, a clear error).
  const onlyFfmpeg = join(root, 'only-ffmpeg');
  mkdirSync(onlyFfmpeg);
  symlinkSync(bundled.ffmpeg, join(onlyFfmpeg, 'ffmpeg'));
  assert.throws(() => findFfmpeg({ PATH: onlyFfmpeg }, { bundled: false }), (e: Error) => notFound(e) && e.message.includes('no ffprobe on PATH'));
  const mixed = findFfmpeg({ PATH: `${empty}:${onlyFfmpeg}` });
  assert.equal({ ffmpeg: mixed.ffmpeg, ffprobe: mixed.ffprobe }, { ffmpeg: join(onlyFfmpeg, 'ffmpeg'), ffprobe: bundled.ffprobe });
  assert.equal(mixed.origin.ffmpeg, { kind: 'path' });
  assert.match(describeFfmpeg(mixed), `ffmpeg: ${join(onlyFfmpeg, 'ffmpeg')} (the system's, from PATH); ffprobe: ${bundled.ffprobe} (bundled: `);

  // The system's come before the packages'.
  const both = join(root, 'both');
  mkdirSync(both);
  symlinkSync(bundled.ffmpeg, join(both, 'ffmpeg'));
  symlinkSync(bundled.ffprobe, join(both, 'ffprobe'));
  const system = findFfmpeg({ PATH: both });
  assert.equal(system.origin, { ffmpeg: { kind: 'path' }, ffprobe: { kind: 'path' } });
  assert.is(system.ffprobe, join(both, 'ffprobe'));

  // FERC_FFMPEG as a folder or a file (ffprobe beside it), and FERC_FFPROBE, before PATH.
  const viaEnv = { ffmpeg: { kind: 'env', variable: 'FERC_FFMPEG' }, ffprobe: { kind: 'env', variable: 'FERC_FFMPEG' } };
  assert.equal(findFfmpeg({ FERC_FFMPEG: both, PATH: empty }), { ffmpeg: join(both, 'ffmpeg'), ffprobe: join(both, 'ffprobe'), origin: viaEnv });
  assert.equal(findFfmpeg({ FERC_FFMPEG: join(both, 'ffmpeg'), PATH: empty }), { ffmpeg: join(both, 'ffmpeg'), ffprobe: join(both, 'ffprobe'), origin: viaEnv });
  const probeEnv = findFfmpeg({ FERC_FFMPEG: join(onlyFfmpeg, 'ffmpeg'), FERC_FFPROBE: bundled.ffprobe, PATH: both });
  assert.equal(probeEnv.origin.ffprobe, { kind: 'env', variable: 'FERC_FFPROBE' });
  assert.is(probeEnv.ffprobe, bundled.ffprobe);
  assert.match(describeFfmpeg(probeEnv), `(from FERC_FFMPEG); ffprobe: ${bundled.ffprobe} (from FERC_FFPROBE)`);
});

test('a bundled binary whose install script did not run (not executable) is made executable, and the log says so', () => {
  const probe = bundledTool('ffprobe');
  if (typeof probe === 'string') throw new Error(probe);
  const mode = statSync(probe.path).mode;
  try {
    chmodSync(probe.path, mode & ~0o111);
    const again = bundledTool('ffprobe');
    assert.ok(typeof again !== 'string' && again.madeExecutable, JSON.stringify(again));
    assert.ok((statSync(probe.path).mode & 0o100) !== 0, 'u+x, as the package\'s postinstall would have set');
    assert.is(spawnSync(probe.path, ['-version']).status, 0);
    assert.match(describeFfmpeg({ ffmpeg: 'f', ffprobe: probe.path, origin: { ffmpeg: { kind: 'path' }, ffprobe: { kind: 'bundled', pkg: probe.pkg, version: probe.version, madeExecutable: true } } }),
      'made executable (its install script had not run)');
  } finally {
    chmodSync(probe.path, mode);
  }
  assert.equal(bundledTool('ffmpeg', 'plan9-mips'), `@ffmpeg-installer/plan9-mips is not installed (no ffmpeg build for plan9-mips in @ffmpeg-installer/ffmpeg)`);
});

test('a missing ffmpeg fails the tests that need it, with its message, and not the import of the test file', () => {
  // video-source's tests build their video with ffmpeg; one of them needs none.
  const file = join(REPO_ROOT, 'dist', 'test', 'video-source.test.js');
  const r = spawnSync(process.execPath, [file], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, FERC_FFMPEG: join(root, 'no-such-ffmpeg'), NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const out = `${r.stdout}${r.stderr}`;
  assert.is(r.status, 1, out);
  assert.match(out, `ffmpeg not found: reinstall fer-c's dependencies`);
  assert.match(out, `FERC_FFMPEG=${join(root, 'no-such-ffmpeg')} is not an executable file`);
  const total = /Total:\s+(\d+)/.exec(out), passed = /Passed:\s+(\d+)/.exec(out);
  assert.ok(total && passed, `uvu ran to its summary:\n${out}`);
  assert.is(Number(passed![1]), 1, 'the test without video ran and passed');
  assert.ok(Number(total![1]) > 5, 'every test of the file ran');
});

test('probeVideo: size, rate and frame count; a non-video is an error naming the file', async () => {
  makeMp4();
  const p = await probeVideo(mp4);
  assert.is(p.width, 224);
  assert.is(p.height, 224);
  assert.is(p.fps, 25);
  assert.is(p.frameCount, 20);
  assert.ok(p.frameCountExact);
  const notVideo = join(FACES_DIR, 'faces.csv');
  try {
    await probeVideo(notVideo);
    assert.unreachable('probe of a CSV file succeeded');
  } catch (e) {
    assert.ok((e as Error).message.startsWith(`${notVideo}: not a readable video`), (e as Error).message);
  }
});

test('mp4: every frame, in order, close to its source picture', async () => {
  makeMp4();
  checkFrames(await collect(decodeFrames(mp4)), `mp4/${defaultFormat().codec}`);
});

test('every container and codec this ffmpeg writes decodes to the same frames', async () => {
  makeMp4();
  const formats = availableFormats().filter((f: VideoFormat) => f !== defaultFormat());
  assert.ok(formats.some((f) => f.ext === 'mkv') && formats.some((f) => f.ext === 'avi'), 'mkv and avi are testable');
  for (const format of formats) {
    const path = join(root, `faces-${format.codec}.${format.ext}`);
    writeVideo(path, frames, format);
    checkFrames(await collect(decodeFrames(path)), `${format.ext}/${format.codec}`);
    const probe = await probeVideo(path);
    assert.is(probe.frameCount, 20, `${format.ext}/${format.codec}: probed frame count`);
  }
});

test('every n-th frame and ffmpeg scaling', async () => {
  makeMp4();
  const decoded = await collect(decodeFrames(mp4, { every: 3, size: 112 }));
  assert.equal(decoded.map((f) => f.index), [0, 3, 6, 9, 12, 15, 18]);
  for (const f of decoded) {
    assert.is(f.image.width, 112);
    assert.is(f.image.data.length, 112 * 112 * 3);
  }
  // A fixed crop of the top-left quarter, scaled back to 224: the source's top-left quarter, enlarged.
  const [first] = await collect(decodeFrames(mp4, { crop: { x: 0, y: 0, width: 112, height: 112 }, size: 56 }));
  const quarter = new Uint8Array(56 * 56 * 3);
  const src = frames[0]!;
  for (let y = 0; y < 56; y++) {
    for (let x = 0; x < 56; x++) {
      for (let c = 0; c < 3; c++) {
        // mean of the 2×2 source block each output pixel covers
        const at = (yy: number, xx: number): number => src.data[(yy * 224 + xx) * 3 + c]!;
        quarter[(y * 56 + x) * 3 + c] = (at(2 * y, 2 * x) + at(2 * y + 1, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x + 1)) / 4;
      }
    }
  }
  const rms = rmsDiff(quarter, first!.image.data);
  assert.ok(rms < MAX_RMS, `crop RMS ${rms.toFixed(4)}`);
});

test('a bad crop is rejected before ffmpeg starts', async () => {
  makeMp4();
  const stream = decodeFrames(mp4, { crop: { x: 200, y: 0, width: 100, height: 100 } });
  try {
    await collect(stream);
    assert.unreachable('crop outside the frame was accepted');
  } catch (e) {
    assert.match((e as Error).message, `${mp4}: crop (200, 0, 100, 100) must be whole pixels inside the 224×224 frame`);
  }
  assert.is(stream.pid, undefined);
});

test('backpressure: a consumer that stops pulling stops ffmpeg (nothing buffered beyond a frame)', async () => {
  makeMp4();
  const stream = decodeFrames(mp4);
  for await (const f of stream) {
    assert.is(f.index, 0);
    await new Promise((r) => setTimeout(r, 400));
    // Without backpressure ffmpeg would have written all 20 frames (3 MB) by now.
    assert.ok(stream.bytesReceived < (stream.framesRead + 1) * FRAME_BYTES, `received ${stream.bytesReceived} bytes after 1 frame`);
    assert.ok(alive(stream.pid), 'ffmpeg waits (blocked on its pipe), it has not finished');
    break;
  }
});

test('early exit kills ffmpeg: break, a throw in the loop, an unsubscribed Observable', async () => {
  makeMp4();
  const broken = decodeFrames(mp4);
  let n = 0;
  for await (const _ of broken) if (++n === 2) break;
  assert.ok(broken.pid !== undefined);
  assert.not.ok(alive(broken.pid), 'ffmpeg is gone after break');

  const thrown = decodeFrames(mp4);
  try {
    for await (const _ of thrown) throw new Error('consumer failed');
  } catch (e) {
    assert.is((e as Error).message, 'consumer failed');
  }
  assert.not.ok(alive(thrown.pid), 'ffmpeg is gone after a throw');

  const observed = decodeFrames(mp4);
  const gate = new CreditGate(2);
  const indices = await new Promise<number[]>((resolve, reject) => {
    const got: number[] = [];
    pullSource(observed, gate).pipe(take(3)).subscribe({
      next: (f) => { got.push(f.index); gate.release(1); },
      error: reject,
      complete: () => resolve(got),
    });
  });
  assert.equal(indices, [0, 1, 2]);
  // Unsubscribing kills ffmpeg without waiting for it: wait for it to go (the bound only guards against a hang).
  for (let i = 0; i < 1500 && alive(observed.pid); i++) await new Promise((r) => setTimeout(r, 40));
  assert.not.ok(alive(observed.pid), 'ffmpeg is gone after unsubscribe');
});

/** A stand-in ffmpeg that writes `bytes` zero bytes, a message, and exits with `code`. */
function fakeFfmpeg(name: string, bytes: number, code: number): string {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\nhead -c ${bytes} /dev/zero\necho "fake decoder: corrupt macroblock" >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('ffmpeg failing mid-stream rejects the pending read, naming the file and the frames reached', async () => {
  makeMp4();
  const tools = { ffmpeg: fakeFfmpeg('fail.sh', 2 * FRAME_BYTES, 1), ffprobe: systemFfmpeg().ffprobe };
  const got: number[] = [];
  try {
    for await (const f of decodeFrames(mp4, { tools })) got.push(f.index);
    assert.unreachable('a failing ffmpeg went unnoticed');
  } catch (e) {
    assert.instance(e, VideoDecodeError);
    const err = e as VideoDecodeError;
    assert.is(err.framesRead, 2);
    assert.ok(err.message.startsWith(`${mp4}: ffmpeg failed (exit code 1: fake decoder: corrupt macroblock)`), err.message);
    assert.ok(err.message.endsWith('after 2 frame(s)'), err.message);
  }
  assert.equal(got, [0, 1]);

  const partial = { ffmpeg: fakeFfmpeg('partial.sh', 2 * FRAME_BYTES + 1000, 0), ffprobe: systemFfmpeg().ffprobe };
  try {
    await collect(decodeFrames(mp4, { tools: partial }));
    assert.unreachable('a partial frame went unnoticed');
  } catch (e) {
    assert.match((e as Error).message, `ffmpeg output ended inside a frame (1000 of ${FRAME_BYTES} bytes) after 2 frame(s)`);
  }

  const missing = { ffmpeg: join(root, 'no-such-ffmpeg'), ffprobe: systemFfmpeg().ffprobe };
  try {
    await collect(decodeFrames(mp4, { tools: missing }));
    assert.unreachable('a missing ffmpeg went unnoticed');
  } catch (e) {
    assert.match((e as Error).message, `${mp4}: cannot run ${missing.ffmpeg}`);
  }
});

test('truncated files: an unreadable mp4 is an error, a cut mkv a counted warning (or an error on request)', async () => {
  makeMp4();
  // mp4 keeps its index (moov) at the end by default: half a file is no video at all.
  const cutMp4 = join(root, 'cut.mp4');
  const bytes = readFileSync(mp4);
  writeFileSync(cutMp4, bytes.subarray(0, bytes.length >> 1));
  try {
    await collect(decodeFrames(cutMp4));
    assert.unreachable('half an mp4 decoded');
  } catch (e) {
    assert.ok((e as Error).message.startsWith(`${cutMp4}: not a readable video (ffprobe:`), (e as Error).message);
  }

  // mkv streams its clusters: half a file decodes its first frames, then ends.
  const mkvFormat = availableFormats().find((f) => f.ext === 'mkv');
  assert.ok(mkvFormat, 'this ffmpeg writes mkv');
  const mkv = join(root, 'whole.mkv');
  writeVideo(mkv, frames, mkvFormat);
  const cutMkv = join(root, 'cut.mkv');
  const mkvBytes = readFileSync(mkv);
  writeFileSync(cutMkv, mkvBytes.subarray(0, mkvBytes.length >> 1));
  const stream = decodeFrames(cutMkv);
  const decoded = await collect(stream);
  assert.ok(decoded.length > 0 && decoded.length < 20, `decoded ${decoded.length} frames of half a file`);
  assert.is(stream.warnings.length, 1);
  assert.ok(stream.warnings[0]!.startsWith(`${cutMkv}: video ended early: ${decoded.length} of 20 probed frame(s) decoded`), stream.warnings[0]);

  try {
    await collect(decodeFrames(cutMkv, { shortVideo: 'error' }));
    assert.unreachable('shortVideo: error did not throw');
  } catch (e) {
    assert.instance(e, VideoDecodeError);
    assert.is((e as VideoDecodeError).framesRead, decoded.length);
    assert.match((e as Error).message, `after ${decoded.length} frame(s)`);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
