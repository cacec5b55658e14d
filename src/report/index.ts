export { buildReport, temperatureBoundNote, type Report, type CalibratorReport, type PrePost, type MetricTable, type ReliabilityBinJson } from './report.js';
export { validateReport, ReportSchemaError, REPORT_SCHEMA_URL } from './report-schema.js';
export { renderMarkdown, bestCalibrator } from './report-markdown.js';
export { renderFigures, calibratorSeverityFigure, reliabilityFigure, severityFigure, corruptionFigure, type RenderedFigure } from './figures.js';
export {
  recordFromEvaluation, stateOf, stateJsonChunks, parseEvaluationState, loadRecord, mergeEvaluationStates, checkDisjoint, parseCalibrators, calibratorsFileOf, StateFileError, OverlappingStatesError,
  type EvaluationState, type EvaluationSummary, type EvaluationRecord, type EvaluationMeta, type ModelInfo, type TemperatureFitJson, type CalibratorJson, type CalibratorsFile,
} from './evaluation-state.js';
export { writeReport, type WriteReportOptions, type WrittenReport } from './write-report.js';
export type { StateIdentity } from './state-identity.js';
