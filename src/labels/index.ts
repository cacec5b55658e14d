/** Soft labels (SPEC.md §3): GMM, fusion, visibility, smoothing, label files, label noise. */
export type { Va, Matrix2, GmmParams, GmmFitRecord } from './gmm-params.js';
export { checkGmmParams, covarianceProblem, FieldError } from './gmm-params.js';
export { fitGmm, MIN_USABLE_SAMPLES, DEFAULT_SHRINKAGE_STRENGTH, type VaSample, type GmmFitOptions, type GmmShrinkage } from './gmm-fit.js';
export { priorComponents, GMM_PRIORS, type GmmPriorName, type GmmPriorComponent } from './gmm-prior.js';
export { createPosterior, gmmPosterior } from './gmm-posterior.js';
export { remapGmm, canonicalClassName } from './gmm-remap.js';
export { loadGmm, saveGmm, parseGmmJson, gmmToJson, GMM_SCHEMA } from './gmm-file.js';
export { readGmmTrainingSet, AFFECTNET_CLASSES, type GmmTrainingSet, type TrainingCsvFormat } from './gmm-training-set.js';
export {
  LabelFuser, fuseWithPosterior, oneHot, checkLambda, DEFAULT_LAMBDA, DISTRIBUTION_SUM_TOLERANCE,
  type LabelAnnotation, type FusedLabel, type FusionRule, type FusionCounts,
} from './fusion.js';
export { smoothLabel, smoothingAlpha, DEFAULT_EXPONENT } from './smoothing.js';
export { addLabelNoise, labelNoise, type LabelNoiseOptions, type Labelled } from './label-noise.js';
export { LabelFile, parseLabelFile, readLabelFile, normalizeFileKey, parseVa, MISSING_VA_CODES, type LabelEntry, type LabelFileOptions } from './label-file.js';
export type { PixelImage } from './pixel-image.js';
export { meanSsim } from './ssim.js';
export { measureVariant, rmsDistance, type VariantMeasure } from './variant-measure.js';
export {
  pairVisibility, visibilityOfVariant, visibilityFromDistances, tableValue, isClean, clip01, mapTable, CLEAN, MEASURED_VISIBILITIES,
  type VisibilityTable, type VisibilityMeasure, type MeasuredVisibility, type PairTable,
} from './visibility-table.js';
export { loadVisibilityTable, saveVisibilityTable, parseVisibilityJson, visibilityToJson, resolveVisibilityOption, VISIBILITY_SCHEMA } from './visibility-file.js';
export { selectCalibrationIds, DEFAULT_CALIBRATION_IMAGES } from './calibration-sample.js';
export {
  reduceVisibility, type VisibilityReducerOptions, type VisibilityInput, type ImageVariant, type MeasuredVariant,
} from './visibility-reducer.js';
export { withVisibilityTable, softLabelExponent, toLabelRow, type SoftLabelInput } from './soft-label-mapper.js';
export { ROW_SUM_TOLERANCE, type LabelRow } from './label-row.js';
export { readLabelsCsv, parseLabelsCsv, type LabelsCsv } from './labels-csv-reader.js';
