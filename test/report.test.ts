/**
 * End to end through the CLI: `fer-c evaluate` on the metrics fixture written
 * as a FER-C labels file and a predictions file (shuffled), then
 * report.json against the fixture and the schema, report.md's paper layout,
 * the PNG figures, and `fer-c merge-metrics` over shards = one evaluation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import { Figure, FIGURE_FONT, registerFigureFont } from '../src/report/plot.js';
import { fixtureJson } from './helpers/fixtures.js';
import { Rng } from '../src/random/rng.js';
import { cli } from './helpers/cli.js';
import { validateReport, ReportSchemaError, type Report, type PrePost } from '../src/report/index.js';
import { METRIC_NAMES, type MetricName } from '../src/metrics/index.js';

interface Fixture {
  N: number; K: number; probs: number[][]; labels: number[]; soft: number[][];
  expected_id: Record<MetricName, number>; expected_ood: Record<MetricName, number>;
}
const fx = fixtureJson<Fixture>('metrics-fixture.json');
const dir = mkdtempSync(join(tmpdir(), 'ferc-report-'));
const CORRUPTIONS = ['gaussian_noise', 'snow', 'contrast', 'pixelate'];
const CLASSES = 'Neutral,Happy,Sad,Surprise,Fear,Disgust,Anger,Contempt';

interface Row { id: string; label: string; prediction: string }

/** Every fixture sample twice: clean (one-hot target) and corrupted (its soft target). */
function rows(): Row[] {
  const out: Row[] = [];
  const P = (i: number) => fx.probs[i]!.join(',');
  for (let i = 0; i < fx.N; i++) {
    const onehot = Array.from({ length: fx.K }, (_, k) => (k === fx.labels[i] ? 1 : 0));
    out.push({ id: `s${i}/clean`, label: `s${i}/clean,s${i},"img ${i}, clean.png",clean,0,1,${fx.labels[i]},${onehot.join(',')}`, prediction: `s${i}/clean,${P(i)}` });
    const c = CORRUPTIONS[i % CORRUPTIONS.length]!, s = 1 + (i % 5);
    out.push({ id: `s${i}/${c}/${s}`, label: `s${i}/${c}/${s},s${i},img${i}.png,${c},${s},0.5,${fx.labels[i]},${fx.soft[i]!.join(',')}`, prediction: `s${i}/${c}/${s},${P(i)}` });
  }
  return out;
}

function shuffled<T>(xs: readonly T[], seed: string): T[] {
  const rng = new Rng(seed), a = [...xs];
  for (let i = a.length - 1; i > 0; i--) { const j = rng.int(0, i + 1); [a[i], a[j]] = [a[j]!, a[i]!]; }
  return a;
}

const LABEL_HEADER = `id,source_id,file,corruption,severity,visibility,label,${Array.from({ length: fx.K }, (_, k) => `p_${k}`).join(',')}`;
const PRED_HEADER = `id,${Array.from({ length: fx.K }, (_, k) => `p_${k}`).join(',')}`;

/** The rows' labels in order and their predictions shuffled; or, `predictionsInOrder`, the predictions in order and the labels shuffled. */
function writeInputs(name: string, rs: readonly Row[], predictionsInOrder = false): { labels: string; predictions: string } {
  const labels = join(dir, `${name}-labels.csv`), predictions = join(dir, `${name}-preds.csv`);
  writeFileSync(labels, `${LABEL_HEADER}\n${(predictionsInOrder ? shuffled(rs, name) : rs).map((r) => r.label).join('\n')}\n`);
  writeFileSync(predictions, `${PRED_HEADER}\n${(predictionsInOrder ? rs : shuffled(rs, name)).map((r) => r.prediction).join('\n')}\n`);
  return { labels, predictions };
}

function readReport(out: string): Report {
  const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as unknown;
  validateReport(r);
  return r;
}

function assertTable(actual: PrePost['pre'], expected: Record<MetricName, number>, what: string, tol = 1e-9): void {
  for (const m of METRIC_NAMES) {
    const a = actual[m];
    assert.ok(a !== null && Math.abs(a - expected[m]) <= tol, `${what} ${m}: ${a} vs ${expected[m]}`);
  }
}

/** SPEC.md §4's CECE by the letter: bins (i/B, (i+1)/B] on p_k, p_k = 0 in none, weights n_b / N. */
function classwiseEceReference(probs: readonly number[][], targets: readonly number[][], B: number): number {
  const K = probs[0]!.length, N = probs.length;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    for (let b = 0; b < B; b++) {
      let n = 0, sp = 0, st = 0;
      for (let i = 0; i < N; i++) {
        const p = probs[i]![k]!;
        if (p > b / B && p <= (b + 1) / B) { n++; sp += p; st += targets[i]![k]!; }
      }
      if (n > 0) sum += (n / N) * Math.abs(st / n - sp / n);
    }
  }
  return sum / K;
}

const all = rows();
const full = writeInputs('full', all);
const fullOut = join(dir, 'full-out');

test('evaluate: report.json matches the fixture (ID one-hot, OOD soft) and the schema', async () => {
  const { code, stderr } = await cli(['evaluate', '--labels', full.labels, '--predictions', full.predictions, '--out', fullOut, '--classes', CLASSES]);
  assert.is(code, 0, stderr);
  const r = readReport(fullOut);
  assert.is(r.counts.id, fx.N);
  assert.is(r.counts.ood, fx.N);
  assertTable(r.id!.pre, fx.expected_id, 'id pre');
  assertTable(r.ood!.pre, fx.expected_ood, 'ood pre');
  assert.is(r.temperature_source, 'fitted');
  assert.ok(r.temperature_fit!.nll_after < r.temperature_fit!.nll_before);
  assert.ok(r.id!.post.nll! < r.id!.pre.nll!, 'temperature scaling lowers ID NLL');
  // Accuracy and F1 do not change under temperature scaling (argmax is kept).
  assert.is(r.id!.post.accuracy, r.id!.pre.accuracy);
  assert.is(r.ood!.post.macro_f1, r.ood!.pre.macro_f1);
  assert.equal(Object.keys(r.by_corruption).sort(), [...CORRUPTIONS].sort());
  assert.equal(Object.keys(r.by_severity), ['1', '2', '3', '4', '5']);
  assert.is(Object.values(r.by_corruption).reduce((a, g) => a + g.count, 0), fx.N);
  assert.is(r.reliability.id!.pre.reduce((a, b) => a + b.count, 0), fx.N);
  assert.equal(r.class_names, CLASSES.split(','));
});

test('evaluate: report.md has the paper layout with the fixture values', () => {
  const md = readFileSync(join(fullOut, 'report.md'), 'utf8');
  const header = '| Set | F1 (Pre) | ECE (Pre) | NLL (Pre) | AdaECE (Pre) | CECE (Pre) | KSE (Pre) | F1 (Post) | ECE (Post) | NLL (Post) | AdaECE (Post) | CECE (Post) | KSE (Post) |';
  assert.ok(md.includes(header), 'summary table header');
  const id = md.split('\n').find((l) => l.startsWith('| ID (clean) |'))!;
  // F1 65.45% → 65.5, ECE 4.4957% → 4.50, NLL 1.1217 → 1.12, AdaECE 4.35, CECE 2.31, KSE 4.02
  assert.ok(id.startsWith('| ID (clean) | 65.5 | 4.50 | 1.12 | 4.35 | 2.31 | 4.02 |'), id);
  const ood = md.split('\n').find((l) => l.startsWith('| OOD (FER-C) |'))!;
  assert.ok(ood.startsWith('| OOD (FER-C) | 37.8 | 21.4 | 3.40 | 21.5 | 12.3 | 13.2 |'), ood);
  assert.ok(/T = 1\.\d{4}\*\*, fitted on the 2000 clean predictions/.test(md), 'states the fitted temperature');
});

test('evaluate: PNG figures exist, are PNGs of the stated size', () => {
  const sizes: Record<string, [number, number]> = { 'reliability-id.png': [1240, 700], 'reliability-ood.png': [1240, 700], 'severity.png': [1240, 560] };
  for (const name of ['reliability-id.png', 'reliability-ood.png', 'severity.png', 'corruptions.png']) {
    const p = join(fullOut, name);
    assert.ok(existsSync(p), name);
    const b = readFileSync(p);
    assert.equal([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${name} signature`);
    const want = sizes[name];
    if (want) assert.equal([b.readUInt32BE(16), b.readUInt32BE(20)], want, `${name} size`);
    assert.ok(b.length > 10_000, `${name} has content (${b.length} bytes)`);
  }
});

test('figures: text is drawn in the font fer-c ships (DejaVu Sans from npm), not whatever fonts the system has', () => {
  const files = registerFigureFont();
  assert.equal(files.map((f) => f.split(sep).slice(-4).join('/')), ['node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf', 'node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf']);
  assert.ok(GlobalFonts.families.some((f) => f.family === FIGURE_FONT), `${FIGURE_FONT} is registered`);
  // A title in the figure font alone (no fallback family): Skia draws nothing for a family it lacks.
  const fig = new Figure(300, 60);
  fig.ctx.fillStyle = '#000000';
  fig.ctx.font = `bold 24px "${FIGURE_FONT}"`;
  fig.ctx.fillText('ECE 12.5%', 10, 40);
  const bold = fig.ctx.measureText('ECE 12.5%').width;
  fig.ctx.font = `24px "${FIGURE_FONT}"`;
  const regular = fig.ctx.measureText('ECE 12.5%').width;
  const { data } = fig.ctx.getImageData(0, 0, 300, 60);
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) dark++;
  assert.ok(dark > 300, `the text left ${dark} dark pixels`);
  // DejaVu Sans's advance widths (hmtx, 2048 units per em): E 1294, C 1430, space 651, digits 1303, '.' 651, '%' 1946.
  const expected = ((1294 + 1430 + 1294 + 651 + 1303 + 1303 + 651 + 1303 + 1946) / 2048) * 24;
  assert.ok(Math.abs(regular - expected) < 0.05, `regular width ${regular}, DejaVu Sans gives ${expected}`);
  assert.ok(bold > regular + 8, `bold (${bold}) is wider than regular (${regular}): the bold face is registered`);
});

test('merge-metrics: 3 uneven shards evaluated at one T and merged in order = one evaluation', async () => {
  const T = '1.25';
  const whole = join(dir, 'whole-T');
  assert.is((await cli(['evaluate', '--labels', full.labels, '--predictions', full.predictions, '--out', whole, '--temperature', T, '--no-figures'])).code, 0);
  // Shards are contiguous blocks of the whole predictions file (each with its labels in another order),
  // merged in block order: the rows in the whole file's order, so ties in conf (a sample's clean and
  // corrupted rows share their probabilities) are ordered alike and KSE and AdaECE agree bit for bit.
  const order = shuffled(all, 'full');
  const cuts = [0, 517, 2400, order.length];
  const states: string[] = [];
  for (let s = 0; s < 3; s++) {
    const inputs = writeInputs(`shard${s}`, order.slice(cuts[s], cuts[s + 1]), true);
    const state = join(dir, `shard${s}.state.json`);
    const r = await cli(['evaluate', '--labels', inputs.labels, '--predictions', inputs.predictions, '--out', join(dir, `shard${s}`), '--temperature', T, '--state', state, '--no-figures']);
    assert.is(r.code, 0, r.stderr);
    states.push(state);
  }
  const merged = join(dir, 'merged');
  const m = await cli(['merge-metrics', states[0]!, states[1]!, states[2]!, '--out', merged, '--state', join(merged, 'state.json')]);
  assert.is(m.code, 0, m.stderr);
  const a = readReport(whole), b = readReport(merged);
  assert.is(b.counts.all, a.counts.all);
  assert.equal(b.inputs.states.length, 3);
  const groups: [string, PrePost | null, PrePost | null][] = [['id', a.id, b.id], ['ood', a.ood, b.ood], ['all', a.all, b.all]];
  for (const c of CORRUPTIONS) groups.push([c, a.by_corruption[c]!, b.by_corruption[c]!]);
  for (const s of ['1', '3', '5']) groups.push([`severity ${s}`, a.by_severity[s]!, b.by_severity[s]!]);
  for (const [name, x, y] of groups) {
    assert.is(y!.count, x!.count, `${name} count`);
    for (const phase of ['pre', 'post'] as const) {
      for (const metric of METRIC_NAMES) {
        const u = x![phase][metric]!, v = y![phase][metric]!;
        if (metric === 'kse' || metric === 'adaece') assert.is(v, u, `${name} ${phase} ${metric}`);
        else assert.ok(Math.abs(u - v) <= 1e-9, `${name} ${phase} ${metric}: merged ${v} vs whole ${u}`);
      }
    }
  }
  // The merged state merges again (idempotent format).
  assert.is((await cli(['merge-metrics', join(merged, 'state.json'), '--out', join(dir, 'merged2'), '--no-figures'])).code, 0);
});

test('merge-metrics: refuses states fitted at different temperatures, naming the file', async () => {
  const order = shuffled(all, 'two');
  const states: string[] = [];
  for (let s = 0; s < 2; s++) {
    const inputs = writeInputs(`fit${s}`, order.slice(s * 1000, (s + 1) * 1000 + 500));
    const state = join(dir, `fit${s}.state.json`);
    assert.is((await cli(['evaluate', '--labels', inputs.labels, '--predictions', inputs.predictions, '--out', join(dir, `fit${s}`), '--state', state, '--no-figures'])).code, 0);
    states.push(state);
  }
  const r = await cli(['merge-metrics', ...states, '--out', join(dir, 'bad-merge')]);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${states[1]}: temperature`) && r.stderr.includes('--temperature'), r.stderr);
});

test('evaluate: a prediction without a label fails listing its id', async () => {
  const labels = join(dir, 'few-labels.csv'), preds = join(dir, 'extra-preds.csv');
  const some = all.slice(0, 10);
  writeFileSync(labels, `${LABEL_HEADER}\n${some.map((r) => r.label).join('\n')}\n`);
  writeFileSync(preds, `${PRED_HEADER}\n${some.map((r) => r.prediction).join('\n')}\nghost,${fx.probs[0]!.join(',')}\n`);
  const r = await cli(['evaluate', '--labels', labels, '--predictions', preds, '--out', join(dir, 'ghost')]);
  assert.is(r.code, 1);
  assert.ok(/1 prediction\(s\) have no label: "ghost" \(.*extra-preds\.csv:12\)/.test(r.stderr), r.stderr);
});

test('evaluate: logits input gives the same Pre metrics as the probabilities they encode', async () => {
  const labels = join(dir, 'full-labels.csv'), preds = join(dir, 'logit-preds.csv');
  const header = `id,${Array.from({ length: fx.K }, (_, k) => `logit_${k}`).join(',')}`;
  const lines = all.map((r) => {
    const [id, ...ps] = r.prediction.split(',');
    return `${id},${ps.map((p) => Math.log(Math.max(Number(p), 1e-12))).join(',')}`;
  });
  writeFileSync(preds, `${header}\n${lines.join('\n')}\n`);
  const out = join(dir, 'logits');
  assert.is((await cli(['evaluate', '--labels', labels, '--predictions', preds, '--out', out, '--no-figures'])).code, 0);
  const r = readReport(out);
  assert.is(r.prediction_kind, 'logits');
  // softmax(log p) = p / Σp, and the fixture rows sum to 1 within 3e-7.
  assertTable(r.id!.pre, fx.expected_id, 'logits id', 2e-6);
  // Except that a p of 0 becomes ~1e-12 through the floored log: in CECE's first bin, where p = 0 is
  // in none (SPEC.md §4). Against soft targets that moves OOD CECE by ~7e-6, so OOD CECE is checked
  // against SPEC.md §4's CECE computed literally on the probabilities the logits encode.
  const encoded = fx.probs.map((row) => { const q = row.map((v) => Math.max(v, 1e-12)), s = q.reduce((a, b) => a + b, 0); return q.map((v) => v / s); });
  assertTable(r.ood!.pre, { ...fx.expected_ood, cece: classwiseEceReference(encoded, fx.soft, 15) }, 'logits ood', 2e-6);
});

test('schema: a report missing a metric or with a wrong type is rejected with its path', () => {
  const r = JSON.parse(readFileSync(join(fullOut, 'report.json'), 'utf8')) as { id: { pre: Record<string, unknown> }; temperature: unknown };
  delete r.id.pre['kse'];
  assert.throws(() => validateReport(r), (e: unknown) => e instanceof ReportSchemaError && /\/id\/pre must have required property 'kse'/.test(e.message));
  const r2 = JSON.parse(readFileSync(join(fullOut, 'report.json'), 'utf8')) as { temperature: unknown };
  r2.temperature = -1;
  assert.throws(() => validateReport(r2), /\/temperature must be > 0/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
