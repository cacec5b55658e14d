/** `fer-c train SPEC`: a linear head on a frozen backbone's features with the paper's losses, scored on a held-out FER-C set. */
import type { Command } from './command.js';
import { parseWorkArgs, UsageError, WORK_FLAG_HELP } from './args.js';
import { loadSpec } from '../pipeline/spec/index.js';
import { ABLATION_LOSSES } from '../pipeline/spec/training-spec.js';
import { selectBackend, describeChoice } from '../gpu/backend.js';
import { formatSeconds } from '../pipeline/progress.js';
import { trainRun } from '../pipeline/train/train-run.js';

const usage = `usage: fer-c train SPEC.json [--set key=value …] [--ablation] [--overwrite] [--quiet]

Trains a linear head on the frozen features of the spec's predictions model (an
ONNX or TF.js graph backbone, cut at training.layer) with the paper's losses (SPEC-losses.md),
on the source's samples that are not held out; the held-out samples' FER-C set
(the spec's corruptions, severities and labels) scores each head, ID and OOD,
with the post-hoc calibrators beside it. See docs/training.md.

${WORK_FLAG_HELP.set}
                    here a spec field by dotted path (as fer-c run), e.g.
                    --set output.dir=out/train --set training.epochs=20
  --ablation        the paper's Table 3: one head per loss, ce, focal, maxent and
                    maxent+mbls (sets training.losses)
${WORK_FLAG_HELP.overwrite}
                    (features/, heldout-c/, heads/ and the reports; without it a second
                    run resumes and keeps finished heads)
${WORK_FLAG_HELP.quiet}

Writes OUT/report.md, report.json, ablation.png, training-curves.png, and per
loss OUT/heads/<loss>/: model.onnx or model.json (score it with fer-c run: predictions.json is
its predictions block), head.json, checkpoint.json, training.jsonl, report/.
Interrupted (Ctrl-C, kill): run the same command again; features, the FER-C set,
finished heads and finished epochs are kept.`;

export const trainCommand: Command = {
  name: 'train',
  usage,
  async run(argv) {
    const args = parseWorkArgs(argv, { booleans: ['ablation'] }, 'spec');
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a SPEC file is required' : `one SPEC file, got ${args.positionals.length}`);
    const overrides = [...(args.flags.get('set') ?? []), ...(args.booleans.has('ablation') ? [`training.losses=${JSON.stringify(ABLATION_LOSSES)}`] : [])];
    const spec = loadSpec(args.positionals[0]!, overrides, { checkFiles: true });
    const training = spec.training;
    if (!training) throw new UsageError(`${args.positionals[0]!}: no "training" block (the layer, losses and optimiser settings; see docs/training.md and pipelines/demo-train.json)`);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const choice = await selectBackend(spec.backend);
    log(`fer-c train: ${spec.name}: ${training.losses.join(', ')} on ${training.backbone.path} at "${training.layer}", ${training.epochs} epochs → ${spec.output.dir}`);
    log(describeChoice(choice));
    const summary = await trainRun({ spec: { ...spec, training }, backend: choice.backend, progress: !args.booleans.has('quiet'), overwrite: args.booleans.has('overwrite'), log });
    log(`done: ${summary.columns.length} head(s), ${summary.trainRows} training faces, ${summary.heldOutSamples} held out (${summary.heldOutImages} images), ${formatSeconds(summary.seconds)}`);
    const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
    for (const c of summary.columns) {
      log(`  ${c.loss.padEnd(12)} ID acc ${pct(c.report.id?.pre.accuracy)} ECE ${pct(c.report.id?.pre.ece)}   OOD acc ${pct(c.report.ood?.pre.accuracy)} ECE ${pct(c.report.ood?.pre.ece)}${c.state === 'kept' ? '  (kept)' : ''}`);
    }
    log(`  report: ${summary.report}`);
    return 0;
  },
};
