/**
 * Sum of several centre zooms of an RGB image, each the reference's
 * `clipped_zoom`: crop the centre ch = ⌈n / z⌉ samples per axis (from
 * (n − ch) // 2), resize it with scipy.ndimage.zoom(order=1) to round(ch·z)
 * samples (≥ n), keep the first n. scipy's zoom (grid_mode=False) samples
 * output o at input coordinate o·(ch − 1)/(out − 1) with linear interpolation.
 *
 * One data-parallel kernel reads 4 pixels per zoom for every output value,
 * with the sample positions computed in the kernel (see zoomSumSpec). On the
 * CPU backends its plain twin (zoomSumPlain) runs instead: it spares each
 * worker the compile of five heavily unrolled kernels (0.3–0.5 s, most of
 * a one-image run's start-up in the worker that gets zoom_blur) at 1.05–1.15×
 * the webasm kernel's time per call (bench/kernel-twins.ts, loads 2–5: 14.9
 * vs 12.7, 18.8 vs 18.0 ms), about 1% of a long run's time.
 */
import type { KernelFunction } from 'gpu.js';
import type { KernelHost, KernelSpec } from '../../gpu/kernel-host.js';

/** Python's round(): half to even (scipy sizes its zoom output with it). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** One axis of one clipped zoom: crop start and length, and the output → crop coordinate ratio. */
export interface ZoomAxis {
  /** First cropped sample, (n − ch) // 2. */
  readonly top: number;
  /** Crop length ch = ⌈n / z⌉. */
  readonly ch: number;
  /** Output o samples crop coordinate o · ratio = o·(ch − 1)/(out − 1). */
  readonly ratio: number;
}

export function clippedZoomAxis(n: number, zoom: number): ZoomAxis {
  const ch = Math.ceil(n / zoom);
  const top = Math.floor((n - ch) / 2);
  const out = roundHalfEven(ch * zoom);
  return { top, ch, ratio: out > 1 ? (ch - 1) / (out - 1) : 1 };
}

/** A float literal that round-trips the value and that GLSL reads as a float. */
function floatLiteral(v: number): string {
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * The statements sampling one axis of zoom k at output coordinate `o`:
 * `${v}${k}` = first source sample, `t${v}${k}` = weight of the next.
 * scipy reads the last crop sample ch − 1 as (ch − 2, ch − 1) with weight 1;
 * reading (ch − 1, ch) with weight 0 is the same value up to rounding (linear
 * interpolation is continuous) and saves a Math.min per axis, as long as
 * sample top + ch exists (top + ch ≤ n − 1 holds for every zoom > 1).
 */
function axisStatements(v: 'r' | 'q', o: string, k: number, n: number, zoom: number): string[] {
  const { top, ch, ratio } = clippedZoomAxis(n, zoom);
  const c = `c${v}${k}`;
  const first = top + ch <= n - 1 ? `Math.floor(${c})` : `Math.min(Math.floor(${c}), ${floatLiteral(ch - 2)})`;
  return [
    `const ${c} = ${o} * ${floatLiteral(ratio)};`,
    `const ${v}${k} = ${first};`,
    `const t${v}${k} = ${c} - ${v}${k};`,
  ];
}

/**
 * Kernel spec: out[i] = Σ_k bilinear(zoom k) at output i, unrolled over the
 * zooms with each zoom's crop and ratio written in as literals (fixed per
 * severity and image size, so one compile each), and the sample positions
 * computed in the kernel. Measured against a loop reading per-zoom row and
 * column tables (4 table reads per zoom): 13.9 against 16.3 ms for 15 zooms
 * over 224×224×3 in gpu.js cpu mode; the 4 image reads per zoom are the rest.
 */
function zoomSumSpec(width: number, height: number, zooms: readonly number[]): KernelSpec {
  const w3 = width * 3;
  const lines = [
    'const i = this.thread.x;',
    `const y = Math.floor(i / ${floatLiteral(w3)});`,
    `const xc = i - y * ${floatLiteral(w3)};`,
    'const x = Math.floor(xc / 3.0);',
    'const c = xc - x * 3.0;',
    'let sum = 0.0;',
  ];
  zooms.forEach((zoom, k) => {
    lines.push(...axisStatements('r', 'y', k, height, zoom), ...axisStatements('q', 'x', k, width, zoom));
    const { top: rowTop } = clippedZoomAxis(height, zoom), { top: colTop } = clippedZoomAxis(width, zoom);
    lines.push(
      `const a${k} = (r${k} + ${floatLiteral(rowTop)}) * ${floatLiteral(w3)} + (q${k} + ${floatLiteral(colTop)}) * 3.0 + c;`,
      `const p${k} = img[a${k}];`,
      `const up${k} = p${k} + tq${k} * (img[a${k} + 3] - p${k});`,
      `const d${k} = img[a${k} + ${w3}];`,
      `const down${k} = d${k} + tq${k} * (img[a${k} + ${w3 + 3}] - d${k});`,
      `sum += up${k} + tr${k} * (down${k} - up${k});`,
    );
  });
  lines.push('return sum;');
  return {
    name: `zoom-sum/${width}x${height}/${zooms.join(',')}`,
    fn: new Function('img', lines.join('\n')) as KernelFunction,
    output: width * height * 3,
    twin: (img) => zoomSumPlain(img as Float32Array, width, height, zooms),
  };
}

/** Σ over `zooms` (each > 1) of clipped_zoom(image, z), for a W×H RGB image (compact, interleaved). */
export function zoomSum(host: KernelHost, data: Float32Array, width: number, height: number, zooms: readonly number[]): Promise<Float32Array> {
  if (data.length !== width * height * 3) throw new Error(`zoomSum: data has ${data.length} values, ${width}x${height}x3 needs ${width * height * 3}`);
  if (zooms.length === 0) throw new Error('zoomSum: no zoom factors');
  if (zooms.some((z) => !(z > 1))) throw new Error(`zoomSum: zoom factors must exceed 1, got ${zooms.join(', ')}`);
  const key = `${width}x${height}/${zooms.join(',')}`;
  let spec = ZOOM_SPECS.get(key);
  if (!spec) { spec = zoomSumSpec(width, height, zooms); ZOOM_SPECS.set(key, spec); }
  return host.run(spec, data);
}

/** One spec (and Function) per zoom list and size: the severities come back for every image. */
const ZOOM_SPECS = new Map<string, KernelSpec>();

/** Per zoom: each output row's (or column's) first crop sample and the next one's weight. */
interface ZoomTables { readonly rows: Int32Array; readonly rowT: Float32Array; readonly cols: Int32Array; readonly colT: Float32Array; readonly colSpan: number; readonly rowTop: number; readonly colTop: number }

function zoomTables(width: number, height: number, zoom: number): ZoomTables {
  const ra = clippedZoomAxis(height, zoom), ca = clippedZoomAxis(width, zoom);
  const rows = new Int32Array(height), rowT = new Float32Array(height);
  for (let y = 0; y < height; y++) {
    const c = y * ra.ratio;
    const r = ra.top + ra.ch <= height - 1 ? Math.floor(c) : Math.min(Math.floor(c), ra.ch - 2);
    rows[y] = r; rowT[y] = c - r;
  }
  const cols = new Int32Array(width), colT = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const c = x * ca.ratio;
    const q = ca.top + ca.ch <= width - 1 ? Math.floor(c) : Math.min(Math.floor(c), ca.ch - 2);
    cols[x] = q; colT[x] = c - q;
  }
  return { rows, rowT, cols, colT, colSpan: cols[width - 1]! + 2, rowTop: ra.top, colTop: ca.top };
}

/**
 * zoomSum in plain TypeScript, for the CPU backends: the same bilinear samples
 * as the kernel, taken row by row — for each output row every zoom first
 * blends its two source rows over the columns it reads (one lerp per value,
 * contiguous), then each output value sums, over the zooms, the blend of two
 * neighbours of that zoom's line. The per-zoom row/column tables are made
 * once per (size, zoom).
 */
export function zoomSumPlain(data: Float32Array, width: number, height: number, zooms: readonly number[]): Float32Array {
  const w3 = width * 3;
  const nz = zooms.length;
  const out = new Float32Array(w3 * height);
  const tables = zooms.map((zoom) => {
    const key = `${width}x${height}/${zoom}`;
    let t = ZOOM_TABLES.get(key);
    if (!t) { t = zoomTables(width, height, zoom); ZOOM_TABLES.set(key, t); }
    return t;
  });
  // Every zoom's row blend for the current output row, one line each (w3 + 6 values apart), and
  // every zoom's column tables interleaved by x: entry (x·nz + k) is zoom k's at column x.
  const stride = w3 + 6;
  // float64, as the sums (float32 lines measured ~13% slower: a conversion per read, a rounding per write)
  const lines = new Float64Array(stride * nz);
  const cols = new Int32Array(width * nz), colT = new Float64Array(width * nz);
  tables.forEach((t, k) => {
    for (let x = 0; x < width; x++) { cols[x * nz + k] = t.cols[x]! * 3 + k * stride; colT[x * nz + k] = t.colT[x]!; }
  });
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < nz; k++) {
      const t = tables[k]!;
      const a = (t.rows[y]! + t.rowTop) * w3 + t.colTop * 3;
      const b = a + w3;
      const tr = t.rowT[y]!;
      const span = t.colSpan * 3;
      const o = k * stride;
      for (let j = 0; j < span; j++) { const p = data[a + j]!; lines[o + j] = p + tr * (data[b + j]! - p); }
    }
    let o = y * w3;
    for (let x = 0; x < width; x++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let e = x * nz, end = e + nz; e < end; e++) {
        const q = cols[e]!, tq = colT[e]!;
        const l0 = lines[q]!, l1 = lines[q + 1]!, l2 = lines[q + 2]!;
        s0 += l0 + tq * (lines[q + 3]! - l0);
        s1 += l1 + tq * (lines[q + 4]! - l1);
        s2 += l2 + tq * (lines[q + 5]! - l2);
      }
      out[o] = s0; out[o + 1] = s1; out[o + 2] = s2;
      o += 3;
    }
  }
  return out;
}

const ZOOM_TABLES = new Map<string, ZoomTables>();
