/** training-curves.png: the training loss and the held-out ID ECE / NLL per epoch, one line per head (src/report/plot.ts). */
import { Axes, Figure, niceTicks } from '../report/plot.js';
import { lineSeries } from '../report/figures.js';
import type { EpochRecord } from './train-head.js';

/** Line colours of the heads, in order. */
const HEAD_COLORS = ['#1f5fa8', '#e07b00', '#2a9d3a', '#c0282b', '#7b4fa8', '#555555'] as const;

type Key = 'train_loss' | 'heldout_ece' | 'heldout_nll';

function panel(fig: Figure, x: number, heads: readonly { name: string; history: readonly EpochRecord[] }[], key: Key, title: string, format: (v: number) => string): void {
  const values = heads.flatMap((h) => h.history.map((r) => r[key])).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const epochs = Math.max(1, ...heads.map((h) => h.history.length));
  const top = values.length ? Math.max(...values) : 1;
  const yTicks = niceTicks(top > 0 ? top : 1);
  const ax = new Axes(fig.ctx, { x, y: 110, w: 330, h: 400 }, [1, Math.max(2, epochs)], [0, yTicks[yTicks.length - 1]!]);
  const xTicks = niceTicks(epochs).filter((t) => t >= 1);
  ax.frame(yTicks, xTicks);
  ax.yTickLabels(yTicks, format);
  ax.xTickLabels(xTicks, (v) => String(v));
  ax.xLabel('epoch');
  ax.title(title);
  heads.forEach((h, i) => {
    // At most ~60 markers a line: every epoch of a 1000-epoch head would be a solid bar of markers.
    const step = Math.max(1, Math.ceil(h.history.length / 60));
    const shown = h.history.filter((_, j) => j % step === 0 || j === h.history.length - 1);
    lineSeries(ax, shown.map((r) => r.epoch), shown.map((r) => r[key] ?? null), HEAD_COLORS[i % HEAD_COLORS.length]!, i % 2 === 1, i % 2 === 0 ? 'circle' : 'square');
  });
  if (x < 200) ax.legend(heads.map((h, i) => ({ label: h.name, color: HEAD_COLORS[i % HEAD_COLORS.length]!, mark: i % 2 === 1 ? 'dashed' as const : 'line' as const })), 'top-right');
}

/** The PNG bytes; `subtitle` says on what (rows, held-out rows). */
export function trainingCurvesPng(heads: readonly { name: string; history: readonly EpochRecord[] }[], subtitle: string): Buffer {
  const fig = new Figure(1300, 600);
  fig.title('Training curves', subtitle);
  panel(fig, 100, heads, 'train_loss', 'training loss', (v) => v.toPrecision(3));
  panel(fig, 520, heads, 'heldout_ece', 'held-out ID ECE', (v) => `${(v * 100).toFixed(1)}%`);
  panel(fig, 940, heads, 'heldout_nll', 'held-out ID NLL', (v) => v.toPrecision(3));
  return fig.png();
}
