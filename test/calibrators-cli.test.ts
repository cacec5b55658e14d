/**
 * The calibrators end to end: `fer-c evaluate --calibrators …` on the
 * calibration fixture written as a FER-C labels file (ID rows: z_id with their
 * labels; OOD rows: z_ood with the soft targets t_ood) and a logits file; the
 * report's calibrators section against the reference's OOD metrics and fitted
 * parameters. Then two shards (contiguous blocks of the rows): the first fits
 * (and saves) the calibrators, the second applies that fit (--load-calibrators);
 * merge-metrics in shard order gives the same numbers (KSE and AdaECE bit for
 * bit: ties in input order, the order of the files being the order of the
 * rows); shards with different fits are refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson } from './helpers/fixtures.js';
import { cli } from './helpers/cli.js';
import { validateReport, type Report } from '../src/report/index.js';
import { CALIBRATOR_NAMES, type CalibratorName } from '../src/calibration/index.js';
import { evaluateFiles } from '../src/report/evaluate-files.js';
import { METRIC_NAMES, type MetricName } from '../src/metrics/index.js';

interface Fixture {
  K: number; z_id: number[][]; y_id: number[]; z_ood: number[][]; t_ood: number[][];
  fitted: { temperature: { T: number }; vector: { w: number[]; b: number[] }; dirichlet: { W: number[][]; b: number[] }; histogram: { value: number[][] } };
  ood_metrics: Record<CalibratorName | 'none', Record<MetricName, number>>;
}
const fx = fixtureJson<Fixture>('calibration-fixture.json');
const K = fx.K;
const dir = mkdtempSync(join(tmpdir(), 'ferc-calibrators-'));
const TOL: Record<CalibratorName, number> = { temperature: 1e-4, vector: 1e-4, dirichlet: 1e-4, histogram: 1e-6, isotonic: 1e-6 };
const ALL = CALIBRATOR_NAMES.join(',');
const CORRUPTIONS = ['snow', 'contrast', 'pixelate'];

function inputs(name: string, ids: readonly number[], oods: readonly number[]): { labels: string; predictions: string } {
  const header = `id,source_id,file,corruption,severity,visibility,label,${Array.from({ length: K }, (_, k) => `p_${k}`).join(',')}`;
  const labels = [header], preds = [`id,${Array.from({ length: K }, (_, k) => `logit_${k}`).join(',')}`];
  for (const i of ids) {
    labels.push(`id${i}__clean,id${i},id${i}.png,clean,0,1,${fx.y_id[i]},${Array.from({ length: K }, (_, k) => (k === fx.y_id[i] ? 1 : 0)).join(',')}`);
    preds.push(`id${i}__clean,${fx.z_id[i]!.join(',')}`);
  }
  for (const i of oods) {
    const t = fx.t_ood[i]!, c = CORRUPTIONS[i % 3]!, s = 1 + (i % 5);
    labels.push(`ood${i}__${c}__${s},ood${i},ood${i}.png,${c},${s},0.5,${t.indexOf(Math.max(...t))},${t.join(',')}`);
    preds.push(`ood${i}__${c}__${s},${fx.z_ood[i]!.join(',')}`);
  }
  const l = join(dir, `${name}-labels.csv`), p = join(dir, `${name}-logits.csv`);
  writeFileSync(l, `${labels.join('\n')}\n`);
  writeFileSync(p, `${preds.join('\n')}\n`);
  return { labels: l, predictions: p };
}

function readReport(out: string): Report {
  const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as unknown;
  validateReport(r);
  return r;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** Every calibrator's OOD metrics against the reference. */
function assertOod(report: Report, what: string): void {
  for (const name of CALIBRATOR_NAMES) {
    const ood = report.calibrators[name]!.ood!;
    for (const m of METRIC_NAMES) {
      const tol = TOL[name];
      const want = fx.ood_metrics[name][m], got = ood[m]!;
      assert.ok(Math.abs(got - want) <= tol, `${what} ${name} ${m}: ${got} vs ${want} (|diff| ${Math.abs(got - want)})`);
    }
  }
  for (const m of METRIC_NAMES) assert.ok(Math.abs(report.ood!.pre[m]! - fx.ood_metrics.none[m]) <= 1e-9, `${what} none ${m}`);
}

const all = inputs('all', range(0, 1500), range(0, 1500));

test('evaluate --calibrators (all five): the report\'s OOD metrics and fits = the reference', async () => {
  const out = join(dir, 'all-out');
  const r = await cli(['evaluate', '--labels', all.labels, '--predictions', all.predictions, '--out', out, '--calibrators', ALL]);
  assert.is(r.code, 0, r.stderr);
  const report = readReport(out);
  assert.equal(Object.keys(report.calibrators), [...CALIBRATOR_NAMES]);
  assertOod(report, 'one pass');
  const f = report.calibrators;
  assert.ok(Math.abs((f['temperature']!.fitted['T'] as number) - fx.fitted.temperature.T) < 1e-6);
  assert.is(report.temperature, f['temperature']!.fitted['T']);
  assert.is(f['temperature']!.fitted['at_bound'], false);
  const close = (a: unknown, b: number[], tol: number) => (a as number[]).every((v, i) => Math.abs(v - b[i]!) < tol);
  assert.ok(close(f['vector']!.fitted['w'], fx.fitted.vector.w, 1e-4) && close(f['vector']!.fitted['b'], fx.fitted.vector.b, 1e-4));
  assert.ok(close((f['dirichlet']!.fitted['W'] as number[][]).flat(), fx.fitted.dirichlet.W.flat(), 1e-4));
  assert.ok(close((f['histogram']!.fitted['value'] as number[][]).flat(), fx.fitted.histogram.value.flat(), 1e-12));
  assert.equal(f['isotonic']!.fitted['points_per_class'], Array(K).fill(1500));
  for (const name of CALIBRATOR_NAMES) assert.is(f[name]!.fitted['source'], 'fitted');
  // Post is temperature scaling: the Pre/Post tables and the calibrator agree.
  assert.equal(report.ood!.post, f['temperature']!.ood);
  // report.md leads with the calibrator table; the figure is written.
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const firstTable = md.indexOf('| Calibrator | ID ECE | OOD ECE | OOD NLL | OOD KSE | Accuracy (ID / OOD) |');
  assert.ok(firstTable > 0 && firstTable < md.indexOf('## Summary (paper layout)'), 'the calibrator table comes first');
  const histRow = md.split('\n').find((l) => l.startsWith('| histogram |'))!;
  assert.ok(histRow.includes(`**${(fx.ood_metrics.histogram.ece * 100).toFixed(1)}**`), histRow);
  assert.ok(/Best OOD ECE: \*\*histogram\*\*/.test(md));
  assert.ok(existsSync(join(out, 'calibrators-severity.png')));
  assert.ok(/best OOD ECE: histogram/.test(r.stderr), r.stderr);
});

test('two shards: the first fits and saves, the second loads; merged = the reference', async () => {
  const a = inputs('shard-a', range(0, 1500), range(0, 700)), b = inputs('shard-b', [], range(700, 1500));
  const sa = join(dir, 'a.state.json'), sb = join(dir, 'b.state.json'), cal = join(dir, 'calibrators.json');
  let r = await cli(['evaluate', '--labels', a.labels, '--predictions', a.predictions, '--out', join(dir, 'a'), '--calibrators', ALL, '--state', sa, '--save-calibrators', cal, '--no-figures']);
  assert.is(r.code, 0, r.stderr);
  // Without the fit, the shard with no clean rows cannot calibrate: said with the count needed.
  r = await cli(['evaluate', '--labels', b.labels, '--predictions', b.predictions, '--out', join(dir, 'b0'), '--calibrators', ALL, '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes('vector: needs at least 16 clean (ID) samples for 8 classes, got 0'), r.stderr);
  r = await cli(['evaluate', '--labels', b.labels, '--predictions', b.predictions, '--out', join(dir, 'b'), '--load-calibrators', cal, '--state', sb, '--no-figures']);
  assert.is(r.code, 0, r.stderr);
  const out = join(dir, 'merged');
  r = await cli(['merge-metrics', sa, sb, '--out', out, '--no-figures']);
  assert.is(r.code, 0, r.stderr);
  const report = readReport(out);
  assert.is(report.counts.ood, 1500);
  assertOod(report, 'merged');
  // The shards are contiguous blocks of the one-pass file's rows, merged in order: the order statistics bit for bit.
  const onePass = readReport(join(dir, 'all-out'));
  for (const name of CALIBRATOR_NAMES) {
    for (const m of ['kse', 'adaece'] as const) assert.is(report.calibrators[name]!.ood![m], onePass.calibrators[name]!.ood![m], `${name} ${m}`);
  }

  // The merged report describes the fit by the shard that made it.
  assert.is(report.calibrators['vector']!.fitted['source'], 'fitted');
  // A state can be given instead of the calibrators file.
  r = await cli(['evaluate', '--labels', b.labels, '--predictions', b.predictions, '--out', join(dir, 'b2'), '--load-calibrators', sa, '--calibrators', 'temperature,isotonic', '--no-figures']);
  assert.is(r.code, 0, r.stderr);
});

test('shards with different fits are refused, naming the file and the calibrator', async () => {
  const a = inputs('fit-a', range(0, 750), range(0, 500)), b = inputs('fit-b', range(750, 1500), range(500, 1000));
  const sa = join(dir, 'fa.json'), sb = join(dir, 'fb.json');
  for (const [x, s] of [[a, sa], [b, sb]] as const) {
    // One --out for both (only the states matter here): the second replaces the first's report (--overwrite).
    const r = await cli(['evaluate', '--labels', x.labels, '--predictions', x.predictions, '--out', join(dir, 'fx'), '--calibrators', 'temperature,vector', '--temperature', '2', '--state', s, '--no-figures', '--overwrite']);
    assert.is(r.code, 0, r.stderr);
  }
  const r = await cli(['merge-metrics', sa, sb, '--out', join(dir, 'fab'), '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${sb}: its vector calibrator was fitted differently from ${sa}'s`) && r.stderr.includes('--load-calibrators'), r.stderr);
});

test('bad input: unknown calibrators, --load with --temperature, a file without the calibrator asked for', async () => {
  let r = await cli(['evaluate', '--labels', all.labels, '--predictions', all.predictions, '--out', join(dir, 'x'), '--calibrators', 'temperature,platt']);
  assert.is(r.code, 2);
  assert.ok(r.stderr.includes('unknown calibrator "platt" (choose from temperature, vector, dirichlet, histogram, isotonic)'), r.stderr);
  const cal = join(dir, 'only-t.json');
  r = await cli(['evaluate', '--labels', all.labels, '--predictions', all.predictions, '--out', join(dir, 'x'), '--save-calibrators', cal, '--no-figures']);
  assert.is(r.code, 0, r.stderr);
  r = await cli(['evaluate', '--labels', all.labels, '--predictions', all.predictions, '--out', join(dir, 'x'), '--load-calibrators', cal, '--calibrators', 'dirichlet', '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${cal}: has no fitted dirichlet calibrator (it has temperature)`), r.stderr);
  r = await cli(['evaluate', '--labels', all.labels, '--predictions', all.predictions, '--out', join(dir, 'x'), '--load-calibrators', cal, '--temperature', '2']);
  assert.is(r.code, 2);
});

test('a run leaves out a calibrator without enough clean rows, saying so (evaluate refuses it)', async () => {
  const few = inputs('few', range(0, 12), range(0, 200));
  const out = join(dir, 'few');
  const r = await evaluateFiles({ labels: few.labels, predictions: few.predictions, out, figures: false, calibrators: ['temperature', 'vector', 'histogram'], tooFewIdSamples: 'skip' });
  assert.equal(Object.keys(r.report.calibrators), ['temperature']);
  assert.ok(r.report.notes.includes('Calibrator vector: needs at least 16 clean (ID) samples for 8 classes, got 12: left out of this report.'), r.report.notes.join('\n'));
  assert.ok(r.report.notes.includes('Calibrator histogram: needs at least 15 clean (ID) samples for 8 classes, got 12: left out of this report.'));
  const e = await cli(['evaluate', '--labels', few.labels, '--predictions', few.predictions, '--out', join(dir, 'few2'), '--calibrators', 'temperature,vector', '--no-figures']);
  assert.is(e.code, 1);
  assert.ok(e.stderr.includes('vector: needs at least 16 clean (ID) samples for 8 classes, got 12'), e.stderr);
});

test.run();
