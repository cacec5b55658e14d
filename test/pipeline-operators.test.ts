/**
 * The pipeline's operators on their own: orderedMergeMap keeps order under
 * concurrency; a VariantPool fan-out emits clean + variants in order with the
 * right last flags; visibility() reduces measured items to SPEC §3's table;
 * predict() scores every variant in order, in bounded batches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { from, lastValueFrom, toArray, timer, map, of, delay, tap } from 'rxjs';
import { join } from 'node:path';
import { FACES_DIR } from './helpers/fixtures.js';
import { orderedMergeMap } from '../src/pipeline/operators/ordered-merge-map.js';
import { corrupt } from '../src/pipeline/operators/corrupt.js';
import { visibility } from '../src/pipeline/operators/visibility.js';
import { predict } from '../src/pipeline/operators/predict.js';
import { VariantPool } from '../src/pipeline/variant-pool.js';
import type { RunItem, SampleWork } from '../src/pipeline/run-item.js';
import { AFFECTNET_CLASSES, type SampleDescriptor } from '../src/sources/index.js';
import type { RgbImage } from '../src/image/index.js';

test('orderedMergeMap: outer order kept, at most `concurrency` inner streams at once', async () => {
  let active = 0, peak = 0;
  const out = await lastValueFrom(from([5, 1, 4, 2, 3, 0]).pipe(
    orderedMergeMap((n, i) => {
      active++; peak = Math.max(peak, active);
      return timer(n * 7).pipe(map(() => [i, `a${n}`]), delay(1), tap({ complete: () => { active--; } }));
    }, 3),
    toArray(),
  ));
  assert.equal(out.map((x) => x[0]), [0, 1, 2, 3, 4, 5]);
  assert.ok(peak <= 3, `peak ${peak}`);
  const mixed = await lastValueFrom(from([2, 1]).pipe(orderedMergeMap((n) => from(['x', 'y']).pipe(delay(n * 10), map((s) => `${n}${s}`)), 2), toArray()));
  assert.equal(mixed, ['2x', '2y', '1x', '1y']);
  assert.equal(await lastValueFrom(of(1).pipe(orderedMergeMap(() => of(9), 1), toArray())), [9]);
});

const faces = ['sample1_face0.png', 'sample2_face1.png', 'sample6_face3.png'];
const work: SampleWork[] = faces.map((f, index) => ({
  index,
  sample: { id: f.replace('.png', ''), file: join(FACES_DIR, f), classes: AFFECTNET_CLASSES, label: 1, meta: {} } satisfies SampleDescriptor,
}));
const corruptions = ['gaussian_noise', 'contrast'] as const;

test('fan-out, visibility and predict', async () => {
  const pool = new VariantPool({ backend: 'cpu', seed: 1, corruptions, severities: [1, 5], size: 224, encode: false, pixels: true, measure: 'd' }, 2);
  try {
    const items = await lastValueFrom(from(work).pipe(corrupt(pool, { window: 2 }), toArray()));
    assert.is(items.length, 3 * 5);
    const names = items.map((i) => (i.kind === 'variant' ? `${i.sample.id}/${i.corruption}/${i.severity}${i.last ? '!' : ''}` : 'skip'));
    assert.equal(names.slice(0, 5), ['sample1_face0/clean/0', 'sample1_face0/gaussian_noise/1', 'sample1_face0/gaussian_noise/5', 'sample1_face0/contrast/1', 'sample1_face0/contrast/5!']);
    assert.equal(items.map((i) => i.index), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);

    const table = await lastValueFrom(from(items).pipe(visibility({ measure: 'l2', seed: 1 })));
    const d = (c: string, s: number): number => {
      const ds = items.filter((i): i is Extract<RunItem, { kind: 'variant' }> => i.kind === 'variant' && i.corruption === c && i.severity === s).map((i) => i.d!);
      return ds.reduce((a, b) => a + b, 0) / ds.length;
    };
    const pairs = corruptions.flatMap((c) => [1, 5].map((s) => [c, s] as const));
    const maxD = Math.max(...pairs.map(([c, s]) => d(c, s)));
    for (const [c, s] of pairs) assert.ok(Math.abs(table.visibility[c]![String(s)]! - (1 - d(c, s) / maxD)) < 1e-12, `${c}/${s}`);

    const batches: number[] = [];
    const mean = (img: RgbImage): number => img.data.reduce((a, b) => a + b, 0) / img.data.length;
    const model = async (images: readonly RgbImage[]): Promise<Float64Array[]> => {
      batches.push(images.length);
      return images.map((img) => { const m = mean(img) / 255; return Float64Array.from([m, 1 - m]); });
    };
    const scored = await lastValueFrom(from(items).pipe(predict(model, 4), toArray()));
    assert.equal(scored.map((i) => i.index), items.map((i) => i.index));
    assert.ok(batches.every((b) => b <= 4) && batches.reduce((a, b) => a + b, 0) === 15, `batches ${batches}`);
    for (const item of scored) {
      if (item.kind !== 'variant') continue;
      assert.ok(Math.abs(item.probs![0]! - mean(item.image!) / 255) < 1e-12, 'probabilities belong to their own image');
    }
  } finally {
    await pool.close();
  }
});

test.run();
