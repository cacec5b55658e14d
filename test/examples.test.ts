/**
 * The runnable examples (examples/*.ts, compiled to dist/examples/) run as a
 * user runs them — child processes, small arguments, a temp output folder —
 * and their files are checked against what SPEC.md says they must hold:
 * the layout, the label formulas, the model's class mapping, recomputed counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { decodeImage } from '../src/image/index.js';
import { readLabelsCsv } from '../src/labels/index.js';
import { AFFECTNET_CLASSES } from '../src/sources/index.js';
import type { Report } from '../src/report/index.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-examples-'));
const K = AFFECTNET_CLASSES.names.length;

function example(name: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'examples', `${name}.js`), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
}

/** The first n demo faces (ids) and their class indices, read from the annotation CSV itself. */
function demoFaces(n: number): { id: string; label: number }[] {
  const lines = readFileSync(join(REPO_ROOT, 'examples', 'data', 'demo-faces.csv'), 'utf8').trim().split('\n').slice(1, n + 1);
  return lines.map((l) => {
    const [file, label] = l.split(',');
    return { id: file!.replace(/\.png$/, ''), label: AFFECTNET_CLASSES.names.indexOf(label!) };
  });
}

/** predictions.csv as id → probabilities. */
function readPredictions(path: string): Map<string, number[]> {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  assert.is(header, `id,${Array.from({ length: K }, (_, k) => `p_${k}`).join(',')}`);
  return new Map(rows.map((r) => { const [id, ...p] = r.split(','); return [id!, p.map(Number)]; }));
}

const argmax = (p: readonly number[]): number => p.reduce((best, v, i) => (v > p[best]! ? i : best), 0);

test('custom-pipeline: images, labels.csv and visibility.json obey SPEC §3', () => {
  const out = join(root, 'custom');
  const r = example('custom-pipeline', out, '3');
  assert.is(r.status, 0, r.all);
  const faces = demoFaces(3);
  const corruptions = ['gaussian_noise', 'motion_blur', 'contrast', 'jpeg_compression'];
  const severities = [1, 3, 5];
  const expected = faces.length * (1 + corruptions.length * severities.length);
  assert.match(r.stdout, new RegExp(`wrote ${expected} images under`));
  assert.match(r.stdout, new RegExp(`wrote ${expected} label rows`));

  for (const f of faces) {
    const clean = decodeImage(readFileSync(join(out, 'clean', `${f.id}.png`)));
    assert.equal([clean.width, clean.height], [224, 224]);
    for (const c of corruptions) for (const s of severities) assert.ok(existsSync(join(out, c, String(s), `${f.id}.png`)), `${c}/${s}/${f.id}.png`);
  }

  // Visibility (l2): v = 1 − D / max D; the worst pair is exactly 0.
  const table = JSON.parse(readFileSync(join(out, 'visibility.json'), 'utf8')) as Record<string, unknown> & { D: Record<string, Record<string, number>>; M: number };
  assert.is(table.M, 3);
  const maxD = Math.max(...Object.values(table.D).flatMap((bySeverity) => Object.values(bySeverity)));
  for (const c of corruptions) {
    for (const s of severities) {
      const v = (table[c] as Record<string, number>)[String(s)]!;
      assert.ok(Math.abs(v - (1 - table.D[c]![String(s)]! / maxD)) < 1e-12, `v(${c}, ${s}) = ${v}`);
    }
  }

  // Labels: the clean row is the fused label (its argmax the annotated class, as λ = 0.5);
  // each variant is ỹ = (1 − α) y + α/K with α = (1 − v)², v from the table.
  const { rows, numClasses } = readLabelsCsv(join(out, 'labels.csv'));
  assert.is(numClasses, K);
  assert.is(rows.length, expected);
  for (const f of faces) {
    const clean = rows.find((row) => row.id === `${f.id}__clean`)!;
    assert.ok(clean, `${f.id}__clean row`);
    assert.is(clean.visibility, 1);
    assert.is(clean.label, f.label);
    assert.is(argmax(clean.p), f.label);
    assert.ok(clean.p[f.label]! >= 0.5);
    for (const c of corruptions) {
      for (const s of severities) {
        const row = rows.find((x) => x.id === `${f.id}__${c}__${s}`)!;
        assert.ok(row, `${f.id}__${c}__${s} row`);
        assert.is(row.visibility, (table[c] as Record<string, number>)[String(s)]);
        const alpha = (1 - row.visibility) ** 2;
        row.p.forEach((p, k) => assert.ok(Math.abs(p - ((1 - alpha) * clean.p[k]! + alpha / K)) < 1e-12, `${row.id} p_${k}`));
      }
    }
  }
});

test('custom-pipeline refuses a folder that holds other files', () => {
  const out = join(root, 'busy');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine\n');
  const r = example('custom-pipeline', out, '1');
  assert.is(r.status, 2, r.all);
  assert.match(r.stderr, /is not empty/);
});

test('evaluate-predictions: stand-alone report; the same numbers from the files given back', () => {
  const out = join(root, 'evaluate');
  const r = example('evaluate-predictions', out);
  assert.is(r.status, 0, r.all);
  assert.match(r.stdout, /synthetic predictions/);
  const labels = readLabelsCsv(join(out, 'run', 'labels.csv')).rows;
  assert.is(labels.length, 3 * (1 + 2 * 5), '3 faces × (clean + 2 corruptions × 5 severities)');
  const predictions = readPredictions(join(out, 'predictions.csv'));
  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8')) as Report;
  assert.equal(report.counts, { all: 33, id: 3, ood: 30, labels_without_prediction: 0 });

  // ID accuracy recomputed from the two files: the argmax against the annotated class.
  const clean = labels.filter((row) => row.corruption === 'clean');
  const correct = clean.filter((row) => argmax(predictions.get(row.id)!) === row.label).length;
  assert.ok(Math.abs(report.id!.pre.accuracy! - correct / clean.length) < 1e-12);
  // Temperature scaling never changes the argmax, and the synthetic model is overconfident (T > 1).
  assert.is(report.id!.post.accuracy, report.id!.pre.accuracy);
  assert.ok(report.temperature > 1, `T = ${report.temperature}`);
  for (const file of ['report.md', 'reliability-id.png', 'reliability-ood.png']) assert.ok(existsSync(join(out, 'report', file)), file);

  const again = example('evaluate-predictions', join(out, 'run', 'labels.csv'), join(out, 'predictions.csv'), join(root, 'evaluate-again'));
  assert.is(again.status, 0, again.all);
  const scores = (s: string): string[] => s.split('\n').filter((l) => /^(ID |OOD|temperature)/.test(l));
  assert.is(scores(r.stdout).length, 3, r.stdout);
  assert.equal(scores(again.stdout), scores(r.stdout));
});

test('evaluate-model: face-api scored on every image, Contempt mapped to 0, report written', () => {
  const out = join(root, 'model');
  const r = example('evaluate-model', out, '4', 'gaussian_noise,contrast');
  assert.is(r.status, 0, r.all);
  const faces = demoFaces(4);
  const predictions = readPredictions(join(out, 'predictions.csv'));
  const ids = faces.flatMap((f) => [`${f.id}__clean`, ...['gaussian_noise', 'contrast'].flatMap((c) => [1, 2, 3, 4, 5].map((s) => `${f.id}__${c}__${s}`))]);
  assert.equal([...predictions.keys()].sort(), ids.sort());
  const contempt = AFFECTNET_CLASSES.names.indexOf('Contempt');
  for (const [id, p] of predictions) {
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6, `${id} sums to 1`);
    assert.is(p[contempt], 0, `${id}: face-api has no Contempt`);
  }
  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8')) as Report;
  assert.equal(report.counts, { all: 44, id: 4, ood: 40, labels_without_prediction: 0 });
  assert.equal(report.model?.missing_classes, ['Contempt']);
  assert.equal(Object.keys(report.by_corruption).sort(), ['contrast', 'gaussian_noise']);
  assert.match(r.stdout, /ID  \(4 images\): accuracy/);
  assert.match(r.stdout, /OOD \(40 images\): accuracy/);
  assert.ok(existsSync(join(out, 'visibility.json')));
  assert.ok(existsSync(join(out, 'labels.csv')));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
