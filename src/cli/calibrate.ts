/** `fer-c calibrate SPEC`: the first step of a sharded run (the GMM, the visibility table, the sample count). */
import type { Command } from './command.js';
import { parseWorkArgs, WORK_FLAG_HELP } from './args.js';
import { describeSpec } from '../pipeline/spec/index.js';
import { loadSpecArgument } from './spec-argument.js';
import { runOptionsFromSpec } from '../pipeline/from-spec.js';
import { calibratePipeline } from '../pipeline/calibrate-pipeline.js';
import { selectBackend, describeChoice } from '../gpu/backend.js';
import { formatSeconds } from '../pipeline/progress.js';

const usage = `usage: fer-c calibrate SPEC.json [--set key=value …] [--overwrite] [--quiet]

The first step of a sharded run: computes once what every shard shares, as the
first phases of \`fer-c run SPEC\` do: OUT/gmm.json (the spec's GMM), OUT/visibility.json
(measured on the calibration samples, whose images it writes) and
OUT/shards/calibration.json (the sample count n the shards divide and the run's
fingerprint). Then, on as many machines as there are shards, sharing OUT:

  fer-c run SPEC --shard I/N      for I = 0 … N-1 (shard I: samples [⌊I·n/N⌋, ⌊(I+1)·n/N⌋))
  fer-c merge SPEC                labels.csv, predictions.csv, manifest.jsonl, report/

${WORK_FLAG_HELP.set}
                    here a spec field, as for fer-c run (give every step the same --set values)
${WORK_FLAG_HELP.overwrite}
                    (what a run writes in OUT, the shards included; without it, a folder holding
                    a run of other settings is refused)
${WORK_FLAG_HELP.quiet}`;

export const calibrateCommand: Command = {
  name: 'calibrate',
  usage,
  async run(argv) {
    const args = parseWorkArgs(argv, {}, 'spec');
    const spec = loadSpecArgument(args);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const choice = await selectBackend(spec.backend);
    log(`fer-c calibrate: ${describeSpec(spec)}`);
    log(describeChoice(choice));
    const options = await runOptionsFromSpec(spec, choice.backend, { overwrite: args.booleans.has('overwrite'), progress: !args.booleans.has('quiet'), log });
    const summary = await calibratePipeline(options);
    log(`done: ${summary.samples} samples to shard, ${formatSeconds(summary.seconds)}; next: fer-c run SPEC --shard I/N for I = 0 … N-1, then fer-c merge SPEC`);
    return 0;
  },
};
