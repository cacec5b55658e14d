/**
 * The five calibrators of SPEC.md §5.1 against the independent numpy/scipy
 * reference (test/fixtures/calibration-fixture.json): fitted on 1,500 ID
 * logits with labels, applied to 1,500 shifted OOD logits, scored against soft
 * targets. OOD metrics within 1e-4 (temperature, vector, dirichlet: iterative
 * fits) and 1e-6 (histogram, isotonic: closed form); the fitted parameters and
 * the first 50 calibrated rows close; JSON states reproduce the calibrators.
 * Then the optimiser on its own, and bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureJson } from './helpers/fixtures.js';
import {
  CALIBRATOR_NAMES, CALIBRATORS, fitCalibrator, calibratorFromJSON, minimizeLbfgs, parseCalibratorList, poolAdjacentViolators,
  type CalibratorName, type CalibrationSet, type Calibrator,
} from '../src/calibration/index.js';
import { METRIC_NAMES, MetricCollection, PredictionBatch, type MetricName } from '../src/metrics/index.js';

interface CalibrationFixture {
  K: number; lambda: number;
  z_id: number[][]; y_id: number[]; z_ood: number[][]; t_ood: number[][];
  fitted: {
    temperature: { T: number };
    vector: { w: number[]; b: number[] };
    dirichlet: { W: number[][]; b: number[] };
    histogram: { bins: number; value: number[][] };
    isotonic: { x: number[]; y: number[] }[];
  };
  ood_probs_first_50: Record<CalibratorName, number[][]>;
  ood_metrics: Record<CalibratorName | 'none', Record<MetricName, number>>;
}

export const fx = fixtureJson<CalibrationFixture>('calibration-fixture.json');
const K = fx.K;
const idSet: CalibrationSet = { classes: K, logits: Float64Array.from(fx.z_id.flat()), labels: Int32Array.from(fx.y_id) };
const METRIC_TOLERANCE: Record<CalibratorName, number> = { temperature: 1e-4, vector: 1e-4, dirichlet: 1e-4, histogram: 1e-6, isotonic: 1e-6 };

function calibrated(c: Calibrator, rows: readonly number[][]): Float64Array {
  const out = new Float64Array(rows.length * K);
  rows.forEach((z, i) => c.applyRow(z, out.subarray(i * K, (i + 1) * K)));
  return out;
}

function oodMetrics(probs: Float64Array): Record<MetricName, number> {
  const m = new MetricCollection({ classes: K, bins: 15 });
  m.add(new PredictionBatch(K, probs, Float64Array.from(fx.t_ood.flat())));
  return m.result();
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

test('uncalibrated (softmax of the OOD logits): every metric = the fixture\'s "none" within 1e-9', () => {
  const probs = new Float64Array(fx.z_ood.length * K);
  fx.z_ood.forEach((z, i) => { const row = probs.subarray(i * K, (i + 1) * K); let m = -Infinity; for (const v of z) m = Math.max(m, v); let s = 0; z.forEach((v, k) => { row[k] = Math.exp(v - m); s += row[k]!; }); row.forEach((v, k) => { row[k] = v / s; }); });
  const got = oodMetrics(probs);
  for (const name of METRIC_NAMES) assert.ok(Math.abs(got[name] - fx.ood_metrics.none[name]) < 1e-9, `${name}: ${got[name]} vs ${fx.ood_metrics.none[name]}`);
});

for (const name of CALIBRATOR_NAMES) {
  test(`${name}: fitted on the ID set, OOD metrics within ${METRIC_TOLERANCE[name]}, parameters and first 50 rows close`, () => {
    const { calibrator, info } = fitCalibrator(name, idSet);
    assert.is(info.samples, 1500);
    assert.ok(info.nll_after < info.nll_before, `${name}: NLL ${info.nll_before} → ${info.nll_after}`);
    assert.equal(info.warnings, []);
    const probs = calibrated(calibrator, fx.z_ood);
    const got = oodMetrics(probs);
    for (const m of METRIC_NAMES) {
      const want = fx.ood_metrics[name][m];
      assert.ok(Math.abs(got[m] - want) <= METRIC_TOLERANCE[name], `${name} ${m}: ${got[m]} vs ${want} (|diff| ${Math.abs(got[m] - want)})`);
    }
    const first = probs.subarray(0, 50 * K), want50 = fx.ood_probs_first_50[name].flat();
    const rowTolerance = name === 'histogram' || name === 'isotonic' ? 1e-9 : 1e-5;
    assert.ok(maxDiff(first, want50) <= rowTolerance, `${name}: first 50 rows differ by ${maxDiff(first, want50)}`);
    // The JSON state is the calibrator.
    const back = calibratorFromJSON(JSON.parse(JSON.stringify(calibrator.toJSON())));
    assert.is(maxDiff(calibrated(back, fx.z_ood.slice(0, 50)), first), 0);
  });
}

/** KSE with ties in conf broken by the rows' input order (numpy's stable argsort), written from SPEC.md §4. */
function kseInputOrder(probs: Float64Array, targets: readonly number[][]): number {
  const n = targets.length, conf: number[] = [], c: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = [...probs.subarray(i * K, (i + 1) * K)], t = targets[i]!;
    const yHat = p.indexOf(Math.max(...p)), yStar = t.indexOf(Math.max(...t));
    conf.push(p[yHat]!); c.push(yHat === yStar ? t[yStar]! : 1 - t[yStar]!);
  }
  const order = [...conf.keys()].sort((a, b) => conf[a]! - conf[b]! || a - b);
  let sc = 0, sk = 0, max = 0;
  for (const i of order) { sc += conf[i]!; sk += c[i]!; max = Math.max(max, Math.abs(sc - sk)); }
  return max / n;
}

test('histogram KSE: most calibrated confidences tie; fer-c keeps ties in input order, as the reference does, also over merged halves', () => {
  // Histogram outputs repeat: within a tie KSE's running sums depend on the order, and the
  // reference (numpy's stable sort) keeps input order; so does fer-c (SortedPairs).
  const probs = calibrated(fitCalibrator('histogram', idSet).calibrator, fx.z_ood);
  const conf = Array.from({ length: fx.z_ood.length }, (_, i) => Math.max(...probs.subarray(i * K, (i + 1) * K)));
  const seen = new Map<number, number>();
  for (const v of conf) seen.set(v, (seen.get(v) ?? 0) + 1);
  const tied = conf.filter((v) => seen.get(v)! > 1).length;
  assert.ok(tied > 500, `only ${tied} tied confidences: the test would not exercise ties`);
  const want = fx.ood_metrics.histogram.kse;
  const got = oodMetrics(probs).kse;
  assert.is(got, kseInputOrder(probs, fx.t_ood));
  assert.ok(Math.abs(got - want) <= 1e-6, `fer-c's KSE ${got} vs ${want}`);
  // Two contiguous halves merged in order: the same number, bit for bit.
  const t = Float64Array.from(fx.t_ood.flat()), h = 700 * K;
  const a = new MetricCollection({ classes: K, bins: 15 }), b = new MetricCollection({ classes: K, bins: 15 });
  a.add(new PredictionBatch(K, probs.slice(0, h), t.slice(0, h)));
  b.add(new PredictionBatch(K, probs.slice(h), t.slice(h)));
  a.merge(b);
  assert.is(a.result().kse, got);
});

test('fitted parameters: T, w, b, W close to the reference optimum; histogram and isotonic exactly', () => {
  const state = <T>(name: CalibratorName) => fitCalibrator(name, idSet).calibrator.toJSON() as unknown as T;
  const t = state<{ T: number }>('temperature');
  assert.ok(Math.abs(t.T - fx.fitted.temperature.T) < 1e-6, `T ${t.T} vs ${fx.fitted.temperature.T}`);
  const v = state<{ w: number[]; b: number[] }>('vector');
  assert.ok(maxDiff(v.w, fx.fitted.vector.w) < 1e-4 && maxDiff(v.b, fx.fitted.vector.b) < 1e-4, `vector w ${maxDiff(v.w, fx.fitted.vector.w)} b ${maxDiff(v.b, fx.fitted.vector.b)}`);
  const d = state<{ W: number[][]; b: number[] }>('dirichlet');
  assert.ok(maxDiff(d.W.flat(), fx.fitted.dirichlet.W.flat()) < 1e-4 && maxDiff(d.b, fx.fitted.dirichlet.b) < 1e-4, `dirichlet W ${maxDiff(d.W.flat(), fx.fitted.dirichlet.W.flat())} b ${maxDiff(d.b, fx.fitted.dirichlet.b)}`);
  const h = state<{ bins: number; value: number[][] }>('histogram');
  assert.is(h.bins, fx.fitted.histogram.bins);
  assert.ok(maxDiff(h.value.flat(), fx.fitted.histogram.value.flat()) < 1e-12);
  const iso = state<{ points: { x: number[]; y: number[] }[] }>('isotonic');
  iso.points.forEach((c, k) => {
    // The points are the ID probabilities: equal up to the last bit or two of two softmax implementations.
    const rel = Math.max(...c.x.map((v, i) => Math.abs(v - fx.fitted.isotonic[k]!.x[i]!) / fx.fitted.isotonic[k]!.x[i]!));
    assert.ok(rel < 1e-14 && c.x.length === fx.fitted.isotonic[k]!.x.length, `isotonic x, class ${k}: relative ${rel}`);
    assert.ok(maxDiff(c.y, fx.fitted.isotonic[k]!.y) < 1e-12, `isotonic y, class ${k}: ${maxDiff(c.y, fx.fitted.isotonic[k]!.y)}`);
  });
});

test('L-BFGS: a badly scaled convex quadratic and the Rosenbrock valley to 1e-8', () => {
  const scales = [1, 10, 100, 1000, 1e4];
  const q = minimizeLbfgs((x, g) => { let f = 0; x.forEach((v, i) => { const d = v - i; f += scales[i]! * d * d; g[i] = 2 * scales[i]! * d; }); return f; }, new Float64Array(5));
  q.x.forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-10, `x${i} = ${v}`));
  const r = minimizeLbfgs((x, g) => {
    const a = x[0]!, b = x[1]!;
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a); g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  }, Float64Array.from([-1.2, 1]));
  assert.ok(Math.abs(r.x[0]! - 1) < 1e-8 && Math.abs(r.x[1]! - 1) < 1e-8, `${r.x}`);
});

test('PAV: pools violators by weight', () => {
  assert.equal([...poolAdjacentViolators(Float64Array.from([1, 0, 0, 1]), Float64Array.from([1, 1, 2, 1]))], [0.25, 0.25, 0.25, 1]);
  assert.equal([...poolAdjacentViolators(Float64Array.from([0, 1, 0.5]), Float64Array.from([1, 1, 1]))], [0, 0.75, 0.75]);
});

test('bad input: too few ID samples (says how many), non-finite logits, unknown names', () => {
  const few: CalibrationSet = { classes: K, logits: idSet.logits.slice(0, 5 * K), labels: idSet.labels.slice(0, 5) };
  for (const name of CALIBRATOR_NAMES) {
    const need = CALIBRATORS[name].minSamples(K);
    if (need > 5) assert.throws(() => fitCalibrator(name, few), new RegExp(`${name}: needs at least ${need} clean \\(ID\\) samples for 8 classes, got 5`));
  }
  const bad = { ...idSet, logits: idSet.logits.slice() };
  bad.logits[3 * K + 2] = Infinity;
  for (const name of CALIBRATOR_NAMES) assert.throws(() => fitCalibrator(name, bad), /ID sample 3 has a non-finite logit Infinity \(class 2\)/);
  assert.throws(() => parseCalibratorList('temperature,platt'), /unknown calibrator "platt"/);
  assert.throws(() => parseCalibratorList('vector,vector'), /"vector" named twice/);
  assert.throws(() => parseCalibratorList('temperature,'), /empty name/);
  assert.throws(() => calibratorFromJSON({ calibrator: 'vector', classes: 8, w: [1], b: [] }), /w: expected 8 finite numbers/);
});

test('a class absent from the ID labels: histogram and isotonic leave it as it is, with a warning', () => {
  const keep = fx.y_id.map((y, i) => (y === 3 ? -1 : i)).filter((i) => i >= 0);
  const set: CalibrationSet = { classes: K, logits: Float64Array.from(keep.flatMap((i) => fx.z_id[i]!)), labels: Int32Array.from(keep.map((i) => fx.y_id[i]!)) };
  for (const name of ['histogram', 'isotonic'] as const) {
    const { calibrator, info } = fitCalibrator(name, set);
    assert.ok(info.warnings.some((w) => w.includes(`${name}: class 3 never the label of an ID sample: left uncalibrated (identity)`)), info.warnings.join('; '));
    // Independently: q_k = f_k(p_k) from the state's table or points, q_3 = p_3, then normalised.
    const z = fx.z_ood[0]!, q = calibrator.applyRow(z, new Float64Array(K));
    const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0), p = e.map((v) => v / s);
    const st = calibrator.toJSON() as unknown as { value?: (number | null)[][]; points?: { x: number[]; y: number[] }[] };
    const f = (k: number, v: number): number => {
      if (st.value) { const b = Math.min(14, Math.max(0, Math.ceil(v * 15) - 1)); return st.value[k]![b] ?? v; }
      const { x, y } = st.points![k]!;
      if (x.length === 0) return v;
      if (v <= x[0]!) return y[0]!;
      if (v >= x[x.length - 1]!) return y[y.length - 1]!;
      let j = 0; while (x[j + 1]! < v) j++;
      return y[j]! + ((y[j + 1]! - y[j]!) * (v - x[j]!)) / (x[j + 1]! - x[j]!);
    };
    if (st.value) assert.ok(st.value[3]!.every((v) => v === null));
    if (st.points) assert.is(st.points[3]!.x.length, 0);
    const raw = p.map((v, k) => f(k, v)), total = raw.reduce((a, b) => a + b, 0);
    assert.is(raw[3], p[3]);
    assert.ok(maxDiff(q, raw.map((v) => v / total)) < 1e-15, `${name}: ${maxDiff(q, raw.map((v) => v / total))}`);
  }
});

test.run();
