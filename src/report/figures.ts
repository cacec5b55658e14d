/**
 * The report's PNG figures: reliability diagrams (ID and OOD, Pre and Post),
 * accuracy and ECE by severity, and a per-corruption bar chart. Each has a
 * title that says what is plotted, axis labels and a legend.
 */
import { Axes, COLORS, Figure, drawMarker, font, hatch, niceTicks, percent, type LegendItem } from './plot.js';
import type { PrePost, ReliabilityBinJson, Report } from './report.js';

export interface RenderedFigure {
  readonly file: string;
  readonly caption: string;
  readonly png: Buffer;
}

const pct1 = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

function reliabilityPanel(fig: Figure, x: number, y: number, w: number, h: number, bins: readonly ReliabilityBinJson[], title: string, soft: boolean): void {
  const ax = new Axes(fig.ctx, { x, y, w, h }, [0, 1], [0, 1]);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  ax.frame(ticks, ticks);
  const c = fig.ctx;
  for (const b of bins) {
    if (b.count === 0 || b.confidence === null || b.correctness === null) continue;
    const x0 = ax.x(b.lower) + 1, x1 = ax.x(b.upper) - 1;
    const yc = ax.y(b.correctness), yconf = ax.y(b.confidence), y0 = ax.y(0);
    c.fillStyle = COLORS.pre;
    c.fillRect(x0, yc, x1 - x0, y0 - yc);
    // The gap between what the model claims (mean confidence) and what it achieves:
    // hatched, so it reads the same above the bar (overconfident) and on it (underconfident).
    hatch(c, x0, Math.min(yc, yconf), x1 - x0, Math.abs(yconf - yc));
  }
  c.strokeStyle = COLORS.ideal; c.lineWidth = 2; c.setLineDash([7, 5]);
  c.beginPath(); c.moveTo(ax.x(0), ax.y(0)); c.lineTo(ax.x(1), ax.y(1)); c.stroke(); c.setLineDash([]);
  ax.yTickLabels(ticks, (v) => v.toFixed(1));
  ax.xTickLabels(ticks, (v) => v.toFixed(1));
  ax.xLabel(`Confidence (max probability), ${bins.length} equal-width bins`);
  ax.yLabel(soft ? 'Mean correctness c (soft labels)' : 'Accuracy (mean correctness)');
  ax.title(title);
  ax.legend([
    { label: soft ? 'Mean correctness per bin' : 'Accuracy per bin', color: COLORS.pre, mark: 'box' },
    { label: 'Gap to mean confidence', color: COLORS.gap, mark: 'hatch' },
    { label: 'Perfect calibration', color: COLORS.ideal, mark: 'dashed' },
  ]);
  // Share of samples per bin, as a strip under the axis labels.
  const total = bins.reduce((a, b) => a + b.count, 0);
  const stripY = y + h + 62, stripH = 34;
  const maxShare = Math.max(...bins.map((b) => b.count / Math.max(total, 1)), 1e-9);
  c.fillStyle = '#9a9a9a';
  for (const b of bins) {
    if (b.count === 0) continue;
    const bh = (b.count / total / maxShare) * stripH;
    c.fillRect(ax.x(b.lower) + 1, stripY + stripH - bh, ax.x(b.upper) - ax.x(b.lower) - 2, bh);
  }
  c.strokeStyle = COLORS.axis; c.lineWidth = 1;
  c.beginPath(); c.moveTo(x, stripY + stripH + 0.5); c.lineTo(x + w, stripY + stripH + 0.5); c.stroke();
  c.fillStyle = COLORS.muted; c.font = font(12); c.textAlign = 'left'; c.textBaseline = 'top';
  c.fillText(`Samples per bin (grey; tallest = ${(maxShare * 100).toFixed(1)}% of ${total})`, x, stripY + stripH + 4);
}

export function reliabilityFigure(report: Report, set: 'id' | 'ood'): RenderedFigure | null {
  const data = report.reliability[set], g = report[set];
  if (!data || !g) return null;
  const fig = new Figure(1240, 700);
  const name = set === 'id' ? 'ID (clean images, one-hot labels)' : 'OOD (corrupted images, soft labels)';
  fig.title(`Reliability diagram — ${name}`, `${g.count} samples. Left: as predicted (Pre). Right: after temperature scaling, T = ${report.temperature.toPrecision(4)} (Post).`);
  const soft = set === 'ood';
  reliabilityPanel(fig, 100, 110, 460, 460, data.pre, `Pre — ECE ${pct1(g.pre.ece)}`, soft);
  reliabilityPanel(fig, 730, 110, 460, 460, data.post, `Post — ECE ${pct1(g.post.ece)}`, soft);
  return {
    file: `reliability-${set}.png`,
    caption: `Reliability diagram, ${name}: Pre (left) and Post temperature scaling (right).`,
    png: fig.png(),
  };
}

/** A polyline with markers; null values break the line. */
export function lineSeries(ax: Axes, xs: readonly number[], ys: readonly (number | null)[], color: string, dashed: boolean, marker: 'circle' | 'square'): void {
  const c = ax.ctx;
  c.strokeStyle = color; c.lineWidth = 2.5; c.setLineDash(dashed ? [8, 5] : []);
  c.beginPath();
  let started = false;
  xs.forEach((x, i) => {
    const y = ys[i];
    if (y === null || y === undefined) { started = false; return; }
    if (!started) { c.moveTo(ax.x(x), ax.y(y)); started = true; } else c.lineTo(ax.x(x), ax.y(y));
  });
  c.stroke(); c.setLineDash([]);
  xs.forEach((x, i) => { const y = ys[i]; if (y !== null && y !== undefined) drawMarker(c, marker, ax.x(x), ax.y(y), color); });
}

export function severityFigure(report: Report): RenderedFigure | null {
  const sevs = Object.keys(report.by_severity).map(Number).sort((a, b) => a - b);
  if (sevs.length === 0) return null;
  const points: { x: number; g: PrePost }[] = [];
  if (report.id) points.push({ x: 0, g: report.id });
  for (const s of sevs) points.push({ x: s, g: report.by_severity[String(s)]! });
  const fig = new Figure(1240, 560);
  fig.title('Accuracy and calibration error by corruption severity', 'Severity 0 is the clean (ID) set; 1–5 average every corruption at that severity (OOD, soft labels).');
  const xs = points.map((p) => p.x);
  const xMin = Math.min(...xs) - 0.3, xMax = Math.max(...xs) + 0.3;
  const panels = [
    { key: 'accuracy' as const, title: 'Accuracy', axis: 'Accuracy (%)', x: 100 },
    { key: 'ece' as const, title: `ECE (${report.bins} bins)`, axis: 'ECE (%)', x: 730 },
  ];
  for (const p of panels) {
    const values = points.flatMap((q) => [q.g.pre[p.key], q.g.post[p.key]]).filter((v): v is number => v !== null);
    const ticks = niceTicks(Math.max(...values, 0.01) * 1.1);
    const ax = new Axes(fig.ctx, { x: p.x, y: 125, w: 460, h: 340 }, [xMin, xMax], [0, ticks[ticks.length - 1]!]);
    ax.frame(ticks);
    lineSeries(ax, xs, points.map((q) => q.g.pre[p.key]), COLORS.pre, false, 'circle');
    lineSeries(ax, xs, points.map((q) => q.g.post[p.key]), COLORS.post, true, 'square');
    ax.yTickLabels(ticks, percent);
    ax.xTickLabels(xs, (v) => (v === 0 ? 'clean' : String(v)));
    ax.xLabel('Severity');
    ax.yLabel(p.axis, 62);
    ax.title(p.title);
  }
  const legend: LegendItem[] = [
    { label: 'Pre (as predicted)', color: COLORS.pre, mark: 'line', marker: 'circle' },
    { label: `Post (temperature scaling, T = ${report.temperature.toPrecision(4)})`, color: COLORS.post, mark: 'dashed', marker: 'square' },
  ];
  fig.legendRow(legend, 76);
  return { file: 'severity.png', caption: 'Accuracy and ECE by severity (0 = clean), Pre and Post temperature scaling.', png: fig.png() };
}

export function corruptionFigure(report: Report): RenderedFigure | null {
  const names = Object.keys(report.by_corruption).sort();
  if (names.length === 0) return null;
  const rows: { label: string; g: PrePost }[] = [];
  if (report.id) rows.push({ label: 'clean (ID)', g: report.id });
  for (const n of names) rows.push({ label: n, g: report.by_corruption[n]! });
  const rowH = 34, top = 130, plotH = Math.max(rows.length, 3) * rowH;
  const fig = new Figure(1240, top + plotH + 110);
  fig.title('Accuracy and ECE per corruption (all severities)', 'Corrupted images scored against soft labels (OOD); the first, shaded row is the clean (ID) set.');
  fig.legendRow([
    { label: 'Pre (as predicted)', color: COLORS.pre, mark: 'box' },
    { label: `Post (temperature scaling, T = ${report.temperature.toPrecision(4)})`, color: COLORS.post, mark: 'box' },
  ], 76);
  const labelW = 170;
  const panels = [
    { key: 'accuracy' as const, title: 'Accuracy', axis: 'Accuracy (%)', x: 40 + labelW },
    { key: 'ece' as const, title: `ECE (${report.bins} bins)`, axis: 'ECE (%)', x: 660 + labelW },
  ];
  const c = fig.ctx;
  for (const p of panels) {
    const values = rows.flatMap((r) => [r.g.pre[p.key], r.g.post[p.key]]).filter((v): v is number => v !== null);
    // Head-room on the right for the "pre → post" value labels.
    const ticks = niceTicks(Math.max(...values, 0.01) * 1.4);
    const w = 380;
    const ax = new Axes(c, { x: p.x, y: top, w, h: plotH }, [0, ticks[ticks.length - 1]!], [0, rows.length]);
    // Vertical grid at x ticks: draw via a transposed frame.
    c.strokeStyle = COLORS.grid; c.lineWidth = 1;
    for (const t of ticks) { c.beginPath(); c.moveTo(Math.round(ax.x(t)) + 0.5, top); c.lineTo(Math.round(ax.x(t)) + 0.5, top + plotH); c.stroke(); }
    rows.forEach((r, i) => {
      const y0 = top + i * rowH;
      if (i === 0 && report.id) { c.fillStyle = '#f3f3f3'; c.fillRect(p.x, y0, w, rowH); }
      const barH = (rowH - 10) / 2;
      for (const [j, which, color] of [[0, 'pre', COLORS.pre], [1, 'post', COLORS.post]] as const) {
        const v = r.g[which][p.key];
        if (v === null) continue;
        c.fillStyle = color;
        c.fillRect(p.x, y0 + 5 + j * barH, ax.x(v) - p.x, barH - 1);
      }
      c.fillStyle = COLORS.muted; c.font = font(11); c.textAlign = 'left'; c.textBaseline = 'middle';
      const pre = r.g.pre[p.key], post = r.g.post[p.key];
      c.fillText(`${pct1(pre)} → ${pct1(post)}`, p.x + 4 + Math.max(ax.x(pre ?? 0), ax.x(post ?? 0)) - p.x, y0 + rowH / 2);
      c.fillStyle = COLORS.text; c.font = font(13); c.textAlign = 'right';
      c.fillText(r.label, p.x - 8, y0 + rowH / 2);
    });
    c.strokeStyle = COLORS.axis; c.lineWidth = 1.5; c.strokeRect(p.x, top, w, plotH);
    ax.xTickLabels(ticks, percent);
    ax.xLabel(p.axis);
    ax.title(p.title);
  }
  return { file: 'corruptions.png', caption: 'Accuracy and ECE per corruption (all severities pooled), Pre and Post.', png: fig.png() };
}

/** A line colour per calibrator (and grey for the uncalibrated model). */
const CALIBRATOR_COLORS: Readonly<Record<string, string>> = {
  none: '#7a7a7a', temperature: COLORS.post, vector: '#2a9d3c', dirichlet: '#8e44ad', histogram: '#c0282b', isotonic: '#1f5fa8',
};

/** ECE against severity, one line per calibrator: the picture of which calibrator survives the shift. */
export function calibratorSeverityFigure(report: Report): RenderedFigure | null {
  const sevs = Object.keys(report.by_severity).map(Number).sort((a, b) => a - b);
  const names = Object.keys(report.calibrators);
  if (sevs.length === 0 || names.length === 0) return null;
  const xs = [...(report.id ? [0] : []), ...sevs];
  const series = [
    { name: 'none', label: 'none (as predicted)', ys: xs.map((x) => (x === 0 ? report.id!.pre.ece : report.by_severity[String(x)]!.pre.ece)) },
    ...names.map((n) => {
      const c = report.calibrators[n]!;
      return { name: n, label: n, ys: xs.map((x) => (x === 0 ? c.id?.ece ?? null : c.by_severity[String(x)]?.ece ?? null)) };
    }),
  ];
  const fig = new Figure(1240, 620);
  fig.title('ECE by severity, one line per post-hoc calibrator', `Fitted on the ${report.counts.id} clean (ID) predictions; severity 0 is the clean set (one-hot labels), 1–5 pool every corruption at that severity (soft labels).`);
  const values = series.flatMap((s) => s.ys).filter((v): v is number => v !== null);
  const ticks = niceTicks(Math.max(...values, 0.01) * 1.1);
  const ax = new Axes(fig.ctx, { x: 110, y: 140, w: 820, h: 380 }, [Math.min(...xs) - 0.3, Math.max(...xs) + 0.3], [0, ticks[ticks.length - 1]!]);
  ax.frame(ticks);
  series.forEach((s, i) => lineSeries(ax, xs, s.ys, CALIBRATOR_COLORS[s.name] ?? COLORS.text, s.name === 'none', i % 2 === 0 ? 'circle' : 'square'));
  ax.yTickLabels(ticks, percent);
  ax.xTickLabels(xs, (v) => (v === 0 ? 'clean' : String(v)));
  ax.xLabel('Severity');
  ax.yLabel(`ECE (%), ${report.bins} bins`, 62);
  // Legend at the right, with each calibrator's OOD ECE.
  const c = fig.ctx;
  let y = 160;
  c.font = font(14); c.textBaseline = 'middle'; c.textAlign = 'left';
  c.fillStyle = COLORS.text; c.fillText('OOD ECE (all severities)', 960, y - 28);
  for (const s of series) {
    const ood = s.name === 'none' ? report.ood?.pre.ece ?? null : report.calibrators[s.name]!.ood?.ece ?? null;
    c.strokeStyle = CALIBRATOR_COLORS[s.name] ?? COLORS.text; c.lineWidth = 3; c.setLineDash(s.name === 'none' ? [8, 5] : []);
    c.beginPath(); c.moveTo(960, y); c.lineTo(995, y); c.stroke(); c.setLineDash([]);
    c.fillStyle = COLORS.text; c.fillText(`${s.label}  ${pct1(ood)}`, 1005, y);
    y += 30;
  }
  return { file: 'calibrators-severity.png', caption: 'ECE against severity (0 = clean), one line per calibrator fitted on the clean predictions.', png: fig.png() };
}

export function renderFigures(report: Report): RenderedFigure[] {
  return [calibratorSeverityFigure(report), reliabilityFigure(report, 'id'), reliabilityFigure(report, 'ood'), severityFigure(report), corruptionFigure(report)]
    .filter((f): f is RenderedFigure => f !== null);
}
