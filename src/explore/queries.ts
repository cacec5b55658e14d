/**
 * The explorer's questions to the index: which faces pass the grid's filters,
 * a selection's reliability diagram Pre and Post, and which images fall in one
 * of its bins. The bins and the ECE are the project's metric code
 * (ExpectedCalibrationError's bins, value and reliability), fed with the index's
 * per-image confidence and correctness, so a selection of all OOD images gives
 * report.json's `reliability.ood`.
 */
import { binIndex } from '../metrics/confidence-bins.js';
import { ExpectedCalibrationError } from '../metrics/ece.js';
import { NO_PREDICTION, type CompiledSelection, type RowSelection, type RunIndex } from './run-index.js';

/** The grid's filters. */
export interface FaceFilter {
  /** The face's dataset class (its clean row's label). */
  readonly label?: number;
  /** Only faces with an image of this split (with `wrongAbove`: a confidently wrong one of it). */
  readonly split?: 'id' | 'ood';
  /** Only faces with an image the model gets wrong with confidence ≥ this. */
  readonly wrongAbove?: number;
}

/** A face as the grid lists it. */
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

/** One bin of a diagram: its range, count, and mean confidence and correctness (null when empty). */
export interface ReliabilityBinView {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly confidence: number | null;
  readonly correctness: number | null;
}

/** One side (Pre or Post) of a selection's diagram: the images with a prediction, their ECE and bins. */
export interface ReliabilitySide {
  readonly count: number;
  readonly ece: number | null;
  readonly bins: readonly ReliabilityBinView[];
}

/** A selection's diagrams: how many images it selects, Pre and Post. */
export interface ReliabilityView {
  readonly selected: number;
  readonly pre: ReliabilitySide;
  /** null without a temperature (no report). */
  readonly post: ReliabilitySide | null;
}

function sideOf(ece: ExpectedCalibrationError): ReliabilitySide {
  const value = ece.result();
  return {
    count: ece.count,
    ece: Number.isFinite(value) ? value : null,
    bins: ece.reliability().map((b) => ({
      lower: b.lower, upper: b.upper, count: b.count,
      confidence: Number.isFinite(b.meanConfidence) ? b.meanConfidence : null,
      correctness: Number.isFinite(b.meanCorrectness) ? b.meanCorrectness : null,
    })),
  };
}

/** Scratch columns for a scan (one selection's confidence and correctness), reused: a query allocates no per-row garbage. */
export class Scratch {
  private conf = new Float64Array(0);
  private corr = new Float64Array(0);
  get(rows: number): { conf: Float64Array; corr: Float64Array } {
    if (this.conf.length < rows) { this.conf = new Float64Array(rows); this.corr = new Float64Array(rows); }
    return { conf: this.conf, corr: this.corr };
  }
}

/** The selected rows with a prediction into bins, by `side`'s confidence and correctness. */
function binsOf(index: RunIndex, sel: CompiledSelection, binCount: number, side: 'pre' | 'post', scratch: Scratch): { bins: ExpectedCalibrationError; selected: number } {
  const c = index.col;
  const confidence = side === 'pre' ? c.confPre : c.confPost, correctness = side === 'pre' ? c.corrPre : c.corrPost;
  const { conf, corr } = scratch.get(index.rows);
  let n = 0, selected = 0;
  for (let i = 0; i < index.rows; i++) {
    if (!index.selects(i, sel)) continue;
    selected++;
    if (c.predicted[i] === NO_PREDICTION) continue;
    conf[n] = confidence[i]!; corr[n] = correctness[i]!; n++;
  }
  const ece = new ExpectedCalibrationError(binCount);
  ece.addPairs(conf, corr, n);
  return { bins: ece, selected };
}

/** The selection's reliability diagram and ECE, Pre and (with a temperature) Post. */
export function reliabilityOf(index: RunIndex, selection: RowSelection, binCount: number, scratch = new Scratch()): ReliabilityView {
  const sel = index.compile(selection);
  const pre = binsOf(index, sel, binCount, 'pre', scratch);
  const post = index.hasPost ? binsOf(index, sel, binCount, 'post', scratch).bins : null;
  return { selected: pre.selected, pre: sideOf(pre.bins), post: post ? sideOf(post) : null };
}

/** Rows of the selection whose `side` confidence falls in bin `bin`, in run order. */
export function binMembers(index: RunIndex, selection: RowSelection, binCount: number, side: 'pre' | 'post', bin: number): Uint32Array {
  const c = index.col;
  const sel = index.compile(selection);
  const conf = side === 'pre' ? c.confPre : c.confPost;
  const member = (i: number): boolean => c.predicted[i] !== NO_PREDICTION && index.selects(i, sel) && binIndex(conf[i]!, binCount) === bin;
  // Counted first, then filled: a bin of 100k images takes 400 KB, not a growing list of numbers.
  let n = 0;
  for (let i = 0; i < index.rows; i++) if (member(i)) n++;
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < index.rows; i++) if (member(i)) out[k++] = i;
  return out;
}
