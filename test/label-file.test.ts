/**
 * The `--labels CSV` parser: layouts chosen by the header, missing
 * valence/arousal codes, and bad input as clear errors naming file and line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLabelFile } from '../src/labels/index.js';

const F = 'labels.csv';

function throwsAt(text: string, pattern: RegExp, options: { numClasses?: number } = { numClasses: 8 }): void {
  assert.throws(() => parseLabelFile(text, F, options), (e: Error) => pattern.test(e.message), `expected ${pattern}`);
}

test('file,label,valence,arousal: labels with va; empty, −2 and −5 mean missing', () => {
  const lf = parseLabelFile('file,label,valence,arousal\na.jpg,3,0.5,-0.25\n./sub\\b.jpg,0,,\nc.jpg,7,-2,-2\nd.jpg,1,-5,-5\n', F, { numClasses: 8 });
  assert.is(lf.size, 4);
  assert.is(lf.numClasses, 8);
  assert.equal(lf.get('a.jpg'), { file: 'a.jpg', line: 2, label: 3, va: [0.5, -0.25] });
  assert.equal(lf.get('sub/b.jpg'), { file: 'sub/b.jpg', line: 3, label: 0 });
  // Matched by the path relative to the input folder, never by base name.
  assert.is(lf.get('b.jpg'), undefined, 'b.jpg is not sub/b.jpg');
  assert.is(lf.get('/data/in/b.jpg'), undefined, 'nor is /data/in/b.jpg');
  assert.is(lf.get('./sub/b.jpg')?.line, 3);
  assert.is(lf.get('c.jpg')?.va, undefined);
  assert.is(lf.get('d.jpg')?.va, undefined);
  assert.equal(lf.columns, { label: true, va: true, distribution: false });
});

test('file,p_0..p_6 (RAF-DB): K from the header, label = argmax, rescaled to sum to 1 exactly', () => {
  const lf = parseLabelFile('file,p_0,p_1,p_2,p_3,p_4,p_5,p_6\nx.jpg,0.1,0.0,0.0,0.6,0.1,0.1,0.0995\n', F);
  assert.is(lf.numClasses, 7);
  const e = lf.get('x.jpg')!;
  assert.is(e.label, 3);
  const sum = e.distribution!.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
  assert.ok(Math.abs(e.distribution![3]! - 0.6 / 0.9995) < 1e-12);
});

test('quoted file names with commas parse', () => {
  const lf = parseLabelFile('file,label\n"a, b.jpg",2\n', F, { numClasses: 3 });
  assert.is(lf.get('a, b.jpg')?.label, 2);
});

test('label outside 0..K-1 names file and line', () => {
  throwsAt('file,label\na.jpg,1\nb.jpg,8\n', /^labels\.csv line 3: label 8 is outside 0\.\.7$/);
  throwsAt('file,label\na.jpg,-1\n', /^labels\.csv line 2: label -1 is outside 0\.\.7$/);
  throwsAt('file,label\na.jpg,2.5\n', /^labels\.csv line 2: label "2\.5" is not an integer$/);
  throwsAt('file,label,p_0,p_1\na.jpg,2,0.5,0.5\n', /^labels\.csv line 1: header has 2 distribution columns but there are 8 classes$/);
  throwsAt('file,label,p_0,p_1\na.jpg,2,0.5,0.5\n', /^labels\.csv line 2: label 2 is outside 0\.\.1$/, {});
});

test('a distribution not summing to 1 (±1e-3) names file and line', () => {
  throwsAt('file,p_0,p_1,p_2\n\na.jpg,0.2,0.3,0.5\nb.jpg,0.2,0.3,0.49\n', /^labels\.csv line 4: distribution sums to 0\.99\d*, not 1 \(±0\.001\)$/, {});
  throwsAt('file,p_0,p_1\na.jpg,1.2,-0.2\n', /^labels\.csv line 2: p_0 "1\.2" is not a probability/, {});
  // within tolerance is fine
  parseLabelFile('file,p_0,p_1\na.jpg,0.4995,0.5\n', F);
});

test('wrong column count, duplicate files, bad header and bad va name file and line', () => {
  throwsAt('file,label,valence,arousal\na.jpg,1,0.1,0.2\nb.jpg,1,0.1\n', /^labels\.csv line 3: has 3 columns, the header has 4$/);
  throwsAt('file,label\na.jpg,1\nb.jpg,2\n./a.jpg,3\n', /^labels\.csv line 4: duplicate file "a\.jpg" \(first on line 2\)$/);
  throwsAt('name,label\na.jpg,1\n', /^labels\.csv line 1: header needs a "file" column/);
  throwsAt('file,label,mood\na.jpg,1,x\n', /^labels\.csv line 1: unknown column "mood"/);
  throwsAt('file,label,valence\na.jpg,1,0.1\n', /^labels\.csv line 1: header has valence without arousal$/);
  throwsAt('file,label,valence,arousal\na.jpg,1,0.3,\n', /^labels\.csv line 2: valence "0\.3" and arousal "": one is missing/);
  throwsAt('file,label,valence,arousal\na.jpg,1,1.5,0\n', /^labels\.csv line 2: valence 1\.5 \/ arousal 0 outside \[-1, 1\]$/);
  throwsAt('file,label\na.jpg,1\n', /labels\.csv: cannot tell the number of classes/, {});
  throwsAt('', /^labels\.csv: is empty/);
});

test.run();
