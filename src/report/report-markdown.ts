/**
 * report.md: the paper's layout — F1, ECE, NLL, AdaECE, CECE, KSE for ID and
 * OOD, Pre and Post — then every metric, then per severity and per
 * corruption. Like the paper, F1 and the calibration errors are in %, NLL as is.
 */
import type { MetricName } from '../metrics/registry.js';
import type { MetricTable, PrePost, Report } from './report.js';

/** The paper's columns, in its order. */
const PAPER_METRICS: readonly { readonly key: MetricName; readonly label: string; readonly percent: boolean }[] = [
  { key: 'macro_f1', label: 'F1', percent: true },
  { key: 'ece', label: 'ECE', percent: true },
  { key: 'nll', label: 'NLL', percent: false },
  { key: 'adaece', label: 'AdaECE', percent: true },
  { key: 'cece', label: 'CECE', percent: true },
  { key: 'kse', label: 'KSE', percent: true },
];

const ALL_METRICS: readonly { readonly key: MetricName; readonly label: string; readonly percent: boolean }[] = [
  { key: 'accuracy', label: 'Accuracy (%)', percent: true },
  { key: 'macro_f1', label: 'Macro F1 (%)', percent: true },
  { key: 'nll', label: 'NLL', percent: false },
  { key: 'brier', label: 'Brier', percent: false },
  { key: 'ece', label: 'ECE (%)', percent: true },
  { key: 'mce', label: 'MCE (%)', percent: true },
  { key: 'adaece', label: 'AdaECE (%)', percent: true },
  { key: 'cece', label: 'CECE (%)', percent: true },
  { key: 'kse', label: 'KSE (%)', percent: true },
];

/** Three significant figures, as the paper prints (56.4, 6.10, 0.71). */
function fmt(v: number | null, percent: boolean): string {
  if (v === null) return '–';
  const x = percent ? v * 100 : v;
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function row(cells: readonly string[]): string { return `| ${cells.join(' | ')} |`; }
function header(cells: readonly string[]): string[] {
  return [row(cells), row(cells.map((_, i) => (i === 0 ? '---' : '---:')))];
}

function paperCells(t: MetricTable): string[] { return PAPER_METRICS.map((m) => fmt(t[m.key], m.percent)); }

function escapeCell(s: string): string { return s.replace(/\|/g, '\\|'); }

function groupTable(title: string, label: string, groups: Readonly<Record<string, PrePost>>, idRow: PrePost | null, sortKeys: (keys: string[]) => string[]): string[] {
  const keys = sortKeys(Object.keys(groups));
  if (keys.length === 0) return [];
  const lines = [`## ${title}`, '', ...header([label, 'N', 'Acc (Pre)', 'Acc (Post)', 'F1 (Pre)', 'ECE (Pre)', 'ECE (Post)', 'NLL (Pre)', 'NLL (Post)', 'KSE (Pre)', 'KSE (Post)'])];
  const line = (name: string, g: PrePost) => row([
    escapeCell(name), String(g.count),
    fmt(g.pre.accuracy, true), fmt(g.post.accuracy, true), fmt(g.pre.macro_f1, true),
    fmt(g.pre.ece, true), fmt(g.post.ece, true), fmt(g.pre.nll, false), fmt(g.post.nll, false), fmt(g.pre.kse, true), fmt(g.post.kse, true),
  ]);
  if (idRow) lines.push(line('clean (ID)', idRow));
  for (const k of keys) lines.push(line(k, groups[k]!));
  lines.push('');
  return lines;
}

/** The calibrator with the lowest OOD ECE, and the runner-up; null without OOD rows. */
export function bestCalibrator(report: Report): { readonly name: string; readonly ece: number; readonly next: { readonly name: string; readonly ece: number } | null } | null {
  const ranked = Object.entries(report.calibrators)
    .map(([name, c]) => ({ name, ece: c.ood?.ece ?? null }))
    .filter((c): c is { name: string; ece: number } => c.ece !== null)
    .sort((a, b) => a.ece - b.ece);
  return ranked.length ? { ...ranked[0]!, next: ranked[1] ?? null } : null;
}

/** report.md's first table: which calibrator survives the shift. */
function calibratorTable(report: Report): string[] {
  const names = Object.keys(report.calibrators);
  const best = bestCalibrator(report);
  const lines = [
    '## Calibrators: fitted on clean faces, judged on corrupted ones', '',
    `Each post-hoc calibrator (SPEC.md §5.1) is fitted on the ${report.counts.id} clean (ID) predictions and applied to every prediction; OOD is scored against the soft labels. ECE and KSE in %, NLL in nats; accuracy ID / OOD in %. Lowest OOD ECE in bold.`, '',
    ...header(['Calibrator', 'ID ECE', 'OOD ECE', 'OOD NLL', 'OOD KSE', 'Accuracy (ID / OOD)']),
  ];
  const line = (name: string, id: MetricTable | null, ood: MetricTable | null) => {
    const bold = (v: string) => (best && best.name === name ? `**${v}**` : v);
    return row([
      name, fmt(id?.ece ?? null, true), bold(fmt(ood?.ece ?? null, true)), fmt(ood?.nll ?? null, false), fmt(ood?.kse ?? null, true),
      `${fmt(id?.accuracy ?? null, true)} / ${fmt(ood?.accuracy ?? null, true)}`,
    ]);
  };
  lines.push(line('none (as predicted)', report.id?.pre ?? null, report.ood?.pre ?? null));
  for (const n of names) lines.push(line(n, report.calibrators[n]!.id, report.calibrators[n]!.ood));
  lines.push('');
  if (best?.next) {
    lines.push(`Best OOD ECE: **${best.name}**, ${fmt(best.ece, true)}% against ${fmt(best.next.ece, true)}% for ${best.next.name}, the next best${report.ood ? `, and ${fmt(report.ood.pre.ece, true)}% uncalibrated` : ''}.`, '');
  }
  return lines;
}

export function renderMarkdown(report: Report, figures: readonly { readonly file: string; readonly caption: string }[] = []): string {
  const out: string[] = ['# FER-C evaluation report', ''];
  out.push(...calibratorTable(report));
  const inputs = report.inputs;
  const src: string[] = [];
  if (inputs.predictions.length) src.push(`predictions ${inputs.predictions.map((p) => `\`${p}\``).join(', ')}`);
  if (inputs.labels.length) src.push(`labels ${inputs.labels.map((p) => `\`${p}\``).join(', ')}`);
  if (inputs.states.length) src.push(`merged states ${inputs.states.map((p) => `\`${p}\``).join(', ')}`);
  if (src.length) out.push(`Inputs: ${src.join('; ')}.`, '');
  const names = report.class_names ? ` (${report.class_names.join(', ')})` : '';
  out.push(`K = ${report.classes} classes${names}; ${report.bins} bins; predictions given as ${report.prediction_kind}.`, '');
  out.push(`Samples: ${report.counts.id} clean (ID, scored against one-hot labels), ${report.counts.ood} corrupted (OOD, scored against soft labels).`, '');
  const T = report.temperature.toPrecision(5);
  if (report.temperature_source === 'fitted' && report.temperature_fit) {
    const f = report.temperature_fit;
    out.push(`Post-hoc calibration: temperature scaling, **T = ${T}**, fitted on the ${f.samples} clean predictions by minimising NLL (ID NLL ${f.nll_before.toFixed(4)} → ${f.nll_after.toFixed(4)}), applied to every stream.`, '');
  } else if (report.temperature_source === 'given') {
    out.push(`Post-hoc calibration: temperature scaling with the given **T = ${T}**, applied to every stream.`, '');
  } else {
    out.push(`Post-hoc calibration: none possible (no clean rows to fit on); **T = ${T}**.`, '');
  }
  if (report.model) {
    out.push(`Model: ${report.model.name}.${report.model.missing_classes.length ? ` Classes the model lacks (probability 0 before renormalising, never predicted): **${report.model.missing_classes.join(', ')}**.` : ' The model covers every dataset class.'}`, '');
  }
  for (const n of report.notes) out.push(`> Note: ${n}`, '');

  out.push('## Summary (paper layout)', '', 'F1, ECE, AdaECE, CECE and KSE in %; NLL in nats. Pre = as predicted, Post = after temperature scaling.', '');
  out.push(...header(['Set', ...PAPER_METRICS.map((m) => `${m.label} (Pre)`), ...PAPER_METRICS.map((m) => `${m.label} (Post)`)]));
  for (const [name, g] of [['ID (clean)', report.id], ['OOD (FER-C)', report.ood]] as const) {
    if (g) out.push(row([name, ...paperCells(g.pre), ...paperCells(g.post)]));
  }
  out.push('');

  out.push('## All metrics', '', ...header(['Metric', 'ID (Pre)', 'ID (Post)', 'OOD (Pre)', 'OOD (Post)', 'All (Pre)', 'All (Post)']));
  for (const m of ALL_METRICS) {
    const cell = (g: PrePost | null, which: 'pre' | 'post') => (g ? fmt(g[which][m.key], m.percent) : '–');
    out.push(row([m.label, cell(report.id, 'pre'), cell(report.id, 'post'), cell(report.ood, 'pre'), cell(report.ood, 'post'), cell(report.all, 'pre'), cell(report.all, 'post')]));
  }
  out.push('');

  out.push(...groupTable('By severity (OOD)', 'Severity', report.by_severity, report.id, (k) => k.sort((a, b) => Number(a) - Number(b))));
  out.push(...groupTable('By corruption (OOD, all severities)', 'Corruption', report.by_corruption, report.id, (k) => k.sort()));

  const cells = Object.keys(report.by_corruption_severity).sort();
  if (cells.length) {
    const sevs = [...new Set(cells.flatMap((c) => Object.keys(report.by_corruption_severity[c]!)))].sort((a, b) => Number(a) - Number(b));
    out.push('## ECE (%) by corruption and severity, Pre → Post', '', ...header(['Corruption', ...sevs.map((s) => `s${s}`)]));
    for (const c of cells) {
      const r = report.by_corruption_severity[c]!;
      out.push(row([escapeCell(c), ...sevs.map((s) => (r[s] ? `${fmt(r[s]!.pre.ece, true)} → ${fmt(r[s]!.post.ece, true)}` : '–'))]));
    }
    out.push('');
  }

  if (figures.length) {
    out.push('## Figures', '');
    for (const f of figures) out.push(`![${f.caption}](${f.file})`, '', `*${f.caption}*`, '');
  }
  return out.join('\n');
}
