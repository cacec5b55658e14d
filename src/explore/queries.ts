/**
 * The explorer's questions to the index: which faces pass the grid's filters,
 * a selection's reliability diagram Pre and Post, and which images fall in one
 * of its bins. The bins and the ECE are the project's metric code
 * (ConfidenceBins, binIndex, ExpectedCalibrationError), fed with the index's
 * per-image confidence and correctness, so a selection of all OOD images gives
 * report.json's `reliability.ood`.
 */
import { ConfidenceBins, binIndex } from '../metrics/confidence-bins.js';
import { ExpectedCalibrationError } from '../metrics/ece.js';
import { NO_PREDICTION, type RowSelection, type RunIndex } from './run-index.js';

/** The grid's filters. */
export interface FaceFilter {
  /** The face's dataset class (its clean row's label). */
  readonly label?: number;
  /** Only faces with an image of this split (with `wrongAbove`: a confidently wrong one of it). */
  readonly split?: 'id' | 'ood';
  /** Only faces with an image the model gets wrong with confidence ≥ this. */
  readonly wrongAbove?: number;
}

export interface FaceSummary {
  readonly index: number;
  readonly label: number;
  /** Images of the face in the filter's split (all when none). */
  readonly images: number;
  /** Of those, confidently wrong (with `wrongAbove`), else wrong at any confidence. */
  readonly wrong: number;
}

/** The faces passing `filter`, in run order. */
export function filterFaces(index: RunIndex, filter: FaceFilter): FaceSummary[] {
  const out: FaceSummary[] = [];
  const c = index.col;
  const threshold = filter.wrongAbove ?? 0;
  for (let f = 0; f < index.faces; f++) {
    const start = index.faceStart[f]!, end = index.faceStart[f + 1]!;
    if (filter.label !== undefined && c.label[start] !== filter.label) continue;
    let images = 0, wrong = 0;
    for (let i = start; i < end; i++) {
      if (filter.split === 'id' && c.corruption[i] !== 0) continue;
      if (filter.split === 'ood' && c.corruption[i] === 0) continue;
      images++;
      if (index.confidentlyWrong(i, threshold)) wrong++;
    }
    if (images === 0 || (filter.wrongAbove !== undefined && wrong === 0)) continue;
    out.push({ index: f, label: c.label[start]!, images, wrong });
  }
  return out;
}

export interface ReliabilityBinView {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly confidence: number | null;
  readonly correctness: number | null;
}

export interface ReliabilitySide {
  readonly count: number;
  readonly ece: number | null;
  readonly bins: readonly ReliabilityBinView[];
}

export interface ReliabilityView {
  readonly selected: number;
  readonly pre: ReliabilitySide;
  /** null without a temperature (no report). */
  readonly post: ReliabilitySide | null;
}

function sideOf(bins: ConfidenceBins): ReliabilitySide {
  const ece = ExpectedCalibrationError.fromJSON({ metric: 'ece', ...bins.toJSON() }).result();
  return {
    count: bins.total,
    ece: Number.isFinite(ece) ? ece : null,
    bins: bins.reliability().map((b) => ({
      lower: b.lower, upper: b.upper, count: b.count,
      confidence: Number.isFinite(b.meanConfidence) ? b.meanConfidence : null,
      correctness: Number.isFinite(b.meanCorrectness) ? b.meanCorrectness : null,
    })),
  };
}

/** The selection's images with a prediction, as rows of (confidence, correctness) Pre and Post, into bins. */
export function reliabilityOf(index: RunIndex, sel: RowSelection, binCount: number): ReliabilityView {
  const c = index.col;
  const rows: number[] = [];
  let selected = 0;
  for (let i = 0; i < index.rows; i++) {
    if (!index.selects(i, sel)) continue;
    selected++;
    if (c.predicted[i] !== NO_PREDICTION) rows.push(i);
  }
  const gather = (values: Float64Array) => Float64Array.from(rows, (i) => values[i]!);
  const pre = new ConfidenceBins(binCount);
  pre.add(gather(c.confPre), gather(c.corrPre), rows.length);
  let post: ConfidenceBins | null = null;
  if (index.hasPost) {
    post = new ConfidenceBins(binCount);
    post.add(gather(c.confPost), gather(c.corrPost), rows.length);
  }
  return { selected, pre: sideOf(pre), post: post ? sideOf(post) : null };
}

/** Rows of the selection whose `side` confidence falls in bin `bin`, in run order. */
export function binMembers(index: RunIndex, sel: RowSelection, binCount: number, side: 'pre' | 'post', bin: number): number[] {
  const c = index.col;
  const conf = side === 'pre' ? c.confPre : c.confPost;
  const out: number[] = [];
  for (let i = 0; i < index.rows; i++) {
    if (c.predicted[i] === NO_PREDICTION || !index.selects(i, sel)) continue;
    if (binIndex(conf[i]!, binCount) === bin) out.push(i);
  }
  return out;
}
