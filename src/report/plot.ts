/**
 * A little plotting kit over @napi-rs/canvas (Skia): a figure with a title
 * and axes panels that map data to pixels and draw ticks, grid, labels and
 * legends. Just enough for the report's figures.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GlobalFonts, createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';

/** The family the figures' text is drawn in: DejaVu Sans from the npm package dejavu-fonts-ttf, registered under this name. */
export const FIGURE_FONT = 'fer-c DejaVu Sans';
export const FONT_FAMILY = `"${FIGURE_FONT}"`;

let fontFiles: readonly string[] | undefined;

/**
 * Registers the figures' font (regular and bold) with Skia, once. Skia draws no
 * text at all where a family is missing — and a bare machine has no system
 * fonts — so the font ships as a dependency instead, and the figures look the
 * same everywhere. A missing font file is an error naming it, never text-less
 * figures.
 */
export function registerFigureFont(): readonly string[] {
  if (fontFiles) return fontFiles;
  const require = createRequire(import.meta.url);
  let dir: string;
  try { dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf'); } catch {
    throw new Error('the report figures\' font is missing: the npm package dejavu-fonts-ttf is not installed (npm ci)');
  }
  const files = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(dir, f));
  for (const file of files) {
    if (!GlobalFonts.registerFromPath(file, FIGURE_FONT)) throw new Error(`${file}: cannot register the report figures' font`);
  }
  fontFiles = files;
  return files;
}

export const font = (px: number, weight: 'normal' | 'bold' = 'normal'): string => `${weight} ${px}px ${FONT_FAMILY}`;

/** Pre and Post are drawn in these colours in every figure. */
export const COLORS = { pre: '#1f5fa8', post: '#e07b00', gap: 'rgba(214, 39, 40, 0.22)', gapEdge: '#c0282b', ideal: '#555555', grid: '#e3e3e3', axis: '#333333', text: '#222222', muted: '#666666' } as const;

export interface Rect { readonly x: number; readonly y: number; readonly w: number; readonly h: number }

export class Figure {
  readonly canvas: Canvas;
  readonly ctx: SKRSContext2D;

  constructor(readonly width: number, readonly height: number) {
    registerFigureFont();
    this.canvas = createCanvas(width, height);
    this.ctx = this.canvas.getContext('2d');
    this.ctx.fillStyle = '#ffffff';
    this.ctx.fillRect(0, 0, width, height);
  }

  title(text: string, subtitle?: string): void {
    const c = this.ctx;
    c.fillStyle = COLORS.text;
    c.textAlign = 'center';
    c.textBaseline = 'top';
    c.font = font(22, 'bold');
    c.fillText(text, this.width / 2, 14);
    if (subtitle) { c.font = font(14); c.fillStyle = COLORS.muted; c.fillText(subtitle, this.width / 2, 44); }
  }

  /** A one-line legend centred at height y (outside the panels, so it hides no data). */
  legendRow(items: readonly LegendItem[], y: number): void {
    const c = this.ctx;
    c.font = font(14);
    const markW = 26, gap = 10, between = 34;
    const widths = items.map((i) => markW + gap + c.measureText(i.label).width);
    let x = (this.width - widths.reduce((a, b) => a + b, 0) - between * (items.length - 1)) / 2;
    items.forEach((item, i) => {
      drawLegendMark(c, item, x, y, markW);
      c.fillStyle = COLORS.text; c.textAlign = 'left'; c.textBaseline = 'middle';
      c.fillText(item.label, x + markW + gap, y);
      x += widths[i]! + between;
    });
  }

  png(): Buffer { return this.canvas.toBuffer('image/png'); }
}

function drawLegendMark(c: SKRSContext2D, item: LegendItem, x: number, cy: number, markW: number): void {
  if (item.mark === 'hatch') hatch(c, x, cy - 6, markW, 12);
  else if (item.mark === 'box') { c.fillStyle = item.color; c.fillRect(x, cy - 6, markW, 12); }
  else {
    c.strokeStyle = item.color; c.lineWidth = 2.5; c.setLineDash(item.mark === 'dashed' ? [6, 4] : []);
    c.beginPath(); c.moveTo(x, cy); c.lineTo(x + markW, cy); c.stroke(); c.setLineDash([]);
    if (item.marker) drawMarker(c, item.marker, x + markW / 2, cy, item.color);
  }
}

export type LegendMark = 'box' | 'line' | 'dashed' | 'hatch';

export interface LegendItem { readonly label: string; readonly color: string; readonly mark: LegendMark; readonly marker?: 'circle' | 'square' }

export class Axes {
  constructor(readonly ctx: SKRSContext2D, readonly rect: Rect, readonly xRange: readonly [number, number], readonly yRange: readonly [number, number]) {}

  x(v: number): number { const [a, b] = this.xRange; return this.rect.x + ((v - a) / (b - a)) * this.rect.w; }
  y(v: number): number { const [a, b] = this.yRange; return this.rect.y + this.rect.h - ((v - a) / (b - a)) * this.rect.h; }

  /** Grid lines at the y ticks (and x ticks when given), then the frame. */
  frame(yTicks: readonly number[], xTicks: readonly number[] = []): void {
    const c = this.ctx, r = this.rect;
    c.strokeStyle = COLORS.grid;
    c.lineWidth = 1;
    c.setLineDash([]);
    for (const t of yTicks) { c.beginPath(); c.moveTo(r.x, Math.round(this.y(t)) + 0.5); c.lineTo(r.x + r.w, Math.round(this.y(t)) + 0.5); c.stroke(); }
    for (const t of xTicks) { c.beginPath(); c.moveTo(Math.round(this.x(t)) + 0.5, r.y); c.lineTo(Math.round(this.x(t)) + 0.5, r.y + r.h); c.stroke(); }
    c.strokeStyle = COLORS.axis;
    c.lineWidth = 1.5;
    c.strokeRect(r.x, r.y, r.w, r.h);
  }

  yTickLabels(ticks: readonly number[], format: (v: number) => string): void {
    const c = this.ctx;
    c.fillStyle = COLORS.text; c.font = font(13); c.textAlign = 'right'; c.textBaseline = 'middle';
    for (const t of ticks) c.fillText(format(t), this.rect.x - 8, this.y(t));
  }

  xTickLabels(ticks: readonly number[], format: (v: number) => string): void {
    const c = this.ctx;
    c.fillStyle = COLORS.text; c.font = font(13); c.textAlign = 'center'; c.textBaseline = 'top';
    for (const t of ticks) c.fillText(format(t), this.x(t), this.rect.y + this.rect.h + 7);
  }

  xLabel(text: string, offset = 32): void {
    const c = this.ctx;
    c.fillStyle = COLORS.text; c.font = font(15); c.textAlign = 'center'; c.textBaseline = 'top';
    c.fillText(text, this.rect.x + this.rect.w / 2, this.rect.y + this.rect.h + offset);
  }

  yLabel(text: string, offset = 52): void {
    const c = this.ctx;
    c.save();
    c.translate(this.rect.x - offset, this.rect.y + this.rect.h / 2);
    c.rotate(-Math.PI / 2);
    c.fillStyle = COLORS.text; c.font = font(15); c.textAlign = 'center'; c.textBaseline = 'bottom';
    c.fillText(text, 0, 0);
    c.restore();
  }

  title(text: string): void {
    const c = this.ctx;
    c.fillStyle = COLORS.text; c.font = font(17, 'bold'); c.textAlign = 'center'; c.textBaseline = 'bottom';
    c.fillText(text, this.rect.x + this.rect.w / 2, this.rect.y - 10);
  }

  /** A legend box inside the panel at a corner. */
  legend(items: readonly LegendItem[], corner: 'top-left' | 'bottom-right' | 'top-right' = 'top-left'): void {
    const c = this.ctx;
    c.font = font(13);
    const lineH = 20, pad = 8, markW = 26;
    const w = pad * 3 + markW + Math.max(...items.map((i) => c.measureText(i.label).width));
    const h = pad * 2 + lineH * items.length - 4;
    const x = corner === 'top-left' ? this.rect.x + 10 : this.rect.x + this.rect.w - w - 10;
    const y = corner === 'bottom-right' ? this.rect.y + this.rect.h - h - 10 : this.rect.y + 10;
    c.fillStyle = 'rgba(255,255,255,0.92)'; c.fillRect(x, y, w, h);
    c.strokeStyle = '#bbbbbb'; c.lineWidth = 1; c.setLineDash([]); c.strokeRect(x + 0.5, y + 0.5, w, h);
    items.forEach((item, i) => {
      const cy = y + pad + i * lineH + 7;
      const mx = x + pad;
      drawLegendMark(c, item, mx, cy, markW);
      c.fillStyle = COLORS.text; c.textAlign = 'left'; c.textBaseline = 'middle';
      c.fillText(item.label, mx + markW + pad, cy);
    });
  }
}

/** A translucent red box with diagonal red hatching and a red edge (the calibration gap). */
export function hatch(c: SKRSContext2D, x: number, y: number, w: number, h: number): void {
  if (h <= 0 || w <= 0) return;
  c.save();
  c.fillStyle = COLORS.gap;
  c.fillRect(x, y, w, h);
  c.beginPath(); c.rect(x, y, w, h); c.clip();
  // White under red: the stripes show on white and on a coloured bar alike.
  c.setLineDash([]);
  c.beginPath();
  for (let d = -h; d < w; d += 7) { c.moveTo(x + d, y + h); c.lineTo(x + d + h, y); }
  c.strokeStyle = 'rgba(255,255,255,0.9)'; c.lineWidth = 3; c.stroke();
  c.strokeStyle = COLORS.gapEdge; c.lineWidth = 1.2; c.stroke();
  c.restore();
  c.strokeStyle = COLORS.gapEdge; c.lineWidth = 1;
  c.strokeRect(x + 0.5, y + 0.5, Math.max(w - 1, 0), Math.max(h - 1, 0));
}

export function drawMarker(c: SKRSContext2D, marker: 'circle' | 'square', x: number, y: number, color: string): void {
  c.fillStyle = color;
  c.beginPath();
  if (marker === 'circle') c.arc(x, y, 4.5, 0, 2 * Math.PI);
  else c.rect(x - 4, y - 4, 8, 8);
  c.fill();
}

/** "Nice" tick values covering [0, max]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

export const percent = (v: number): string => `${Number((v * 100).toPrecision(6))}%`;
