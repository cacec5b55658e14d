/**
 * The ablation report (the paper's Table 3, plus what the paper does not put
 * beside it): a row per loss with ID and OOD accuracy, F1, ECE, AdaECE, CECE,
 * NLL and KSE of each trained head, as predicted, and the post-hoc
 * calibrators' OOD ECE on each head, so that training-time and post-hoc
 * calibration read in one table. Every number comes from the heads' own
 * reports (src/report, written by the evaluate code); this file only lays
 * them out: OUT/report.json, OUT/report.md, OUT/ablation.png, OUT/training-curves.png.
 */
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { CALIBRATOR_NAMES } from '../../calibration/calibrator.js';
import type { MetricName } from '../../metrics/registry.js';
import { Axes, COLORS, Figure, niceTicks, font } from '../../report/plot.js';
import type { MetricTable } from '../../report/report.js';
import { trainingCurvesPng } from '../../training/curves-figure.js';
import type { ColumnResult } from './train-column.js';
import type { TrainContext } from './train-context.js';

/** Fewer held-out samples than this and the report's first lines say the numbers are a demonstration. */
export const FEW_FACES = 200;

const TABLE_METRICS: readonly { readonly key: MetricName; readonly label: string; readonly percent: boolean }[] = [
  { key: 'accuracy', label: 'Acc', percent: true }, { key: 'macro_f1', label: 'F1', percent: true }, { key: 'ece', label: 'ECE', percent: true },
  { key: 'adaece', label: 'AdaECE', percent: true }, { key: 'cece', label: 'CECE', percent: true }, { key: 'nll', label: 'NLL', percent: false },
  { key: 'kse', label: 'KSE', percent: true },
];

export interface AblationCounts { readonly trainSamples: number; readonly heldOutSamples: number; readonly heldOutImages: number }

const fmt = (v: number | null | undefined, percent: boolean): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : percent ? (v * 100).toFixed(2) : v.toFixed(4));
const pick = (t: MetricTable | null | undefined): Record<string, number | null> => Object.fromEntries(TABLE_METRICS.map((m) => [m.key, t?.[m.key] ?? null]));

function columnJson(c: ColumnResult, out: string): unknown {
  const r = c.report;
  return {
    loss: c.loss, folder: relative(out, c.dir), epochs: c.history.length, final_train_loss: c.history[c.history.length - 1]?.train_loss ?? null,
    id: pick(r.id?.pre), ood: pick(r.ood?.pre), temperature: r.temperature,
    calibrators: Object.fromEntries(Object.entries(r.calibrators).map(([name, cal]) => [name, { id: pick(cal.id), ood: pick(cal.ood) }])),
    counts: { id: r.counts.id, ood: r.counts.ood },
  };
}

function fewFacesLines(counts: AblationCounts): string[] {
  const head = `Trained on **${counts.trainSamples} faces**; scored on the FER-C set of **${counts.heldOutSamples} held-out faces** (${counts.heldOutImages} images).`;
  if (counts.heldOutSamples >= FEW_FACES) return [head, ''];
  return [`> **Few faces.** ${head} With this few, the table shows that the machinery runs end to end, not which loss calibrates better: differences between rows are within the noise of a handful of faces, and the ordering of the paper's Table 3 is not expected to appear. Run it on a real dataset (pipelines/affectnet-c.json's source with a training block) for numbers that mean something.`, ''];
}

function markdown(ctx: TrainContext, columns: readonly ColumnResult[], counts: AblationCounts): string {
  const t = ctx.training, out: string[] = ['# fer-c train: loss ablation (the paper\'s Table 3)', '', ...fewFacesLines(counts)];
  out.push(`Backbone ${t.backbone.path}, frozen, features at "${t.layer}"; a linear head per loss, Adam (lr ${t.lr}, weight decay ${t.weightDecay}), batch ${t.batch}, ${t.epochs} epochs, seed ${ctx.spec.seed}, ${t.targets} targets, class weights ${t.classWeights ? 'max_count/count_j' : 'off'}; γ ${t.gamma}, MBLS margin ${t.margin}, weight ${t.mblsWeight} (SPEC-losses.md).`, '');
  out.push('ID = the held-out clean faces against their one-hot labels; OOD = their corrupted images against the soft labels. Acc, F1, ECE, AdaECE, CECE, KSE in %; NLL in nats; as predicted (no post-hoc calibration).', '');
  const cells = TABLE_METRICS.map((m) => m.label);
  out.push(`| Loss | ${cells.map((c) => `ID ${c}`).join(' | ')} | ${cells.map((c) => `OOD ${c}`).join(' | ')} |`);
  out.push(`| --- | ${[...cells, ...cells].map(() => '---:').join(' | ')} |`);
  for (const c of columns) {
    const id = c.report.id?.pre, ood = c.report.ood?.pre;
    out.push(`| ${c.loss} | ${TABLE_METRICS.map((m) => fmt(id?.[m.key], m.percent)).join(' | ')} | ${TABLE_METRICS.map((m) => fmt(ood?.[m.key], m.percent)).join(' | ')} |`);
  }
  out.push('', '## Training-time and post-hoc calibration', '', 'OOD ECE (%) of each trained head as predicted (none) and after each post-hoc calibrator fitted on the held-out clean predictions (SPEC.md §5.1); the paper reports the two kinds separately.', '');
  const names = CALIBRATOR_NAMES.filter((n) => columns.some((c) => c.report.calibrators[n]));
  out.push(`| Loss | none | ${names.join(' | ')} |`, `| --- | ---: | ${names.map(() => '---:').join(' | ')} |`);
  for (const c of columns) out.push(`| ${c.loss} | ${fmt(c.report.ood?.pre.ece, true)} | ${names.map((n) => fmt(c.report.calibrators[n]?.ood?.ece, true)).join(' | ')} |`);
  const leftOut = [...new Set(columns.flatMap((c) => c.report.notes.filter((n) => n.includes('left out'))))];
  if (leftOut.length) out.push('', ...leftOut.map((n) => `> Note: ${n}`));
  out.push('', '## Files', '');
  for (const c of columns) out.push(`- ${c.loss}: \`${relative(ctx.out, c.dir)}/\` — model.onnx (score it with fer-c run: predictions.json is its predictions block), head.json, training.jsonl, report/report.md${c.state === 'kept' ? ' (kept from an earlier run)' : ''}`);
  out.push('', '![ECE per loss](ablation.png)', '', '![Training curves](training-curves.png)', '');
  return out.join('\n');
}

/** Grouped bars: ID and OOD ECE per loss. */
function ablationPng(columns: readonly ColumnResult[]): Buffer {
  const fig = new Figure(1000, 600);
  fig.title('ECE per training loss', 'held-out faces: ID (clean, one-hot) and OOD (FER-C, soft labels), as predicted');
  const values = columns.flatMap((c) => [c.report.id?.pre.ece ?? 0, c.report.ood?.pre.ece ?? 0]);
  const ticks = niceTicks(Math.max(0.01, ...values) * 1.25);   // headroom for the legend
  const ax = new Axes(fig.ctx, { x: 110, y: 110, w: 840, h: 400 }, [0, columns.length], [0, ticks[ticks.length - 1]!]);
  ax.frame(ticks);
  ax.yTickLabels(ticks, (v) => `${(v * 100).toFixed(0)}%`);
  ax.yLabel('ECE');
  const c = fig.ctx;
  columns.forEach((col, i) => {
    [[col.report.id?.pre.ece ?? null, COLORS.pre], [col.report.ood?.pre.ece ?? null, COLORS.post]].forEach(([v, color], j) => {
      if (v === null) return;
      const x0 = ax.x(i + 0.18 + j * 0.32), x1 = ax.x(i + 0.5 + j * 0.32);
      c.fillStyle = color as string;
      c.fillRect(x0, ax.y(v as number), x1 - x0, ax.y(0) - ax.y(v as number));
    });
    c.fillStyle = COLORS.text; c.font = font(14); c.textAlign = 'center'; c.textBaseline = 'top';
    c.fillText(col.loss, ax.x(i + 0.5), ax.y(0) + 8);
  });
  ax.legend([{ label: 'ID ECE', color: COLORS.pre, mark: 'box' }, { label: 'OOD ECE', color: COLORS.post, mark: 'box' }], 'top-right');
  return fig.png();
}

/** Writes the report files; returns report.md's path. */
export function writeAblationReport(ctx: TrainContext, columns: readonly ColumnResult[], counts: AblationCounts): string {
  const json = {
    format: 'fer-c-train-report', version: 1, created: new Date().toISOString(),
    few_faces: counts.heldOutSamples < FEW_FACES, counts,
    training: { ...ctx.training, seed: ctx.spec.seed }, columns: columns.map((c) => columnJson(c, ctx.out)),
  };
  writeFileAtomic(join(ctx.out, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileAtomic(join(ctx.out, 'ablation.png'), ablationPng(columns));
  writeFileAtomic(join(ctx.out, 'training-curves.png'), trainingCurvesPng(columns.map((c) => ({ name: c.loss, history: c.history })), `${counts.trainSamples} training faces, ${counts.heldOutSamples} held-out faces`));
  const md = join(ctx.out, 'report.md');
  writeFileAtomic(md, markdown(ctx, columns, counts));
  return md;
}
