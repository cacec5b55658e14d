export { LabelsCsvSink, writeLabelsCsv, labelsCsvHeader, type LabelsCsvOptions } from './labels-csv.js';
