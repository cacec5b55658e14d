export { InputError, describeOrigin, type RowOrigin } from './input-error.js';
export { parseNumberField } from './number-field.js';
export { IdSet } from './id-set.js';
export {
  checkProbabilities, checkLogits, softmax, probabilitiesOf, logitsOf, SUM_TOLERANCE, LOGIT_FLOOR,
  type PredictionRow, type PredictionKind, type ProbabilityCheckOptions,
} from './prediction-row.js';
export { readPredictions, predictionFormatOf, type PredictionReaderOptions } from './prediction-reader.js';
export { isCleanLabel, targetOf, type LabelRecord } from './label-row.js';
export { readLabels, MAX_SEVERITY, type LabelReaderOptions } from './label-reader.js';
export { joinById, UnlabeledPredictionsError, LISTED, type JoinedRow, type JoinSummary, type JoinOptions } from './join.js';
export { mapClassesByName, applyClassMapping, type ClassMapping } from './class-mapping.js';
export { evaluate, type EvaluateOptions, type PassInfo, type Evaluation, type TemperatureSource } from './evaluate.js';
export { predictionsFrom, type Predictor, type PredictorOptions } from './predictor.js';
export { RowSet, rowIdHash, commonRows, type RowSetJson } from './row-set.js';
