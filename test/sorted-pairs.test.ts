/**
 * Ties in confidence are kept in input order (SortedPairs), as the reference's
 * stable sort keeps them: checked against an independent stable-sort KSE
 * written from SPEC.md §4 (Array.prototype.sort is stable), on data where most
 * confidences tie. Merging concatenates inputs in the order given: contiguous
 * blocks merged in block order equal one pass bit for bit (KSE and AdaECE),
 * also through JSON; merged in another order they equal one pass over that
 * other order (merge order matters for ties, by design). GroupedMetrics
 * numbers rows across its cells, so ID / OOD / per-corruption groups hold their
 * rows in input order; evaluate orders rows as predictions.csv has them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/random/rng.js';
import {
  SortedPairs, MetricCollection, GroupedMetrics, KsCalibrationError, AdaptiveCalibrationError, PredictionBatch, MAX_SEQUENCE_SPAN,
  type SortedPairsState, type MetricCollectionState, type GroupedMetricsState,
} from '../src/metrics/index.js';
import { CLEAN } from '../src/labels/visibility-table.js';
import { evaluateFiles } from '../src/report/evaluate-files.js';
import { mergeEvaluationStates, parseEvaluationState } from '../src/report/evaluation-state.js';

/** KSE with ties in input order: a stable sort of the rows by conf, then SPEC.md §4's running sums. */
function kseReference(conf: readonly number[], c: readonly number[]): number {
  const order = [...conf.keys()].sort((a, b) => conf[a]! - conf[b]!);
  let sc = 0, sk = 0, max = 0;
  for (const i of order) { sc += conf[i]!; sk += c[i]!; max = Math.max(max, Math.abs(sc - sk)); }
  return max / conf.length;
}

/**
 * n samples whose confidences take few values above 1/2 (most tie), with
 * correctness 0 or soft in [1/2, 1] (so that batchOf's targets give exactly c).
 */
function tiedData(seed: string, n: number, levels = 7): { conf: number[]; c: number[] } {
  const rng = new Rng(seed);
  const conf = Array.from({ length: n }, () => 0.52 + 0.06 * rng.int(0, levels));
  const c = conf.map(() => (rng.uniform() < 0.3 ? 0 : Math.round(50 + rng.uniform() * 50) / 100));
  return { conf, c };
}

/** Rows of K = 2 with p = (conf, 1 − conf) and t = (c, 1 − c): conf is the max, the correctness is c. */
function batchOf(conf: readonly number[], c: readonly number[]): PredictionBatch {
  const K = 2, p = new Float64Array(conf.length * K), t = new Float64Array(conf.length * K);
  conf.forEach((v, i) => { p[i * K] = v; p[i * K + 1] = 1 - v; t[i * K] = c[i]!; t[i * K + 1] = 1 - c[i]!; });
  return new PredictionBatch(K, p, t);
}

function storeOf(conf: readonly number[], c: readonly number[]): SortedPairs {
  const s = new SortedPairs();
  s.add(conf, c, conf.length);
  return s;
}

const roundTrip = (s: SortedPairs) => SortedPairs.fromJSON(JSON.parse(JSON.stringify(s.toJSON())) as SortedPairsState);

function metricsOf(pairs: SortedPairs): { kse: number; adaece: number } {
  return { kse: new KsCalibrationError(pairs).result(), adaece: new AdaptiveCalibrationError(15, pairs).result() };
}

test('ties keep input order, across buffers and tiered merges (40,000 pairs, 7 distinct confidences)', () => {
  const { conf, c } = tiedData('order', 40_000);
  const s = storeOf(conf, c);
  const order = [...conf.keys()].sort((a, b) => conf[a]! - conf[b]!);
  const sorted = s.sorted();
  assert.is(sorted.confidence.length, 40_000);
  for (let i = 0; i < order.length; i++) {
    if (sorted.sequence[i] !== order[i] || sorted.correctness[i] !== c[order[i]!] || sorted.confidence[i] !== conf[order[i]!]) {
      assert.unreachable(`position ${i}: sequence ${sorted.sequence[i]}, the stable sort has row ${order[i]}`);
    }
  }
  assert.is(s.span, 40_000);
  assert.is(metricsOf(s).kse, kseReference(conf, c));
  // Not vacuous: ordering ties by correctness (the old rule) gives another KSE on this data.
  const byC = [...conf.keys()].sort((a, b) => conf[a]! - conf[b]! || c[a]! - c[b]!);
  assert.is.not(kseReference(byC.map((i) => conf[i]!), byC.map((i) => c[i]!)), kseReference(conf, c));
});

test('contiguous blocks merged in block order = one pass, KSE and AdaECE bit for bit (also through JSON)', () => {
  const { conf, c } = tiedData('blocks', 12_345, 5);
  const one = metricsOf(storeOf(conf, c));
  assert.is(one.kse, kseReference(conf, c));
  // Two halves: a.merge(b).
  const h = 6_001;
  const a = storeOf(conf.slice(0, h), c.slice(0, h)), b = storeOf(conf.slice(h), c.slice(h));
  a.merge(b);
  assert.equal(metricsOf(a), one);
  assert.is(a.span, conf.length);
  assert.is(a.size, conf.length);
  // Seven uneven blocks, each through JSON, folded in with one mergeAll in block order.
  const cuts = [0, 1, 17, 900, 3_000, 3_001, 9_999, conf.length];
  const blocks = cuts.slice(1).map((end, i) => roundTrip(storeOf(conf.slice(cuts[i], end), c.slice(cuts[i], end))));
  const first = blocks[0]!;
  first.mergeAll(blocks.slice(1));
  assert.equal(metricsOf(first), one);
  assert.equal([...first.sorted().sequence], [...storeOf(conf, c).sorted().sequence]);
  // And by MetricCollection (the shared store) and Metric.merge.
  const m = new MetricCollection({ classes: 2, bins: 15 });
  m.add(batchOf(conf, c));
  const halves = [new MetricCollection({ classes: 2, bins: 15 }), new MetricCollection({ classes: 2, bins: 15 })];
  halves[0]!.add(batchOf(conf.slice(0, h), c.slice(0, h)));
  halves[1]!.add(batchOf(conf.slice(h), c.slice(h)));
  const merged = MetricCollection.mergeAll({ classes: 2, bins: 15 }, halves.map((x) => MetricCollection.fromJSON(JSON.parse(JSON.stringify(x.toJSON())) as MetricCollectionState)));
  assert.is(merged.result().kse, m.result().kse);
  assert.is(merged.result().adaece, m.result().adaece);
  const k1 = new KsCalibrationError(), k2 = new KsCalibrationError();
  k1.add(batchOf(conf.slice(0, h), c.slice(0, h)));
  k2.add(batchOf(conf.slice(h), c.slice(h)));
  k1.merge(k2);
  assert.is(k1.result(), one.kse);
});

test('merge order matters for ties: b merged before a = one pass over b\'s rows then a\'s (documented, not a bug)', () => {
  const { conf, c } = tiedData('order-matters', 5_000, 4);
  const h = 2_500;
  const a = () => storeOf(conf.slice(0, h), c.slice(0, h)), b = () => storeOf(conf.slice(h), c.slice(h));
  const ab = a(); ab.merge(b());
  const ba = b(); ba.merge(a());
  const swapped = { conf: [...conf.slice(h), ...conf.slice(0, h)], c: [...c.slice(h), ...c.slice(0, h)] };
  assert.is(metricsOf(ab).kse, kseReference(conf, c));
  assert.is(metricsOf(ba).kse, kseReference(swapped.conf, swapped.c));
  assert.is.not(metricsOf(ab).kse, metricsOf(ba).kse);
  // Both orders hold the same pairs: only the order within ties differs.
  assert.equal([...ab.sorted().confidence], [...ba.sorted().confidence]);
});

test('JSON keeps the sequence numbers; a state without them, or with bad ones, is refused naming the field', () => {
  const { conf, c } = tiedData('json', 3_000, 3);
  const s = storeOf(conf, c);
  const state = JSON.parse(JSON.stringify(s.toJSON())) as SortedPairsState;
  assert.is(state.sequence_encoding, 'uint32le-base64');
  const back = SortedPairs.fromJSON(state);
  assert.equal([...back.sorted().sequence], [...s.sorted().sequence]);
  assert.is(back.span, s.span);
  // A restored store continues the numbering: pairs added after it come after its input.
  const more = tiedData('json-more', 500, 3);
  const direct = storeOf([...conf, ...more.conf], [...c, ...more.c]);
  back.add(more.conf, more.c, more.conf.length);
  assert.equal(metricsOf(back), metricsOf(direct));
  // Older states (pairs sorted by (conf, c), no sequence) are refused, not reinterpreted.
  const { sequence: _s, sequence_encoding: _e, ...old } = state;
  assert.throws(() => SortedPairs.fromJSON(old as unknown as SortedPairsState, 'kse.pairs'), /kse\.pairs\.sequence: missing — a state from an older fer-c/);
  const m = new MetricCollection({ classes: 2, bins: 15 });
  m.add(batchOf(conf, c));
  const ms = JSON.parse(JSON.stringify(m.toJSON())) as MetricCollectionState & { shared: { pairs: Record<string, unknown> } };
  delete ms.shared.pairs['sequence'];
  assert.throws(() => MetricCollection.fromJSON(ms, 'pre.cells[0].metrics'), /pre\.cells\[0\]\.metrics\.shared\.pairs\.sequence: missing/);
  assert.throws(() => SortedPairs.fromJSON({ ...state, sequence: 'AAAA' }), /pairs\.sequence: expected 3000 uint32 values/);
  // Two equal (conf, sequence) pairs cannot come from one input: refused as unsorted.
  const dup = new SortedPairs();
  dup.add([0.5, 0.5], [1, 0], 2, [7, 7]);
  assert.throws(() => SortedPairs.fromJSON(JSON.parse(JSON.stringify(dup.toJSON())) as SortedPairsState), /not sorted by \(confidence, sequence\) at index 1/);
});

test('sequence numbers are Uint32: a span past 2^32 is refused, on add and on merge; bad numbers too', () => {
  const a = new SortedPairs();
  a.add([0.5], [1], 1, [MAX_SEQUENCE_SPAN - 1]);
  assert.is(a.span, MAX_SEQUENCE_SPAN);
  assert.throws(() => a.add([0.5], [1], 1), /would reach 4294967297, past the Uint32 limit of 4294967296/);
  const b = storeOf([0.6], [0]);
  assert.throws(() => a.merge(b), /past the Uint32 limit/);
  assert.throws(() => b.add([0.5], [1], 1, [MAX_SEQUENCE_SPAN]), /sequence number 4294967296 is not an integer/);
  assert.throws(() => b.add([0.5], [1], 1, [1.5]), /sequence number 1.5/);
  assert.is(b.size, 1, 'a refused batch leaves the store as it was');
  // The other way round a's input would follow b's: positions 1 .. 2^32, one past the limit too.
  assert.throws(() => b.merge(a), /past the Uint32 limit/);
});

test('grouped: each group holds its rows in input order (cells interleaved), one pass = contiguous halves merged in order', () => {
  const n = 6_000, { conf, c } = tiedData('grouped', n, 6);
  const keys = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? { corruption: CLEAN, severity: 0 } : { corruption: ['snow', 'fog'][i % 2]!, severity: 1 + (i % 3) }));
  const rowOf = (i: number) => ({ p: [conf[i]!, 1 - conf[i]!], t: [c[i]!, 1 - c[i]!] });
  const feed = (g: GroupedMetrics, from: number, to: number) => { for (let i = from; i < to; i++) { const r = rowOf(i); g.addSample(keys[i]!, r.p, r.t); } };
  const one = new GroupedMetrics({ classes: 2, bins: 15 }, 37);
  feed(one, 0, n);
  const groups: Record<string, (i: number) => boolean> = {
    all: () => true, id: (i) => keys[i]!.corruption === CLEAN, ood: (i) => keys[i]!.corruption !== CLEAN, snow: (i) => keys[i]!.corruption === 'snow',
  };
  const reference = (select: (i: number) => boolean) => {
    const rows = [...conf.keys()].filter(select);
    return kseReference(rows.map((i) => conf[i]!), rows.map((i) => c[i]!));
  };
  const kseOf = (g: GroupedMetrics) => {
    const r = g.results();
    return { all: r.all!.metrics.kse, id: r.id!.metrics.kse, ood: r.ood!.metrics.kse, snow: r.byCorruption['snow']!.metrics.kse };
  };
  const got = kseOf(one);
  for (const [name, select] of Object.entries(groups)) assert.is(got[name as keyof typeof got], reference(select), `${name} group`);
  // Halves (a cut inside the interleaving) in two groupings, through JSON, merged in order: the same, bit for bit.
  const h = 2_999;
  const first = new GroupedMetrics({ classes: 2, bins: 15 }), second = new GroupedMetrics({ classes: 2, bins: 15 });
  feed(first, 0, h);
  feed(second, h, n);
  const restore = (g: GroupedMetrics) => GroupedMetrics.fromJSON(JSON.parse(JSON.stringify(g.toJSON())) as GroupedMetricsState);
  const merged = restore(first);
  merged.merge(restore(second));
  assert.is(merged.span, n);
  assert.equal(kseOf(merged), got);
  const adaece = (g: GroupedMetrics) => { const r = g.results(); return [r.all!.metrics.adaece, r.ood!.metrics.adaece, r.id!.metrics.adaece]; };
  assert.equal(adaece(merged), adaece(one));
  // A merged grouping continues the numbering: more rows added after it follow its input.
  const direct = new GroupedMetrics({ classes: 2, bins: 15 });
  feed(direct, 0, n);
  feed(direct, 0, 100);
  feed(merged, 0, 100);
  assert.equal(kseOf(merged), kseOf(direct));
});

test('evaluate: ties ordered as predictions.csv has the rows, not labels.csv; two shards merged in order = one pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferc-ties-'));
  const n = 600, rng = new Rng('evaluate-ties');
  const header = 'id,source_id,file,corruption,severity,visibility,label,p_0,p_1,p_2';
  const labels: string[] = [], predictions: string[] = [];
  const conf: number[] = [], c: number[] = [], ood: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.int(0, 3), clean = i % 3 === 0;
    // Confidences from a handful of values: most rows tie.
    const top = [0.5, 0.6, 0.7][rng.int(0, 3)]!, rest = (1 - top) / 2;
    const yHat = rng.uniform() < 0.7 ? y : (y + 1) % 3;
    const p = [rest, rest, rest]; p[yHat] = top;
    const t = clean ? [0, 0, 0] : [0.1, 0.1, 0.1]; t[y] = clean ? 1 : 0.8;
    labels.push(`r${i},s${i},r${i}.png,${clean ? 'clean,0,1' : `snow,${1 + (i % 5)},0.5`},${y},${t.join(',')}`);
    predictions.push(`r${i},${p.join(',')}`);
    conf.push(top); c.push(yHat === y ? t[y]! : 1 - t[y]!); ood.push(!clean);
  }
  // predictions.csv in a shuffled order; labels.csv in row order.
  const order = [...labels.keys()];
  for (let i = n - 1; i > 0; i--) { const j = rng.int(0, i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
  const write = (name: string, head: string, lines: readonly string[]) => { const f = join(dir, name); writeFileSync(f, `${head}\n${lines.join('\n')}\n`); return f; };
  const labelsFile = write('labels.csv', header, labels);
  const predHeader = 'id,p_0,p_1,p_2';
  const evaluateTo = async (name: string, rows: readonly number[], state?: string) => {
    const predictionsFile = write(`${name}.csv`, predHeader, rows.map((i) => predictions[i]!));
    await evaluateFiles({ labels: labelsFile, predictions: predictionsFile, out: join(dir, name), temperature: 1, figures: false, ...(state ? { statePath: state } : {}) });
    return JSON.parse(readFileSync(join(dir, name, 'report.json'), 'utf8')) as { all: { pre: { kse: number } }; ood: { pre: { kse: number; adaece: number } } };
  };
  const ref = (rows: readonly number[], select: (i: number) => boolean) => { const r = rows.filter(select); return kseReference(r.map((i) => conf[i]!), r.map((i) => c[i]!)); };
  const report = await evaluateTo('one', order);
  assert.is(report.all.pre.kse, ref(order, () => true));
  assert.is(report.ood.pre.kse, ref(order, (i) => ood[i]!));
  // Not vacuous: labels.csv's order gives another KSE.
  assert.is.not(ref([...labels.keys()], () => true), ref(order, () => true));
  // Shards of predictions.csv (contiguous blocks) evaluated apart, their states merged in block order.
  const cut = 250, sa = join(dir, 'a.state.json'), sb = join(dir, 'b.state.json');
  await evaluateTo('a', order.slice(0, cut), sa);
  await evaluateTo('b', order.slice(cut), sb);
  const merged = mergeEvaluationStates([sa, sb].map((file) => ({ file, state: parseEvaluationState(readFileSync(file, 'utf8'), file) })));
  const r = merged.pre.results();
  assert.is(r.all!.metrics.kse, report.all.pre.kse);
  assert.is(r.ood!.metrics.kse, report.ood.pre.kse);
  assert.is(r.ood!.metrics.adaece, report.ood.pre.adaece);
});

test.run();
