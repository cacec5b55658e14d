/** `fer-c run SPEC`: a declarative pipeline, end to end, resumable. */
import type { Command } from './command.js';
import { flag, parseWorkArgs, UsageError, WORK_FLAG_HELP, type ParsedArgs } from './args.js';
import { parseShard, type ShardSpec } from '../pipeline/run/shard.js';
import { describeSpec } from '../pipeline/spec/index.js';
import { loadSpecArgument } from './spec-argument.js';
import { runOptionsFromSpec } from '../pipeline/from-spec.js';
import { runPipeline, type PipelineSummary } from '../pipeline/run-pipeline.js';
import { selectBackend, describeChoice } from '../gpu/backend.js';
import { temperatureBoundNote, type Report } from '../report/report.js';
import { formatSeconds } from '../pipeline/progress.js';
import { CORRUPTION_NAMES } from '../corruptions/registry.js';
import { describeFfmpeg, systemFfmpeg } from '../sources/ffmpeg.js';

const usage = `usage: fer-c run SPEC.json [--set key=value …] [--overwrite] [--quiet] [--shard I/N]

Runs a pipeline spec (schemas/pipeline.schema.json; see docs/pipeline-spec.md):
source → ${CORRUPTION_NAMES.length}×5 corruptions → soft labels → images, labels.csv → predictions →
metrics report, streaming with a bounded number of samples in flight.

${WORK_FLAG_HELP.set}
                    here a spec field by dotted path, e.g. --set source.root=/data/AffectNet
                    --set limit=100 --set severities=[1,5]; key=null removes an optional field
                    (--set predictions=null: no model)
${WORK_FLAG_HELP.overwrite}
                    (without it, a folder holding a run of other settings is refused; the same
                    settings resume)
${WORK_FLAG_HELP.quiet}
  --shard I/N       run shard I (0 ≤ I < N) of the samples, after \`fer-c calibrate SPEC\`:
                    the contiguous block [⌊I·n/N⌋, ⌊(I+1)·n/N⌋) of the n samples; images into
                    the output folder, rows and manifest into OUT/shards/I-of-N; resumable like
                    a run. Then \`fer-c merge SPEC\` writes what one run would have written.

Interrupting: Ctrl-C once finishes the samples in flight, flushes every file and
stops; run the same command again to resume where it stopped (also after a
crash or kill: finished samples are never redone, outputs end byte-identical).`;

function printSummary(s: PipelineSummary, log: (l: string) => void): void {
  log(`${s.interrupted ? 'interrupted' : 'done'}: ${s.samples} samples, ${s.variants} images` +
    `${s.resumed ? ` (+${s.resumed} samples from the earlier part of this run)` : ''}, ` +
    `${s.skipped.length} skipped, ${formatSeconds(s.seconds)} (${s.variantsPerSecond.toFixed(1)} images/s)`);
  const reasons = new Map<string, number>();
  for (const k of s.skipped) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
  for (const [reason, n] of Object.entries(s.sourceSkips)) reasons.set(`source: ${reason}`, (reasons.get(`source: ${reason}`) ?? 0) + n);
  for (const [reason, n] of reasons) log(`  skipped ${n}: ${reason}`);
  for (const [what, path] of Object.entries(s.files)) if (path) log(`  ${what}: ${path}`);
  if (s.interrupted) log('  run the same command again to resume');
}

export const runCommand: Command = {
  name: 'run',
  usage,
  async run(argv) {
    const args = parseWorkArgs(argv, { values: ['shard'] }, 'spec');
    const shard = shardFlag(args);
    const spec = loadSpecArgument(args);
    const quiet = args.booleans.has('quiet');
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const choice = await selectBackend(spec.backend);
    log(`fer-c run: ${describeSpec(spec)}`);
    log(describeChoice(choice));
    // A video source: which ffmpeg decodes it, and from where (env, PATH or the npm package); none is an error here.
    if (spec.source.type === 'video') log(describeFfmpeg(systemFfmpeg()));

    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      if (++interrupts > 1) { log('fer-c run: stopped at once; finished samples are kept, run again to resume'); process.exit(130); }
      log('\nfer-c run: finishing the samples in flight (Ctrl-C again to stop at once)');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const options = await runOptionsFromSpec(spec, choice.backend, {
        overwrite: args.booleans.has('overwrite'), progress: !quiet, signal: controller.signal, log,
        ...(shard ? { shard, calibrated: `fer-c run --shard ${shard.index}/${shard.count}` } : {}),
      });
      const summary = await runPipeline(options);
      printSummary(summary, log);
      if (options.labels) log(options.labels.fuser.report());
      const r = summary.report;
      if (r) {
        const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
        for (const [name, g] of [['ID ', r.id], ['OOD', r.ood]] as const) {
          if (g) log(`  ${name} acc ${pct(g.pre.accuracy)}  F1 ${pct(g.pre.macro_f1)}  ECE ${pct(g.pre.ece)} → ${pct(g.post.ece)} (T = ${r.temperature.toPrecision(4)}${r.temperature_fit?.at_boundary ? ', a bound of the search, not an optimum' : ''})  NLL ${g.pre.nll?.toFixed(3)} → ${g.post.nll?.toFixed(3)}`);
        }
        if (r.model?.missing_classes.length) log(`  the model lacks ${r.model.missing_classes.join(', ')}: probability 0, never predicted`);
        if (r.temperature_fit?.at_boundary) log(`  note: ${temperatureBoundNote(r.temperature)}`);
        printCalibrators(r, log);
      }
      return summary.interrupted ? 130 : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

/** --shard I/N, checked (a shard shares the folder: it cannot --overwrite it). */
function shardFlag(args: ParsedArgs): ShardSpec | undefined {
  const raw = flag(args, 'shard');
  if (raw === undefined) return undefined;
  if (args.booleans.has('overwrite')) throw new UsageError('--shard and --overwrite: shards share the folder; start afresh with fer-c calibrate SPEC --overwrite');
  try { return parseShard(raw); } catch (e) { throw new UsageError((e as Error).message); }
}

/** The summary's calibrator line: the best by OOD ECE, the rest after it. */
function printCalibrators(report: Report, log: (line: string) => void): void {
  const ranked = Object.entries(report.calibrators).map(([name, c]) => ({ name, ece: c.ood?.ece ?? null })).filter((c): c is { name: string; ece: number } => c.ece !== null).sort((a, b) => a.ece - b.ece);
  for (const note of report.notes) if (note.includes(': left out')) log(`  warning: ${note}`);
  if (ranked.length < 2 || !report.ood) return;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  log(`  calibrators by OOD ECE: ${ranked.map((c) => `${c.name} ${pct(c.ece)}`).join(', ')} (none ${pct(report.ood.pre.ece ?? NaN)}); best: ${ranked[0]!.name}`);
}
