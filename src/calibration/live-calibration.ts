/**
 * The best calibrator so far, for a run's live line: each calibrator is
 * fitted on the clean (ID) rows seen so far and judged by its ECE on a
 * uniform sample (a reservoir of at most `capacity` rows) of the corrupted
 * (OOD) rows seen so far. An estimate while the run goes on; the report's
 * numbers come from every row. Memory: the ID rows (a small fraction of a
 * FER-C set) and the reservoir.
 */
import { ExpectedCalibrationError } from '../metrics/ece.js';
import { PredictionBatch } from '../metrics/prediction-batch.js';
import { CLEAN } from '../labels/visibility-table.js';
import { Rng } from '../random/rng.js';
import { DEFAULT_BINS } from '../metrics/metric.js';
import type { CalibratorName, Calibrator } from './calibrator.js';
import { CALIBRATORS, fitCalibrator } from './registry.js';

const FLOOR = 1e-12;

export interface LiveRanking {
  /** Calibrators with their OOD ECE on the sample, best first; `none` is the model as it predicts. */
  readonly ranking: readonly { readonly name: CalibratorName | 'none'; readonly ece: number }[];
  readonly idRows: number;
  readonly oodRows: number;
  readonly sampled: number;
}

export class LiveCalibration {
  private idLogits = new Float64Array(1024);
  private idLabels = new Int32Array(128);
  private idCount = 0;
  private readonly sampleLogits: Float64Array;
  private readonly sampleTargets: Float64Array;
  private sampled = 0;
  private oodSeen = 0;
  private readonly rng = new Rng('fer-c live calibration');

  constructor(readonly classes: number, readonly names: readonly CalibratorName[], readonly bins = DEFAULT_BINS, readonly capacity = 4096) {
    this.sampleLogits = new Float64Array(capacity * classes);
    this.sampleTargets = new Float64Array(capacity * classes);
  }

  /** A scored row: probabilities (z = ln p, floored) and its target (one-hot for clean rows). */
  addSample(key: { readonly corruption: string }, probs: ArrayLike<number>, target: ArrayLike<number>): void {
    const K = this.classes;
    if (key.corruption === CLEAN) {
      if ((this.idCount + 1) * K > this.idLogits.length) { const next = new Float64Array(this.idLogits.length * 2); next.set(this.idLogits); this.idLogits = next; }
      if (this.idCount + 1 > this.idLabels.length) { const next = new Int32Array(this.idLabels.length * 2); next.set(this.idLabels); this.idLabels = next; }
      let y = 0;
      for (let k = 0; k < K; k++) { this.idLogits[this.idCount * K + k] = Math.log(Math.max(probs[k]!, FLOOR)); if (target[k]! > target[y]!) y = k; }
      this.idLabels[this.idCount++] = y;
      return;
    }
    this.oodSeen++;
    // Reservoir sampling: every OOD row seen so far is in the sample with the same chance.
    const slot = this.sampled < this.capacity ? this.sampled++ : this.rng.int(0, this.oodSeen);
    if (slot >= this.capacity) return;
    for (let k = 0; k < K; k++) { this.sampleLogits[slot * K + k] = Math.log(Math.max(probs[k]!, FLOOR)); this.sampleTargets[slot * K + k] = target[k]!; }
  }

  /** Fits what can be fitted on the ID rows so far and ranks by OOD ECE on the sample; null before any OOD row. */
  rank(): LiveRanking | null {
    if (this.sampled === 0) return null;
    const K = this.classes, n = this.sampled;
    const logits = this.sampleLogits.subarray(0, n * K), targets = this.sampleTargets.subarray(0, n * K);
    const ece = (probs: Float64Array): number => {
      const m = new ExpectedCalibrationError(this.bins);
      m.add(new PredictionBatch(K, probs, targets));
      return m.result();
    };
    const probs = new Float64Array(n * K);
    for (let i = 0; i < n * K; i++) probs[i] = Math.exp(logits[i]!);
    const ranking: { name: CalibratorName | 'none'; ece: number }[] = [{ name: 'none', ece: ece(probs) }];
    const set = { classes: K, logits: this.idLogits.subarray(0, this.idCount * K), labels: this.idLabels.subarray(0, this.idCount) };
    for (const name of this.names) {
      if (this.idCount < CALIBRATORS[name].minSamples(K)) continue;
      let calibrator: Calibrator;
      try { calibrator = fitCalibrator(name, set).calibrator; } catch { continue; } // an estimate: the report states any error
      for (let i = 0; i < n; i++) calibrator.applyRow(logits.subarray(i * K, (i + 1) * K), probs.subarray(i * K, (i + 1) * K));
      ranking.push({ name, ece: ece(probs) });
    }
    ranking.sort((a, b) => a.ece - b.ece);
    return { ranking, idRows: this.idCount, oodRows: this.oodSeen, sampled: n };
  }

  /** The live line's part: "best calibrator so far: histogram (OOD ECE 12.3%; temperature 14.1%, none 20.0%)". */
  describe(): string | null {
    const r = this.rank();
    if (!r || r.ranking.length === 0) return null;
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    const [best, ...rest] = r.ranking;
    return `best calibrator so far: ${best!.name} (OOD ECE ${pct(best!.ece)}${rest.length ? `; ${rest.map((x) => `${x.name} ${pct(x.ece)}`).join(', ')}` : ''}; fitted on ${r.idRows} clean, judged on ${r.sampled} of ${r.oodRows} OOD rows)`;
  }
}
