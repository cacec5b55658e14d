/** What a run is given (PipelineRunOptions) and what it answers (PipelineSummary). */
import type { ModelDescription } from '../../models/model-description.js';
import type { BackendName } from '../../gpu/backend.js';
import type { CorruptionName, Severity } from '../../corruptions/index.js';
import type { SampleSource } from '../../sources/sample-source.js';
import type { LabelFuser, MeasuredVisibility, VisibilityTable } from '../../labels/index.js';
import type { CalibratorName } from '../../calibration/calibrator.js';
import type { Report } from '../../report/report.js';
import type { ShardSpec } from './shard.js';

export type VisibilityPlan =
  | { readonly measure: MeasuredVisibility; readonly calibration: number }
  | { readonly table: VisibilityTable };

export interface PipelineRunOptions {
  /** Read once per pass (ids, calibration, main). */
  readonly source: SampleSource;
  /** Stop after this many samples. */
  readonly limit?: number;
  readonly corruptions: readonly CorruptionName[];
  readonly severities: readonly Severity[];
  readonly seed: number;
  readonly backend: BackendName;
  readonly workers?: number;
  /** GPU batches: samples per worker task (VariantWorkerConfig.batch; default 1). */
  readonly batch?: number;
  /** Samples in flight (default 2 per worker, times the batch). */
  readonly window?: number;
  /** Images over this many pixels are skipped, not decoded (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  readonly outputDir: string;
  /** Write the images (default true). */
  readonly images?: boolean;
  readonly labels?: { readonly fuser: LabelFuser; readonly exponent: number; readonly visibility: VisibilityPlan };
  /** Score every image with a model (in the workers): 'face-api' or an ONNX / TF.js model's description. */
  readonly model?: 'face-api' | ModelDescription;
  /** The model's weights folder (default: the package's). */
  readonly modelDir?: string;
  /** Predictions made elsewhere (a CSV or JSON Lines file), scored against this run's labels in the report. */
  readonly predictionsFile?: { readonly path: string; readonly renormalize: boolean };
  /** temperature: true = fit on the clean predictions, false = none (T = 1), a number = that T. */
  readonly metrics?: { readonly bins: number; readonly temperature: boolean | number; readonly report: boolean; readonly interval: number; readonly calibrators?: readonly CalibratorName[] };
  /** Names the source in messages (its annotation file or folder). */
  readonly sourceName?: string;
  /** Identifies the run's settings; a resumed run must match it. */
  readonly fingerprint: string;
  readonly overwrite?: boolean;
  /** Images already in the folder without a manifest (an earlier fer-c corrupt's) are read back, not refused (default false). */
  readonly adoptImages?: boolean;
  /** Save the labels' GMM as OUT/gmm.json (default true). */
  readonly writeGmm?: boolean;
  /** The command named in the folder's lock (default "fer-c run"). */
  readonly command?: string;
  readonly progress?: boolean;
  /** Abort = finish the samples in flight, flush, stop (SIGINT). */
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /**
   * Run one shard of the samples (after `fer-c calibrate`): its images into
   * outputDir, its rows and manifest into outputDir/shards/I-of-N; no report.
   */
  readonly shard?: ShardSpec;
}

export interface PipelineSummary {
  readonly samples: number;
  readonly variants: number;
  /** Samples finished by an earlier, interrupted run. */
  readonly resumed: number;
  readonly skipped: readonly { id: string; reason: string }[];
  readonly sourceSkips: Readonly<Record<string, number>>;
  readonly seconds: number;
  readonly variantsPerSecond: number;
  readonly interrupted: boolean;
  readonly visibility?: VisibilityTable;
  /** Image files made and written by this run, and those kept (finished earlier, or read back from the folder); with images. */
  readonly imageFiles?: { readonly written: number; readonly kept: number };
  readonly report?: Report;
  readonly files: { readonly labels?: string; readonly predictions?: string; readonly report?: string; readonly manifest: string };
}

/** What every phase of one run shares: its options with the defaults filled in, and the worker pool. */
export interface RunContext {
  readonly options: PipelineRunOptions;
  readonly out: string;
  /** Where the row files and the manifest go: `out`, or a shard's folder under it. */
  readonly rowsDir: string;
  /** The run's samples are [offset, limit) of the source: offset 0 but for a shard. */
  readonly offset: number;
  readonly limit: number;
  readonly window: number;
  readonly classes: readonly string[];
  /** Images are written (options.images, default true). */
  readonly images: boolean;
  /** A model scores every image in the workers. */
  readonly predict: boolean;
  readonly log: (line: string) => void;
}
