/**
 * A schema-valid spec document → PipelineSpec: defaults filled in (the
 * schema's `default`s, and those that depend on other fields or the machine),
 * paths made absolute against the working directory, and the checks that
 * span several fields, which JSON Schema cannot say clearly.
 */
import { DEFAULT_MODEL_BATCH, type FileModelDescription } from '../../models/model-description.js';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { CorruptionName, Severity } from '../../corruptions/index.js';
import { CORRUPTION_NAMES } from '../../corruptions/registry.js';
import type { BackendRequest } from '../../gpu/backend.js';
import type { Box } from '../../image/io.js';
import { DEFAULT_MAX_PIXELS } from '../../image/dimensions.js';
import type { MeasuredVisibility } from '../../labels/visibility-table.js';
import { DEFAULT_CALIBRATION_IMAGES } from '../../labels/calibration-sample.js';
import { DEFAULT_LAMBDA } from '../../labels/fusion.js';
import { DEFAULT_EXPONENT } from '../../labels/smoothing.js';
import { DEFAULT_BINS } from '../../metrics/metric.js';
import type { CalibratorName } from '../../calibration/calibrator.js';
import { AFFECTNET_CLASSES } from '../../sources/sample.js';
import { AFFECTNET_DEFAULT_CSV, AFFECTNET_DEFAULT_IMAGES_DIR } from '../../sources/affectnet.js';
import { RAFDB_DEFAULT_LABEL_FILE } from '../../sources/rafdb.js';
import { AFFWILD_DEFAULT_EXPR_DIR, AFFWILD_DEFAULT_FRAMES_DIR, AFFWILD_DEFAULT_VA_DIR } from '../../sources/affwild.js';
import type {
  FrameSamplingSpec, GmmSpec, LabelsSpec, MetricsSpec, OutputSpec, PipelineSpec, PredictionsSpec, SourceSpec, SourceType, VisibilitySpec,
} from './pipeline-spec.js';
import type { SpecProblem } from './spec-errors.js';
import { normalizeTraining, type TrainingDocument } from './training-spec.js';

/** AffectNet's training list, the default data of a GMM fit for an AffectNet source (the paper fits on the training set). */
export const AFFECTNET_TRAINING_CSV = 'Manually_Annotated_file_lists/training.csv';

/** The defaults of fields that have one (the schema states the same values; a test checks they agree). */
export const SPEC_DEFAULTS = {
  corruptions: 'all',
  severities: [1, 2, 3, 4, 5] as readonly Severity[],
  seed: 0,
  backend: 'auto' as BackendRequest,
  lambda: DEFAULT_LAMBDA,
  exponent: DEFAULT_EXPONENT,
  visibility: { measure: 'l2' as MeasuredVisibility, calibration: DEFAULT_CALIBRATION_IMAGES },
  outputImages: true,
  metrics: { bins: DEFAULT_BINS, temperature: true, report: true, interval: 10 },
  /** Samples in flight per worker. */
  windowPerWorker: 2,
} as const;

// What a schema-valid document holds (optional where the schema allows).
interface SourceDocument {
  readonly type: SourceType;
  readonly root?: string;
  readonly csv?: string;
  readonly imagesDir?: string;
  readonly partition?: 'train' | 'test' | 'all';
  readonly images?: 'aligned' | 'original';
  readonly labelFile?: string;
  readonly distributionFile?: string;
  readonly classes?: readonly string[];
  readonly dataset?: string;
  readonly allowOutsideRoot?: boolean;
  readonly missingImages?: 'error' | 'skip';
  readonly framesDir?: string;
  readonly exprDir?: string;
  readonly vaDir?: string | null;
  readonly videos?: readonly string[];
  readonly sampling?: FrameSamplingSpec;
  readonly split?: { readonly part: 'train' | 'test'; readonly seed?: number; readonly trainFraction?: number };
  readonly file?: string;
  readonly expr?: string;
  readonly va?: string;
  readonly boxes?: string;
  readonly crop?: Box;
  readonly every?: number;
  readonly video?: string;
  readonly shortVideo?: 'warn' | 'error';
}

interface LabelsDocument {
  readonly gmm?: {
    readonly file?: string;
    readonly none?: true;
    readonly fit?: {
      readonly csv?: string;
      readonly format?: 'affectnet' | 'folder';
      readonly classes?: readonly string[];
      readonly shrinkage?: { readonly prior?: 'circumplex'; readonly strength: number };
    };
  };
  readonly lambda?: number;
  readonly exponent?: number;
  readonly visibility?: { readonly measure?: MeasuredVisibility; readonly calibration?: number; readonly table?: string };
}

export interface SpecDocument {
  readonly name: string;
  readonly description?: string;
  readonly source: SourceDocument;
  readonly limit?: number;
  readonly corruptions?: 'all' | readonly CorruptionName[];
  readonly severities?: readonly Severity[];
  readonly seed?: number;
  readonly labels?: LabelsDocument;
  readonly output: { readonly dir: string; readonly images?: boolean; readonly labels?: boolean };
  readonly predictions?: BuiltInPredictionsDocument | ModelPredictionsDocument;
  readonly metrics?: { readonly bins?: number; readonly temperature?: boolean | number; readonly report?: boolean; readonly interval?: number; readonly calibrators?: readonly CalibratorName[] };
  readonly workers?: number;
  readonly window?: number;
  readonly maxPixels?: number;
  readonly backend?: BackendRequest;
  readonly training?: TrainingDocument;
  readonly gpu?: { readonly batch?: number };
}

interface BuiltInPredictionsDocument { readonly type: 'face-api' | 'file'; readonly modelDir?: string; readonly path?: string; readonly format?: 'csv' | 'jsonl'; readonly renormalize?: boolean }

/** The spec's onnx / tfjs block as written (defaults not filled in). */
interface ModelPredictionsDocument {
  readonly type: 'onnx' | 'tfjs';
  readonly path: string;
  readonly classes: readonly string[];
  readonly input: { readonly size: number; readonly layout?: 'NCHW' | 'NHWC'; readonly channels?: 'RGB' | 'BGR' | 'gray'; readonly scale?: number; readonly mean?: readonly number[]; readonly std?: readonly number[] };
  readonly output?: 'logits' | 'probabilities';
  readonly batch?: number;
  readonly drop?: readonly string[];
}

/** Defaults, and what the schema cannot say: mean/std lengths against the channels, repeated class names. */
function normalizeModelPredictions(p: ModelPredictionsDocument, path: (p: string) => string, problems: SpecProblem[]): FileModelDescription {
  const channels = p.input.channels ?? 'RGB';
  const C = channels === 'gray' ? 1 : 3;
  const perChannel = (values: readonly number[] | undefined, fill: number, key: string): number[] => {
    if (values === undefined) return Array<number>(C).fill(fill);
    if (values.length !== 1 && values.length !== C) problems.push({ pointer: `/predictions/input/${key}`, message: `has ${values.length} values; ${channels} input has ${C} channel${C > 1 ? 's' : ''} (give ${C === 1 ? 'one' : 'one or three'})` });
    return [...values];
  };
  const repeated = repeatedClassNames(p.classes);
  if (repeated.length > 0) problems.push({ pointer: '/predictions/classes', message: `names ${repeated.map((c) => `"${c}"`).join(', ')} twice (class names are matched ignoring case)` });
  return {
    type: p.type, path: path(p.path), classes: [...p.classes],
    input: { size: p.input.size, layout: p.input.layout ?? 'NCHW', channels, scale: p.input.scale ?? 255, mean: perChannel(p.input.mean, 0, 'mean'), std: perChannel(p.input.std, 1, 'std') },
    output: p.output ?? 'logits', batch: p.batch ?? DEFAULT_MODEL_BATCH,
    ...(p.drop && p.drop.length > 0 ? { drop: [...p.drop] } : {}),
  };
}

function builtInPredictions(p: BuiltInPredictionsDocument, path: (p: string) => string): PredictionsSpec {
  return p.type === 'face-api' ? { type: 'face-api', ...(p.modelDir !== undefined ? { modelDir: path(p.modelDir) } : {}) }
    : { type: 'file', path: path(p.path!), ...(p.format !== undefined ? { format: p.format } : {}), renormalize: p.renormalize ?? false };
}

const DATASET_NAMES: Record<SourceType, string> = {
  affectnet: 'AffectNet', rafdb: 'RAF-DB', folder: 'a folder source', affwild: 'Aff-Wild2', video: 'a video source',
};

export interface NormalizeOptions {
  /** Relative paths are resolved against this folder. */
  readonly cwd: string;
  /** Default of `workers`. */
  readonly cores?: number;
}

export function normalizeSpec(doc: SpecDocument, options: NormalizeOptions): { spec?: PipelineSpec; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const path = (p: string): string => resolve(options.cwd, p);
  const source = normalizeSource(doc.source, path);
  if (source.type === 'folder') {
    const repeated = repeatedClassNames(source.classes);
    if (repeated.length > 0) problems.push({ pointer: '/source/classes', message: `names ${repeated.map((c) => `"${c}"`).join(', ')} twice (class names are matched ignoring case)` });
  }
  const labels = doc.labels === undefined ? undefined : normalizeLabels(doc.labels, source, path, problems);

  const output: OutputSpec = {
    dir: path(doc.output.dir),
    images: doc.output.images ?? SPEC_DEFAULTS.outputImages,
    labels: doc.output.labels ?? labels !== undefined,
  };
  if (output.labels && !labels) problems.push({ pointer: '/output/labels', message: 'is true but the spec has no /labels section (the soft labels to write)' });
  if (!output.images && !output.labels && !doc.predictions) {
    problems.push({ pointer: '/output', message: 'the run would produce nothing: set images or labels to true, or add /predictions' });
  }

  const p = doc.predictions;
  const predictions: PredictionsSpec | undefined = p === undefined ? undefined
    : p.type === 'onnx' || p.type === 'tfjs' ? normalizeModelPredictions(p as ModelPredictionsDocument, path, problems)
    : builtInPredictions(p as BuiltInPredictionsDocument, path);

  let metrics: MetricsSpec | undefined;
  if (doc.metrics !== undefined) {
    const m = doc.metrics, d = SPEC_DEFAULTS.metrics;
    metrics = {
      bins: m.bins ?? d.bins, temperature: m.temperature ?? d.temperature, report: m.report ?? d.report, interval: m.interval ?? d.interval,
      ...(m.calibrators ? { calibrators: [...m.calibrators] } : {}),
    };
    if (!predictions) problems.push({ pointer: '/metrics', message: 'needs /predictions (the model whose predictions are scored), e.g. {"type": "face-api"}' });
    if (!labels) problems.push({ pointer: '/metrics', message: 'needs /labels: corrupted images are scored against their soft labels' });
  }

  const training = doc.training === undefined ? undefined
    : normalizeTraining(doc.training, predictions?.type === 'onnx' || predictions?.type === 'tfjs' ? predictions : undefined, labels !== undefined, problems);
  const workers = doc.workers ?? options.cores ?? availableParallelism();
  const corruptions = doc.corruptions === undefined || doc.corruptions === 'all' ? [...CORRUPTION_NAMES] : [...doc.corruptions];
  const spec: PipelineSpec = {
    name: doc.name,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    source,
    ...(doc.limit !== undefined ? { limit: doc.limit } : {}),
    corruptions,
    severities: [...(doc.severities ?? SPEC_DEFAULTS.severities)],
    seed: doc.seed ?? SPEC_DEFAULTS.seed,
    ...(labels ? { labels } : {}),
    output,
    ...(predictions ? { predictions } : {}),
    ...(metrics ? { metrics } : {}),
    workers,
    window: doc.window ?? SPEC_DEFAULTS.windowPerWorker * workers,
    maxPixels: doc.maxPixels ?? DEFAULT_MAX_PIXELS,
    backend: doc.backend ?? SPEC_DEFAULTS.backend,
    ...(training ? { training } : {}),
    ...(doc.gpu?.batch !== undefined ? { gpu: { batch: doc.gpu.batch } } : {}),
  };
  return problems.length > 0 ? { problems } : { spec, problems };
}

function normalizeSource(s: SourceDocument, path: (p: string) => string): SourceSpec {
  const root = s.root === undefined ? '' : path(s.root);
  // Paths the user gives are relative to the working directory; the readers' defaults lie under the root.
  const under = (given: string | undefined, fallback: string): string => (given !== undefined ? path(given) : join(root, fallback));
  // Only when given (RowFileOptionsSpec): the fingerprints of earlier runs stay the same.
  const rowFileOptions = {
    ...(s.allowOutsideRoot !== undefined ? { allowOutsideRoot: s.allowOutsideRoot } : {}), ...(s.missingImages !== undefined ? { missingImages: s.missingImages } : {}),
  };
  switch (s.type) {
    case 'affectnet':
      return { type: 'affectnet', root, csv: under(s.csv, AFFECTNET_DEFAULT_CSV), imagesDir: under(s.imagesDir, AFFECTNET_DEFAULT_IMAGES_DIR), ...rowFileOptions };
    case 'rafdb': {
      const images = s.images ?? 'aligned';
      return {
        type: 'rafdb', root, partition: s.partition ?? 'test', images,
        labelFile: under(s.labelFile, RAFDB_DEFAULT_LABEL_FILE),
        imagesDir: under(s.imagesDir, `Image/${images}`),
        ...(s.distributionFile !== undefined ? { distributionFile: path(s.distributionFile) } : {}), ...rowFileOptions,
      };
    }
    case 'folder':
      return {
        type: 'folder', root, csv: path(s.csv!), classes: [...s.classes!], dataset: s.dataset ?? 'folder',
        allowOutsideRoot: s.allowOutsideRoot ?? false, missingImages: s.missingImages ?? 'error',
      };
    case 'affwild':
      return {
        type: 'affwild', root,
        framesDir: under(s.framesDir, AFFWILD_DEFAULT_FRAMES_DIR),
        exprDir: under(s.exprDir, AFFWILD_DEFAULT_EXPR_DIR),
        vaDir: s.vaDir === null ? null : under(s.vaDir, AFFWILD_DEFAULT_VA_DIR),
        ...(s.videos !== undefined ? { videos: [...s.videos] } : {}),
        ...(s.sampling !== undefined ? { sampling: { ...s.sampling } } : {}),
        ...(s.split !== undefined ? { split: { part: s.split.part, seed: s.split.seed ?? 0, trainFraction: s.split.trainFraction ?? 0.8 } } : {}),
        ...rowFileOptions,
      };
    case 'video':
      return {
        type: 'video', file: path(s.file!), expr: path(s.expr!),
        ...(s.va !== undefined ? { va: path(s.va) } : {}),
        ...(s.boxes !== undefined ? { boxes: path(s.boxes) } : {}),
        ...(s.crop !== undefined ? { crop: { ...s.crop } } : {}),
        every: s.every ?? 1,
        video: s.video ?? basename(s.file!, extname(s.file!)),
        shortVideo: s.shortVideo ?? 'warn',
      };
  }
}

/** Whether the source's samples can carry valence/arousal (so a GMM has something to work on). */
function hasValenceArousal(source: SourceSpec): boolean {
  switch (source.type) {
    case 'rafdb': return false;
    case 'affwild': return source.vaDir !== null;
    case 'video': return source.va !== undefined;
    default: return true;
  }
}

function normalizeLabels(l: LabelsDocument, source: SourceSpec, path: (p: string) => string, problems: SpecProblem[]): LabelsSpec | undefined {
  const dataset = DATASET_NAMES[source.type];
  let gmm: GmmSpec = { none: true };
  if (l.gmm === undefined) {
    if (source.type === 'affectnet' || (source.type === 'affwild' && source.vaDir !== null)) {
      problems.push({
        pointer: '/labels/gmm',
        message: `is required for ${dataset} (its samples have valence/arousal): {"file": "gmm.json"}, {"fit": {…}}, or {"none": true} for one-hot labels`,
      });
    }
  } else if (l.gmm.file !== undefined) {
    gmm = { file: path(l.gmm.file) };
  } else if (l.gmm.fit !== undefined) {
    const f = l.gmm.fit;
    const format = f.format ?? 'affectnet';
    let csv = f.csv === undefined ? undefined : path(f.csv);
    if (csv === undefined && source.type === 'affectnet' && format === 'affectnet') csv = join(source.root, AFFECTNET_TRAINING_CSV);
    if (csv === undefined) {
      problems.push({ pointer: '/labels/gmm/fit/csv', message: `is required (only an AffectNet source has a default: its ${AFFECTNET_TRAINING_CSV})` });
    }
    let classes = f.classes;
    if (classes === undefined) {
      if (format === 'affectnet') classes = AFFECTNET_CLASSES.names;
      else if (source.type === 'folder') classes = source.classes;
      else problems.push({ pointer: '/labels/gmm/fit/classes', message: 'is required with format "folder" (class names in label order), unless the source is a folder source, whose classes are the default' });
    }
    if (classes !== undefined && format === 'affectnet' && classes.length !== AFFECTNET_CLASSES.names.length) {
      problems.push({ pointer: '/labels/gmm/fit/classes', message: `must name AffectNet's ${AFFECTNET_CLASSES.names.length} classes with format "affectnet" (got ${classes.length})` });
    }
    if (csv !== undefined && classes !== undefined) {
      gmm = {
        fit: {
          csv, format, classes: [...classes],
          ...(f.shrinkage !== undefined ? { shrinkage: { prior: f.shrinkage.prior ?? 'circumplex', strength: f.shrinkage.strength } } : {}),
        },
      };
    }
  }
  if (!('none' in gmm) && !hasValenceArousal(source)) {
    const why = source.type === 'rafdb' ? 'RAF-DB has no valence/arousal (its soft labels come from source.distributionFile)'
      : source.type === 'affwild' ? 'source.vaDir is null, so the samples have no valence/arousal'
        : 'the video source has no VA file (source.va), so the samples have no valence/arousal';
    problems.push({ pointer: '/labels/gmm', message: `${why}: use {"none": true} or leave gmm out` });
  }

  const v = l.visibility;
  const visibility: VisibilitySpec = v?.table !== undefined
    ? { table: path(v.table) }
    : { measure: v?.measure ?? SPEC_DEFAULTS.visibility.measure, calibration: v?.calibration ?? SPEC_DEFAULTS.visibility.calibration };
  return { gmm, lambda: l.lambda ?? SPEC_DEFAULTS.lambda, exponent: l.exponent ?? SPEC_DEFAULTS.exponent, visibility };
}

/** Class names given twice, ignoring case (the folder reader matches labels case-insensitively). */
export function repeatedClassNames(classes: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const c of classes) {
    const k = c.toLowerCase();
    if (seen.has(k)) repeated.push(c);
    seen.add(k);
  }
  return repeated;
}
