/** Declarative pipeline specs (schemas/pipeline.schema.json, docs/pipeline-spec.md): types, loading, --set overrides, errors. */
export type {
  PipelineSpec, SourceSpec, SourceType, AffectNetSourceSpec, RafDbSourceSpec, FolderSourceSpec, AffWildSourceSpec, VideoSourceSpec,
  FrameSamplingSpec, IdentitySplitSpec, LabelsSpec, GmmSpec, GmmFitSpec, GmmShrinkageSpec, VisibilitySpec, OutputSpec,
  PredictionsSpec, MetricsSpec,
} from './pipeline-spec.js';
export { SET_WITH_SET, SOURCE_TYPES } from './pipeline-spec.js';
export { loadSpec, parseSpec, type LoadSpecOptions } from './load-spec.js';
export { SpecError, formatProblem, MAX_LISTED_PROBLEMS, type SpecProblem } from './spec-errors.js';
export { parseOverride, parseValue, applyOverrides, type Override, type ParsedOverride } from './set-overrides.js';
export { SPEC_DEFAULTS, AFFECTNET_TRAINING_CSV } from './normalize-spec.js';
export { describeSpec } from './describe-spec.js';
export { inputPaths, missingInputs } from './check-files.js';
export { PIPELINE_SCHEMA_URL, PIPELINE_SCHEMA_FILE } from './spec-schema.js';
export { outputConflicts } from './output-conflicts.js';
