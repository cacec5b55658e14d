/** `fer-c merge SPEC`: the last step of a sharded run. */
import type { Command } from './command.js';
import { numberFlag, parseWorkArgs, WORK_FLAG_HELP } from './args.js';
import { loadSpecArgument } from './spec-argument.js';
import { runOptionsFromSpec } from '../pipeline/from-spec.js';
import { mergeShards } from '../pipeline/merge-shards.js';
import { selectBackend } from '../gpu/backend.js';

const usage = `usage: fer-c merge SPEC.json [--set key=value …] [--shards N] [--overwrite] [--quiet]

The last step of a sharded run (fer-c calibrate SPEC, then fer-c run SPEC --shard I/N
for I = 0 … N-1): checks that every shard under OUT/shards is there and finished
(else names those missing or unfinished, writes nothing and exits 1), then writes
OUT/labels.csv, OUT/predictions.csv, OUT/manifest.jsonl and OUT/report/ as one
\`fer-c run SPEC\` would have written them: the same bytes (the report's creation
time aside), the calibrators fitted on every clean row of the run.

${WORK_FLAG_HELP.set}
                    here a spec field, as for calibrate and the shards
${WORK_FLAG_HELP.overwrite}
                    (a merge always replaces its own earlier set, made from the same shards; OUT
                    holds no other run: calibrate checked it, and every shard is of its settings)
${WORK_FLAG_HELP.quiet}
  --shards N        the shard count (default: the N of the folders under OUT/shards)`;

export const mergeCommand: Command = {
  name: 'merge',
  usage,
  async run(argv) {
    const args = parseWorkArgs(argv, { values: ['shards'] }, 'spec');
    const shards = args.flags.has('shards') ? numberFlag(args, 'shards', 0, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') : undefined;
    const spec = loadSpecArgument(args);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const choice = await selectBackend(spec.backend);
    const options = await runOptionsFromSpec(spec, choice.backend, { progress: !args.booleans.has('quiet'), log, calibrated: 'fer-c merge' });
    const summary = await mergeShards(options, shards);
    log(`done: ${summary.shards} shards, ${summary.samples} samples; wrote ${summary.files.map((f) => `${spec.output.dir}/${f}`).join(', ')}`);
    return 0;
  },
};
