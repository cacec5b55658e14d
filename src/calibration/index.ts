export { goldenSectionMinimize, type Minimum } from './golden-section.js';
export { fitTemperature, temperatureNll, TEMPERATURE_RANGE, type TemperatureFit, type TemperatureFitOptions } from './temperature-scaling.js';
export { minimizeLbfgs, type Objective, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
export {
  CALIBRATOR_NAMES, CALIBRATION_LAMBDA, CalibrationError, isCalibratorName, checkCalibrationSet, absentClasses, softmaxInto,
  type CalibratorName, type CalibrationSet, type Calibrator, type CalibratorStateBase, type CalibratorDefinition, type FitInfo, type Fitted,
} from './calibrator.js';
export { TemperatureCalibrator, fitTemperatureCalibrator, TEMPERATURE, type TemperatureState } from './temperature.js';
export { VectorCalibrator, DirichletCalibrator, fitVector, fitDirichlet, logSoftmaxInto, VECTOR, DIRICHLET, type VectorState, type DirichletState } from './linear-logits.js';
export {
  HistogramCalibrator, IsotonicCalibrator, fitHistogram, fitIsotonic, histogramBin, interpolate, poolAdjacentViolators, HISTOGRAM, ISOTONIC, HISTOGRAM_BINS,
  type HistogramState, type IsotonicState,
} from './one-vs-rest.js';
export { CALIBRATORS, fitCalibrator, calibratorFromJSON, parseCalibratorList, checkCalibratorList } from './registry.js';
export { LiveCalibration, type LiveRanking } from './live-calibration.js';
