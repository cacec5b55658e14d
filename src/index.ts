/**
 * fer-c's public API. Each area's own index (src/<area>/index.ts) decides what
 * it exports; this file gathers them and settles the few names two areas share.
 * The pipeline has no index of its own: its public pieces are listed here.
 */

// Images, randomness, gpu.js
export * from './image/index.js';
export { Rng } from './random/rng.js';
export * from './gpu/backend.js';
export * from './gpu/device-class.js';
export { openWebGpu, webGpuRequest, type WebGpuRequest, type WebGpuOpening } from './gpu/webgpu.js';
export { KernelHost, type KernelSpec, type KernelArg } from './gpu/kernel-host.js';
export { writeFileAtomic, writeChunksAtomic, WriteError, type AtomicWriteOptions } from './io/atomic.js';
// One writer per run folder (a scope per shard)
export { RunLock, RunLockedError, runLockName, type LockHolder, type RunLockOptions } from './io/run-lock.js';
// The one row-file reader (CSV, whitespace lists, JSON Lines) used by sources, label files and the evaluator
export {
  RowReader, RowAssembler, RowReadError, readRows, parseRowsText, parseCsvRecord, MAX_ROW_CHARS,
  type ParsedRow, type RowFormat, type RowReaderOptions,
} from './io/csv-rows.js';

// Corruptions (SPEC.md §2) and the `fer-c corrupt` command as a function
export * from './corruptions/index.js';
export * from './corruptions/engine.js';
export { parseCorruptions, parseSeverities, listItems } from './cli/lists.js';
export { variantsOf, type Variant, type FanOutOptions } from './corruptions/fan-out.js';
export { corruptDirectory, listInputFiles, type CorruptDirectoryOptions, type CorruptSummary } from './pipeline/corrupt-directory.js';


// Dataset sources (SPEC.md §1) and backpressure: readAffectNet, readRafDb, readFolder, …, CreditGate, pullSource
export * from './sources/index.js';

// Soft labels (SPEC.md §3): GMM, fusion, visibility, smoothing, label files
export * from './labels/index.js';
// Both sources and labels name AffectNet's classes: sources' (a DatasetClasses) keeps the name,
// labels' (the bare list of names) is renamed.
export { AFFECTNET_CLASSES } from './sources/index.js';
export { AFFECTNET_CLASSES as AFFECTNET_CLASS_NAMES } from './labels/index.js';

// Row sinks: labels.csv and predictions.csv
export * from './sinks/index.js';
export { PredictionsCsvSink } from './sinks/predictions-csv.js';

// Metrics (SPEC.md §4), predictions and their evaluation, post-hoc calibrators (§5.1), the report
export * from './metrics/index.js';
export * from './predictions/index.js';
export * from './calibration/index.js';
export * from './report/index.js';
export { evaluateFiles, type EvaluateFilesOptions } from './report/evaluate-files.js';

// Calibration losses for training (SPEC-losses.md, docs/losses.md): float64 core and TF.js ops
export * from './losses/index.js';

// Models
export { FaceApiExpressionModel, FACE_API_EXPRESSIONS, type FaceApiOptions, type FaceSample } from './models/face-api.js';
export { loadModel, ModelScorer, checkModel, checkRunModel, modelClassMapping, modelInfoOf } from './models/load-model.js';
export { ModelError, NonFiniteOutputError, type PredictionModel } from './models/prediction-model.js';
export type { ModelDescription, FileModelDescription, FaceApiModelDescription, ModelInputSpec, ModelOutputKind } from './models/model-description.js';
export { OnnxModel } from './models/onnx-model.js';
export { TfjsModel } from './models/tfjs-model.js';
export { preprocess, inputShape } from './models/preprocess.js';
export { softmax } from './models/softmax.js';

// Pipelines: the whole run, and the stages to compose one in code
export {
  runPipeline, type PipelineRunOptions, type PipelineSummary, type VisibilityPlan,
} from './pipeline/run-pipeline.js';
export { calibratePipeline, type CalibrateSummary } from './pipeline/calibrate-pipeline.js';
export { mergeShards, type MergeSummary } from './pipeline/merge-shards.js';
export { parseShard, shardRange, shardDir, type ShardSpec, type CalibrationRecord } from './pipeline/run/shard.js';
export { VariantPool } from './pipeline/variant-pool.js';
export type { VariantWorkerConfig, PredictorConfig } from './pipeline/variant-protocol.js';
export {
  endsSample, variantFile, variantId,
  type RunItem, type VariantItem, type SkippedItem, type LabelledItem, type SampleWork, type VariantName,
} from './pipeline/run-item.js';
export { pipeSamples, type PipeSamplesOptions } from './pipeline/pipe-samples.js';
export { operate, type OperatorHandlers } from './stream/operate.js';
export { corrupt, type CorruptOperatorOptions } from './pipeline/operators/corrupt.js';
export { softLabels, type SoftLabelsOptions } from './pipeline/operators/soft-labels.js';
export { writeImages } from './pipeline/operators/write-images.js';
export { writeLabels } from './pipeline/operators/write-labels.js';
export { writePredictions } from './pipeline/operators/write-predictions.js';
export { scoreOnline } from './pipeline/operators/score-online.js';
export { checkpoint } from './pipeline/operators/checkpoint.js';
export { visibility, type VisibilityOperatorOptions } from './pipeline/operators/visibility.js';
export { predict, type BatchPredictor } from './pipeline/operators/predict.js';
export { orderedMergeMap } from './pipeline/operators/ordered-merge-map.js';
export { RunManifest, MANIFEST_FILE, type ResumePoint } from './pipeline/run-manifest.js';
export { Progress, formatSeconds, type ProgressOptions } from './pipeline/progress.js';
export { liveSummary } from './pipeline/live-summary.js';

// Pipeline specs (schemas/pipeline.schema.json, docs/pipeline-spec.md) and what runPipeline takes from one
export * from './pipeline/spec/index.js';
export { sourceFromSpec, gmmFromSpec, fingerprintOf, runOptionsFromSpec } from './pipeline/from-spec.js';

// Training a head on a frozen backbone with the losses (fer-c train, docs/training.md)
export { loadFeatureExtractor, featureGraph, UnknownLayerError, type FeatureSpec, type FeatureExtractor } from './models/feature-model.js';
export { linearHeadOnnx, HEAD_OUTPUT, type LinearHeadWeights } from './models/head-export.js';
export { Adam, FER_C_ADAM, type AdamOptions, type AdamState } from './training/adam.js';
export { FeatureCache, FeatureCacheWriter, FeatureCacheError, NonFiniteFeatureError, type FeatureCacheHeader } from './training/feature-cache.js';
export { LinearHead } from './training/linear-head.js';
export { trainEpoch, epochOrder, LossNotFiniteError, type LossStep, type EpochOptions } from './training/train-epoch.js';
export { trainHead, CheckpointMismatchError, type TrainHeadOptions, type TrainedHead, type EpochRecord } from './training/train-head.js';
export { scoreHead, type HeadScores } from './training/evaluate-head.js';
export { lossStep, lossOptionsFor } from './training/loss-step.js';
export { saveHead, loadHead, headFileOf, type HeadFile } from './training/head-file.js';
export { trainRun, type TrainRunOptions, type TrainSummary } from './pipeline/train/train-run.js';
export { ABLATION_LOSSES, TRAINING_DEFAULTS, type TrainingSpec } from './pipeline/spec/training-spec.js';
// fer-c explore: a read-only local web app over a run folder (docs/explore.md)
export { startExplore, type ExploreOptions, type ExploreServer } from './explore/server.js';
export { openRunFolder, ExploreError, type RunFolder } from './explore/run-folder.js';
