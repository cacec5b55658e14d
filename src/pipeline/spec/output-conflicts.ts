/**
 * An output folder must not overlap an input: a run writes labels.csv,
 * clean/, <corruption>/… and `--overwrite` removes them, so an output folder
 * that is, contains or sits inside the source folder (or holds any input file
 * the spec names: annotations, GMM, visibility table, predictions) could
 * overwrite or delete the user's data. Checked on every spec, before anything
 * is written (`fer-c run`, `fer-c validate`, with or without --check-files).
 */
import { describeOverlap, outputOverlap } from '../../io/path-overlap.js';
import { inputPaths } from './check-files.js';
import type { PipelineSpec } from './pipeline-spec.js';
import type { SpecProblem } from './spec-errors.js';

/** JSON pointer → what the input is, for messages. */
function inputName(pointer: string): string {
  return pointer.slice(1).replace(/\//g, '.');
}

export function outputConflicts(spec: PipelineSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const { pointer, path, kind } of inputPaths(spec)) {
    const overlap = outputOverlap(spec.output.dir, path, kind);
    if (overlap === undefined) continue;
    const what = kind === 'folder' ? `the input folder ${inputName(pointer)}` : `the input file ${inputName(pointer)}`;
    problems.push({
      pointer: '/output/dir',
      message: `the output folder ${spec.output.dir} ${describeOverlap(overlap, path, what)}: ` +
        'a run writes (and --overwrite removes) labels.csv, clean/, the corruption folders there, so it could destroy the input; choose a separate output folder',
    });
  }
  return problems;
}
