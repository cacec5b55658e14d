/**
 * Memory and throughput of `fer-c evaluate` (issue 4 §4): 1,000,000 synthetic
 * predictions (FER-C shaped: per source image 1 clean + 17 corruptions × 5
 * severities, K = 8) streamed from generated CSV files in a temp dir, through
 * the real CLI in a child process (two passes: Pre + fitting T on the clean
 * rows, then Post; report, figures and the metric state written). Records
 * the child's peak RSS, which must stay under 300 MB, and rows per second.
 * Then the same with all five post-hoc calibrators (issue 14: temperature,
 * vector, dirichlet, histogram, isotonic fitted on the clean rows, each scored
 * on every row), peak RSS under 500 MB.
 * BENCH_ROWS overrides the row count; BENCH_GENERATE_ONLY=DIR only writes
 * the inputs into DIR (for profiling by hand); BENCH_ONLY=all-calibrators runs
 * only the all-calibrators case and writes metrics-memory-all-calibrators.json
 * (the full result file is left as it is).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/random/rng.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { writeResult } from './write-result.js';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const K = 8;
const LIMIT_MB = 300;
const LIMIT_ALL_MB = 500;
const ALL_CALIBRATORS = 'temperature,vector,dirichlet,histogram,isotonic';
const BLOCK = 512; // predictions are shuffled within blocks of this many rows, as batched model output might be

/** Buffered line writer: the generator never holds a whole file. */
class LineWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly fd: number;
  constructor(path: string) { this.fd = openSync(path, 'w'); }
  line(s: string): void {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void { if (this.parts.length) writeSync(this.fd, `${this.parts.join('\n')}\n`); this.parts = []; this.size = 0; }
  close(): void { this.flush(); closeSync(this.fd); }
}

function generate(dir: string): { labels: string; predictions: string; seconds: number } {
  const started = performance.now();
  const rng = new Rng('metrics-memory-bench');
  const labels = join(dir, 'labels.csv'), predictions = join(dir, 'preds.csv');
  const L = new LineWriter(labels), P = new LineWriter(predictions);
  const ps = Array.from({ length: K }, (_, k) => `p_${k}`).join(',');
  L.line(`id,source_id,file,corruption,severity,visibility,label,${ps}`);
  P.line(`id,${ps}`);
  const variants: { corruption: string; severity: number }[] = [{ corruption: 'clean', severity: 0 }];
  for (const c of CORRUPTION_NAMES) for (const s of SEVERITIES) variants.push({ corruption: c, severity: s });
  const z = new Float64Array(K), p = new Float64Array(K), t = new Float64Array(K);
  let block: string[] = [];
  for (let row = 0, source = 0; row < ROWS; source++) {
    const y = rng.int(0, K);
    for (const v of variants) {
      if (row >= ROWS) break;
      const id = `src${source}/${v.corruption}/${v.severity}`;
      // Soft label: visibility-smoothed one-hot (clean rows: the one-hot itself).
      const alpha = v.severity === 0 ? 0 : 0.08 * v.severity;
      for (let k = 0; k < K; k++) t[k] = (1 - alpha) * (k === y ? 1 : 0) + alpha / K;
      L.line(`${id},src${source},images/${id}.png,${v.corruption},${v.severity},${(1 - alpha).toFixed(4)},${y},${[...t].map((x) => x.toFixed(6)).join(',')}`);
      // Prediction: logits favouring y, less so with severity; overconfident by design.
      let max = -Infinity;
      for (let k = 0; k < K; k++) { z[k] = 2.2 * rng.normal() + (k === y ? 3.5 - 0.5 * v.severity : 0); max = Math.max(max, z[k]!); }
      let sum = 0;
      for (let k = 0; k < K; k++) { p[k] = Math.exp(z[k]! - max); sum += p[k]!; }
      block.push(`${id},${[...p].map((x) => (x / sum).toFixed(6)).join(',')}`);
      if (block.length === BLOCK) { flushBlock(P, block, rng); block = []; }
      row++;
    }
  }
  flushBlock(P, block, rng);
  L.close(); P.close();
  return { labels, predictions, seconds: (performance.now() - started) / 1000 };
}

function flushBlock(w: LineWriter, block: string[], rng: Rng): void {
  for (let i = block.length - 1; i > 0; i--) { const j = rng.int(0, i + 1); [block[i], block[j]] = [block[j]!, block[i]!]; }
  for (const l of block) w.line(l);
}

const child = fileURLToPath(new URL('./metrics-memory-child.js', import.meta.url));
const generateOnly = process.env['BENCH_GENERATE_ONLY'];
if (generateOnly) {
  mkdirSync(generateOnly, { recursive: true });
  const gen = generate(generateOnly);
  console.log(`wrote ${gen.labels} and ${gen.predictions} in ${gen.seconds.toFixed(1)} s`);
  process.exit(0);
}
const only = process.env['BENCH_ONLY'];
if (only !== undefined && only !== 'all-calibrators') throw new Error(`BENCH_ONLY: expected "all-calibrators", got ${JSON.stringify(only)}`);
const root = mkdtempSync(join(tmpdir(), 'ferc-metrics-bench-'));
try {
  const gen = generate(root);
  const out = join(root, 'out'), state = join(root, 'state.json');
  const evaluateOnce = (calibrators?: string) => {
    const stdout = execFileSync(process.execPath, [child, gen.labels, gen.predictions, out, state, ...(calibrators ? [calibrators] : [])], { encoding: 'utf8', maxBuffer: 1 << 22, stdio: ['ignore', 'pipe', 'inherit'] });
    const run = JSON.parse(stdout.trim().split('\n').pop()!) as { code: number; seconds: number; peak_rss_mb: number; temperature: number; rows: number };
    if (run.code !== 0) throw new Error(`evaluate exited with ${run.code}`);
    return run;
  };
  const mb = (p: string) => Math.round(statSync(p).size / 2 ** 20 * 10) / 10;
  /** The all-calibrators evaluate's figures (its state file is the one just written). */
  const allCalibratorsResult = (all: ReturnType<typeof evaluateOnce>) => ({
    calibrators: ALL_CALIBRATORS.split(','),
    evaluate_seconds: Math.round(all.seconds * 10) / 10,
    rows_per_second: Math.round(all.rows / all.seconds),
    state_mb: mb(state),
    peak_rss_mb: Math.round(all.peak_rss_mb),
    limits: { peak_rss_mb: LIMIT_ALL_MB },
    pass: all.peak_rss_mb < LIMIT_ALL_MB && all.rows === ROWS,
  });
  if (only === 'all-calibrators') {
    const all = evaluateOnce(ALL_CALIBRATORS);
    const result = { rows: all.rows, classes: K, input_mb: { labels: mb(gen.labels), predictions: mb(gen.predictions) }, ...allCalibratorsResult(all) };
    const path = writeResult('metrics-memory-all-calibrators', result);
    console.log(`evaluate --calibrators ${ALL_CALIBRATORS}: ${all.rows} rows in ${result.evaluate_seconds} s (${result.rows_per_second} rows/s); peak RSS ${result.peak_rss_mb} MB (limit ${LIMIT_ALL_MB})`);
    console.log(`written ${path}`);
    if (!result.pass) process.exitCode = 1;
  } else {
    const r = evaluateOnce();
    const stateSingle = mb(state);
    const all = evaluateOnce(ALL_CALIBRATORS);
    const allCalibrators = allCalibratorsResult(all);
    const result = {
      rows: r.rows,
      classes: K,
      input_mb: { labels: mb(gen.labels), predictions: mb(gen.predictions) },
      state_mb: stateSingle,
      generate_seconds: Math.round(gen.seconds * 10) / 10,
      evaluate_seconds: Math.round(r.seconds * 10) / 10,
      rows_per_second: Math.round(r.rows / r.seconds),
      passes: 2,
      temperature: r.temperature,
      peak_rss_mb: Math.round(r.peak_rss_mb),
      limits: { peak_rss_mb: LIMIT_MB },
      pass: r.peak_rss_mb < LIMIT_MB && r.rows === ROWS && allCalibrators.pass,
      all_calibrators: allCalibrators,
    };
    const path = writeResult('metrics-memory', result);
    console.log(`evaluate: ${r.rows} rows in ${result.evaluate_seconds} s (${result.rows_per_second} rows/s, two passes); peak RSS ${result.peak_rss_mb} MB (limit ${LIMIT_MB})`);
    console.log(`evaluate --calibrators ${ALL_CALIBRATORS}: ${all.rows} rows in ${allCalibrators.evaluate_seconds} s (${allCalibrators.rows_per_second} rows/s); peak RSS ${allCalibrators.peak_rss_mb} MB (limit ${LIMIT_ALL_MB})`);
    console.log(`written ${path}`);
    if (!result.pass) process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
