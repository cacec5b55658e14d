/**
 * The visibility reducer and table on synthetic images: D and v = 1 − D/max D,
 * one table only after the input completes, calibration filtering and seeded
 * selection, SSIM against an independent (scipy) computation, and the table
 * JSON (schema, round trip, errors naming file and line).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom, from, lastValueFrom } from 'rxjs';
import { createFloatImage, type FloatImage } from '../src/image/rgb-image.js';
import { rmsDiff } from './helpers/image-stats.js';
import {
  reduceVisibility, measureVariant, meanSsim, rmsDistance, selectCalibrationIds, pairVisibility, visibilityOfVariant,
  saveVisibilityTable, loadVisibilityTable, parseVisibilityJson, resolveVisibilityOption, type VisibilityTable, type ImageVariant,
} from '../src/labels/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ferc-vis-'));

/** Same formulas as the scipy reference run by hand (see the SSIM test). */
function synthetic(w: number, h: number, noise: number, phase = 0): { clean: FloatImage; corrupted: FloatImage } {
  const clean = createFloatImage(w, h), corrupted = createFloatImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const i = (y * w + x) * 3 + c;
    const v = 128 + 60 * Math.sin(x * 0.3 + c + phase) * Math.cos(y * 0.2);
    clean.data[i] = v;
    corrupted.data[i] = Math.min(255, Math.max(0, Math.fround(v) + noise * Math.sin(x * 1.7 + y * 2.3 + c * 0.5)));
  }
  return { clean, corrupted };
}

test('measureVariant: RMS on RGB/255 agrees with the fixture producer\'s definition; SSIM matches scipy', () => {
  const { clean, corrupted } = synthetic(40, 32, 25);
  const m = measureVariant(clean, corrupted, { ssim: true });
  assert.ok(Math.abs(m.d - rmsDiff(clean.data, corrupted.data)) < 1e-12);
  // numpy: sqrt(mean(((cor − clean)/255)²)) = 0.0693034765893043
  assert.ok(Math.abs(m.d - 0.0693034765893043) < 1e-9, `d ${m.d}`);
  // scipy.ndimage.gaussian_filter(σ 1.5, truncate 3.5) SSIM on BT.601 gray, border 5 cropped: 0.5288023770768651
  assert.ok(Math.abs(m.ssim! - 0.5288023770768651) < 1e-6, `ssim ${m.ssim}`);
  assert.is(meanSsim(clean, clean), 1);
  assert.is(rmsDistance(clean, clean), 0);
  assert.is(measureVariant(clean, corrupted).ssim, undefined);
});

function variants(ids: string[]): ImageVariant[] {
  const out: ImageVariant[] = [];
  ids.forEach((sourceId, j) => {
    for (const [corruption, severity, noise] of [['gaussian_noise', 1, 5], ['gaussian_noise', 2, 20], ['contrast', 5, 40]] as const) {
      const { clean, corrupted } = synthetic(24, 24, noise * (1 + 0.1 * j), j);
      out.push({ sourceId, corruption, severity, clean, corrupted });
    }
  });
  return out;
}

test('the reducer emits one table when its input completes: D per pair, v = 1 − D/max D, worst pair 0', async () => {
  const input = new Subject<ImageVariant>();
  const tables: VisibilityTable[] = [];
  input.pipe(reduceVisibility({ seed: 7 })).subscribe((t) => tables.push(t));
  const all = variants(['a', 'b']);
  for (const v of all) input.next(v);
  assert.is(tables.length, 0, 'nothing before completion');
  input.complete();
  assert.is(tables.length, 1);
  const t = tables[0]!;
  const meanD = (c: string, s: number): number => {
    const ds = all.filter((v) => v.corruption === c && v.severity === s).map((v) => rmsDiff(v.clean.data, v.corrupted.data));
    return ds.reduce((a, b) => a + b, 0) / ds.length;
  };
  const max = meanD('contrast', 5);
  assert.ok(Math.abs(t.distance!['gaussian_noise']!['2']! - meanD('gaussian_noise', 2)) < 1e-12);
  assert.ok(Math.abs(t.maxDistance! - max) < 1e-12);
  assert.is(t.visibility['contrast']!['5'], 0, 'exactly 0 for the worst pair');
  assert.ok(Math.abs(t.visibility['gaussian_noise']!['1']! - (1 - meanD('gaussian_noise', 1) / max)) < 1e-12);
  assert.is(t.calibrationImages, 2);
  assert.is(t.seed, 7);
  assert.is(t.measure, 'l2');
  assert.is(pairVisibility(t, 'clean', 0), 1, 'v = 1 for the clean image');
  assert.ok(Math.abs(visibilityOfVariant({ ...t, measure: 'per-sample' }, 'contrast', 5, max / 4) - 0.75) < 1e-12);
  assert.is(visibilityOfVariant({ ...t, measure: 'per-sample' }, 'contrast', 5, 2 * max), 0, 'clipped at 0');
});

test('calibration ids filter the input; pre-measured variants count like images; ssim measure uses mean SSIM', async () => {
  const all = variants(['a', 'b', 'c']);
  const onlyA = await firstValueFrom(from(all).pipe(reduceVisibility({ calibrationIds: ['a'] })));
  const justA = await firstValueFrom(from(all.filter((v) => v.sourceId === 'a')).pipe(reduceVisibility()));
  assert.equal(onlyA, justA);
  assert.is(onlyA.calibrationImages, 1);
  const measured = all.map((v) => ({ sourceId: v.sourceId, corruption: v.corruption, severity: v.severity, ...measureVariant(v.clean, v.corrupted, { ssim: true }) }));
  const fromImages = await firstValueFrom(from(all).pipe(reduceVisibility({ measure: 'ssim' })));
  const fromMeasures = await firstValueFrom(from(measured).pipe(reduceVisibility({ measure: 'ssim' })));
  assert.equal(fromImages, fromMeasures);
  const ssims = measured.filter((m) => m.corruption === 'contrast').map((m) => m.ssim!);
  assert.ok(Math.abs(fromImages.visibility['contrast']!['5']! - ssims.reduce((a, b) => a + b, 0) / ssims.length) < 1e-12);
  await lastValueFrom(from([] as ImageVariant[]).pipe(reduceVisibility())).then(
    () => assert.unreachable('empty input'), (e: Error) => assert.match(e.message, 'no calibration variants'));
});

test('selectCalibrationIds: M of N, seeded, independent of input order, all when fewer', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `img${i}`);
  const a = selectCalibrationIds(ids, 100, 3);
  assert.is(a.length, 100);
  assert.is(new Set(a).size, 100);
  assert.equal(new Set(selectCalibrationIds([...ids].reverse(), 100, 3)), new Set(a));
  assert.not.equal(selectCalibrationIds(ids, 100, 4), a);
  assert.equal(selectCalibrationIds(ids.slice(0, 30), 100, 3), ids.slice(0, 30));
  // Picks are spread over the list, not its head.
  assert.ok(a.some((id) => Number(id.slice(3)) >= 250));
});

test('visibility JSON: round trip, hand-written tables, schema and name errors naming file and line', async () => {
  const t = await firstValueFrom(from(variants(['a', 'b'])).pipe(reduceVisibility({ seed: 1 })));
  const path = join(dir, 'visibility.json');
  saveVisibilityTable(path, t);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.equal(doc['contrast'], { '5': 0 }, '{"<corruption>": {"<severity>": v}} at top level');
  assert.equal(loadVisibilityTable(path), t);
  const given = parseVisibilityJson('{"impulse_noise": {"1": 0.95, "5": 0.8}}', 'mine.json');
  assert.is(given.measure, 'given');
  assert.is(pairVisibility(given, 'impulse_noise', 5), 0.8);
  assert.throws(() => parseVisibilityJson('{\n  "snow": {"1": 0.9},\n  "contrast": {"2": 1.4}\n}', 'v.json'),
    (e: Error) => e.message.startsWith('v.json line 3: /contrast/2: must be <= 1'));
  assert.throws(() => parseVisibilityJson('{\n  "snow": {"6": 0.9}\n}', 'v.json'), (e: Error) => e.message.startsWith('v.json line 2: /snow: '));
  assert.throws(() => parseVisibilityJson('{\n  "measure": "l2",\n  "snowy": {"1": 0.9}\n}', 'v.json'),
    (e: Error) => e.message.startsWith('v.json line 3: /snowy: unknown corruption "snowy"'));
  assert.throws(() => parseVisibilityJson('{"measure": "per-sample", "snow": {"1": 0.9}}', 'v.json'), /needs "maxD"/);
  assert.equal(resolveVisibilityOption(undefined), { measure: 'l2' });
  assert.equal(resolveVisibilityOption('per-sample'), { measure: 'per-sample' });
  assert.equal(resolveVisibilityOption(path), { table: t });
  writeFileSync(join(dir, 'bad.json'), '{"snow": {"1": 0.9},}');
  assert.throws(() => loadVisibilityTable(join(dir, 'bad.json')), /bad\.json line 1: not valid JSON/);
});

test.run();
