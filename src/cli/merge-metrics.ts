/** `fer-c merge-metrics`: merge saved evaluation states (e.g. shards) into one report. */
import { readFileSync } from 'node:fs';
import { parseArgs, flag, requiredFlag, UsageError } from './args.js';
import type { Command } from './command.js';
import { mergeEvaluationStates, parseEvaluationState, StateFileError } from '../report/evaluation-state.js';
import { writeReport } from '../report/write-report.js';

const USAGE = `usage: fer-c merge-metrics A.json B.json … --out DIR [--state S.json] [--no-figures]

Merges metric states written by \`fer-c evaluate --state\` (e.g. one per shard)
into the report one evaluation over all their samples would give: merging is
exact, order statistics (AdaECE, KSE) included. The order of the files is the
order of the rows: KSE keeps tied confidences in input order, so give shards
in the order of their rows (the first block first) to get exactly what one
evaluation of their predictions, concatenated in that order, gives. Post and calibrated metrics
merge only if every state applied the same fitted calibrators: fit once (on the
shard with the clean rows, --save-calibrators C.json) and evaluate the other
shards with --load-calibrators C.json (or --temperature T for temperature alone).
A state carries the ids of its rows (hashed) and a content hash: the same state
twice, or states sharing rows, are refused, naming the files.

  --out DIR     writes report.json, report.md and the PNG figures
  --state FILE  also write the merged state
  --no-figures  skip the PNG figures`;

export const mergeMetricsCommand: Command = {
  name: 'merge-metrics',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { values: ['out', 'state'], booleans: ['no-figures'] });
    const out = requiredFlag(args, 'out');
    if (args.positionals.length === 0) throw new UsageError('give at least one state file');
    const files = args.positionals.map((file) => {
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch (e) { throw new StateFileError(file, (e as Error).message); }
      return { file, state: parseEvaluationState(text, file) };
    });
    const record = mergeEvaluationStates(files);
    const statePath = flag(args, 'state');
    const { report, files: written } = writeReport(out, record, { ...(statePath ? { statePath } : {}), figures: !args.booleans.has('no-figures') });
    console.error(`merge-metrics: ${files.length} states, ${report.counts.all} predictions (${report.counts.id} ID, ${report.counts.ood} OOD); wrote ${written.length} files to ${out}`);
    return 0;
  },
};
