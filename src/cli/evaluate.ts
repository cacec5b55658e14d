/** `fer-c evaluate`: score predictions against a FER-C labels file; Pre/Post temperature scaling; report. */
import { join } from 'node:path';
import { parseArgs, flag, listFlag, numberFlag, requiredFlag, UsageError } from './args.js';
import type { Command } from './command.js';
import { evaluateFiles } from '../report/evaluate-files.js';

const USAGE = `usage: fer-c evaluate --labels labels.csv --predictions preds.csv --out DIR
                      [--state S.json] [--bins 15] [--renormalize] [--temperature T]
                      [--classes A,B,…] [--no-figures]

Joins predictions to labels by id (any order), scores clean rows (severity 0)
against their one-hot label (ID) and corrupted rows against their soft label
p_* (OOD), fits temperature scaling on the clean rows by minimising NLL, and
reports every metric Pre and Post: overall, ID, OOD, per corruption, per
severity, per corruption × severity.

  --labels FILE       labels CSV: id,source_id,file,corruption,severity,visibility,label,p_0..p_{K-1}
  --predictions FILE  CSV with header id,p_0..p_{K-1} (probabilities) or id,logit_0..logit_{K-1};
                      or JSON Lines (.jsonl): {"id": …, "p": […]} or {"id": …, "logits": […]}
  --out DIR           writes report.json (schemas/report.schema.json), report.md and PNG figures
  --state FILE        also write the metric state (for fer-c merge-metrics)
  --bins N            bins of ECE, MCE, AdaECE and CECE (default 15)
  --renormalize       rescale probability rows to sum to 1 (otherwise |Σp − 1| > 1e-3 is an error)
  --temperature T     use this temperature instead of fitting one (shards merged later need the same T)
  --classes LIST      class names in label order, for the report
  --no-figures        skip the PNG figures`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score predictions on FER-C labels (ID/OOD, Pre/Post temperature scaling)',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { values: ['labels', 'predictions', 'out', 'state', 'bins', 'temperature', 'classes'], booleans: ['renormalize', 'no-figures'] });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const labels = requiredFlag(args, 'labels');
    const predictions = requiredFlag(args, 'predictions');
    const out = requiredFlag(args, 'out');
    const bins = numberFlag(args, 'bins', 15, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    const temperatureRaw = flag(args, 'temperature');
    const temperature = temperatureRaw === undefined ? undefined : numberFlag(args, 'temperature', 1, (n) => n > 0, 'a positive number');
    const classNames = listFlag(args, 'classes', 'class name');
    const renormalize = args.booleans.has('renormalize');

    const started = performance.now();
    const statePath = flag(args, 'state');
    let result;
    try {
      result = await evaluateFiles({
        labels, predictions, out, bins, renormalize, figures: !args.booleans.has('no-figures'),
        ...(temperature !== undefined ? { temperature } : {}), ...(classNames ? { classNames } : {}), ...(statePath ? { statePath } : {}),
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
    if (ev.join.labelsWithoutPrediction > 0) {
      console.error(`evaluate: warning: ${ev.join.labelsWithoutPrediction} labels had no prediction (e.g. ${ev.join.labelsWithoutPredictionIds.slice(0, 3).join(', ')})`);
    }
    console.error(`evaluate: wrote ${files.length} files to ${out}${statePath ? ` and the state to ${statePath}` : ''} (${join(out, 'report.md')})`);
    return 0;
  },
};
