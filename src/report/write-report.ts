/**
 * Writes an evaluation's outputs into a directory, each file atomically:
 * report.json (schema-checked), report.md, the PNG figures, and optionally
 * the metric state for `fer-c merge-metrics`.
 */
import { join } from 'node:path';
import { writeChunksAtomic, writeFileAtomic } from '../io/atomic.js';
import { stateJsonChunks, type EvaluationRecord } from './evaluation-state.js';
import { renderFigures } from './figures.js';
import { buildReport, type Report } from './report.js';
import { renderMarkdown } from './report-markdown.js';
import { validateReport } from './report-schema.js';

export interface WriteReportOptions {
  /** Where to write the metric state (none when absent). */
  readonly statePath?: string;
  /** Skip the PNG figures. */
  readonly figures?: boolean;
}

export interface WrittenReport {
  readonly report: Report;
  readonly files: readonly string[];
}

export function writeReport(dir: string, record: EvaluationRecord, options: WriteReportOptions = {}): WrittenReport {
  const calibrated = new Map([...record.calibrated].map(([name, g]) => [name, g.results()] as const));
  const report = buildReport(record.summary, record.pre.results(), record.post.results(), new Date(), calibrated);
  validateReport(report);
  const files: string[] = [];
  const put = (path: string, data: string | Uint8Array) => { writeFileAtomic(path, data); files.push(path); };
  const figures = options.figures === false ? [] : renderFigures(report);
  for (const f of figures) put(join(dir, f.file), f.png);
  put(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  put(join(dir, 'report.md'), renderMarkdown(report, figures));
  if (options.statePath) { writeChunksAtomic(options.statePath, stateJsonChunks(record)); files.push(options.statePath); }
  return { report, files };
}
