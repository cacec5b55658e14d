/** `fer-c evaluate`: score predictions against a FER-C labels file; Pre/Post temperature scaling; report. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkArgs, flag, listFlag, numberFlag, requiredFlag, UsageError, WORK_FLAG_HELP } from './args.js';
import type { Command } from './command.js';
import { evaluateFiles } from '../report/evaluate-files.js';
import { parseCalibratorList } from '../calibration/registry.js';
import { bestCalibrator } from '../report/report-markdown.js';
import { DEFAULT_BINS } from '../metrics/metric.js';

const USAGE = `usage: fer-c evaluate --labels labels.csv --predictions preds.csv --out DIR
                      [--state S.json] [--bins ${DEFAULT_BINS}] [--renormalize] [--temperature T]
                      [--classes A,B,…] [--missing-classes A,…] [--model NAME] [--no-figures]
                      [--calibrators temperature,vector,dirichlet,histogram,isotonic]
                      [--save-calibrators C.json | --load-calibrators C.json]
                      [--overwrite] [--quiet] [--set key=value …]

Joins predictions to labels by id (any order), scores clean rows (severity 0)
against their one-hot label (ID) and corrupted rows against their soft label
p_* (OOD), fits post-hoc calibrators on the clean rows (SPEC.md §5.1) and
reports every metric Pre and Post (temperature scaling): overall, ID, OOD, per
corruption, per severity, per corruption × severity; and each calibrator's
metrics side by side.

  --labels FILE       labels CSV: id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}
  --predictions FILE  CSV with header id,p_0..p_{K-1} (probabilities) or id,logit_0..logit_{K-1};
                      or JSON Lines (.jsonl): {"id": …, "p": […]} or {"id": …, "logits": […]}
  --out DIR           writes report.json (schemas/report.schema.json), report.md and PNG figures
  --state FILE        also write the metric state (for fer-c merge-metrics)
  --bins N            bins of ECE, MCE, AdaECE and CECE (default ${DEFAULT_BINS})
  --renormalize       rescale probability rows to sum to 1 (otherwise |Σp − 1| > 1e-3 is an error)
  --temperature T     use this temperature instead of fitting one (shards merged later need the same T)
  --classes LIST      class names in label order, for the report
  --missing-classes LIST  classes (of --classes) the model that made the predictions
                      lacks (probability 0): named in the report, as fer-c run does
  --model NAME        the model's name, for the report (with --missing-classes)
  --no-figures        skip the PNG figures
  --calibrators LIST  post-hoc calibrators fitted on the clean rows and applied to every row (default
                      temperature; temperature is always one, it is Post): temperature (one T),
                      vector (w ⊙ z + b), dirichlet (W ln p + b), histogram and isotonic (one-vs-rest)
  --save-calibrators FILE  also write the fitted calibrators (for other shards)
  --load-calibrators FILE  apply the calibrators fitted in FILE (a --save-calibrators file or a --state)
                      instead of fitting: shards merged later must all apply the same fit
${WORK_FLAG_HELP.overwrite}
                    (report.json, report.md and the figures of an evaluation of other inputs;
                    without it, such an --out is refused; the same inputs are evaluated again)
${WORK_FLAG_HELP.quiet}
${WORK_FLAG_HELP.set}
                    here one of the flags above (--set bins=10 is --bins 10; a JSON list
                    --set 'calibrators=["temperature","vector"]' is --calibrators temperature,vector)`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  usage: USAGE,
  async run(argv) {
    const args = parseWorkArgs(argv, {
      values: ['labels', 'predictions', 'out', 'state', 'bins', 'temperature', 'classes', 'missing-classes', 'model', 'calibrators', 'save-calibrators', 'load-calibrators'],
      booleans: ['renormalize', 'no-figures'],
    }, 'flags');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const labels = requiredFlag(args, 'labels');
    const predictions = requiredFlag(args, 'predictions');
    const out = requiredFlag(args, 'out');
    const bins = numberFlag(args, 'bins', DEFAULT_BINS, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    const temperatureRaw = flag(args, 'temperature');
    const temperature = temperatureRaw === undefined ? undefined : numberFlag(args, 'temperature', 1, (n) => n > 0, 'a positive number');
    const classNames = listFlag(args, 'classes', 'class name');
    const missingClasses = listFlag(args, 'missing-classes', 'class name');
    if (missingClasses && !classNames) throw new UsageError('--missing-classes names classes of --classes: give --classes too');
    for (const c of missingClasses ?? []) if (!classNames!.includes(c)) throw new UsageError(`--missing-classes: "${c}" is not one of --classes (${classNames!.join(', ')})`);
    const modelName = flag(args, 'model');
    const model = missingClasses || modelName ? { name: modelName ?? `the model of ${predictions}`, missing_classes: missingClasses ?? [], dropped_classes: [] } : undefined;
    const renormalize = args.booleans.has('renormalize');
    const calibratorsRaw = flag(args, 'calibrators');
    let calibrators;
    try { calibrators = calibratorsRaw === undefined ? undefined : parseCalibratorList(calibratorsRaw); } catch (e) { throw new UsageError((e as Error).message); }
    const saveCalibrators = flag(args, 'save-calibrators'), loadCalibrators = flag(args, 'load-calibrators');
    if (saveCalibrators && loadCalibrators) throw new UsageError('--save-calibrators and --load-calibrators: give one (a loaded fit is already saved in its file)');
    if (loadCalibrators && temperature !== undefined) throw new UsageError('--temperature and --load-calibrators: give one (the file holds the temperature)');

    prepareReportFolder(out, { labels, predictions }, args.booleans.has('overwrite'));
    const started = performance.now();
    const statePath = flag(args, 'state');
    let result;
    try {
      result = await evaluateFiles({
        labels, predictions, out, bins, renormalize, figures: !args.booleans.has('no-figures'),
        ...(temperature !== undefined ? { temperature } : {}), ...(classNames ? { classNames } : {}), ...(model ? { model } : {}), ...(statePath ? { statePath } : {}),
        ...(calibrators ? { calibrators } : {}), ...(saveCalibrators ? { saveCalibrators } : {}), ...(loadCalibrators ? { loadCalibrators } : {}),
      });
    } catch (e) {
      if (classNames && /class names given/.test((e as Error).message)) throw new UsageError((e as Error).message);
      throw e;
    }
    const { report, files, evaluation: ev } = result;
    const seconds = (performance.now() - started) / 1000;

    const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
    console.error(`evaluate: ${report.counts.all} predictions (${report.counts.id} ID, ${report.counts.ood} OOD) in ${seconds.toFixed(1)} s; T = ${ev.temperature.toPrecision(5)} (${ev.temperatureSource})`);
    for (const [name, g] of [['ID ', report.id], ['OOD', report.ood]] as const) {
      if (g) console.error(`  ${name}  acc ${pct(g.pre.accuracy)}  ECE ${pct(g.pre.ece)} → ${pct(g.post.ece)}  NLL ${g.pre.nll?.toFixed(4)} → ${g.post.nll?.toFixed(4)}`);
    }
    if (Object.keys(report.calibrators).length > 1) {
      for (const [name, c] of Object.entries(report.calibrators)) {
        console.error(`  ${name.padEnd(11)}  ID ECE ${pct(c.id?.ece)}  OOD ECE ${pct(c.ood?.ece)}  OOD NLL ${c.ood?.nll?.toFixed(4) ?? '–'}  OOD KSE ${pct(c.ood?.kse)}`);
      }
      const best = bestCalibrator(report);
      if (best) console.error(`  best OOD ECE: ${best.name} (${pct(best.ece)}${best.next ? `; next ${best.next.name} ${pct(best.next.ece)}` : ''})`);
    }
    for (const w of ev.warnings) console.error(`evaluate: warning: ${w}`);
    if (ev.join.labelsWithoutPrediction > 0) {
      console.error(`evaluate: warning: ${ev.join.labelsWithoutPrediction} labels had no prediction (e.g. ${ev.join.labelsWithoutPredictionIds.slice(0, 3).join(', ')})`);
    }
    console.error(`evaluate: wrote ${files.length} files to ${out}${statePath ? ` and the state to ${statePath}` : ''} (${join(out, 'report.md')})`);
    return 0;
  },
};

/**
 * An --out that holds the report of an evaluation of other inputs is refused
 * (the two reports' files would mix); with --overwrite, that report's files
 * (report.json, report.md, the figures report.md shows) are removed first.
 */
function prepareReportFolder(out: string, inputs: { labels: string; predictions: string }, overwrite: boolean): void {
  const reportPath = join(out, 'report.json');
  if (!existsSync(reportPath)) return;
  let earlier: { inputs?: { labels?: unknown; predictions?: unknown } } = {};
  try { earlier = JSON.parse(readFileSync(reportPath, 'utf8')) as typeof earlier; } catch { /* unreadable: not the same evaluation */ }
  const same = JSON.stringify(earlier.inputs?.labels) === JSON.stringify([inputs.labels]) && JSON.stringify(earlier.inputs?.predictions) === JSON.stringify([inputs.predictions]);
  if (!overwrite) {
    if (same) return;
    throw new Error(`--out ${out} holds the report of another evaluation (${reportPath}: labels ${JSON.stringify(earlier.inputs?.labels ?? null)}, ` +
      `predictions ${JSON.stringify(earlier.inputs?.predictions ?? null)}): choose another --out, or --overwrite to replace it`);
  }
  const markdown = join(out, 'report.md');
  const figures = existsSync(markdown) ? [...readFileSync(markdown, 'utf8').matchAll(/\]\(([\w.-]+\.png)\)/g)].map((m) => m[1]!) : [];
  for (const name of ['report.json', 'report.md', ...figures]) rmSync(join(out, name), { force: true });
}
