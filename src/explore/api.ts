/**
 * The explorer's JSON API, as plain functions from checked parameters to
 * JSON-able values (the server routes to them). Query parameters are only
 * ever matched against fixed patterns and lists (a corruption must be one of
 * the run's, a class an integer in range): nothing is evaluated, and nothing
 * reaches a file path.
 */
import type { Report } from '../report/report.js';
import { logitsOf, probabilitiesOf } from '../predictions/prediction-row.js';
import { readFaceRows, type VariantRow } from './face-rows.js';
import { binMembers, filterFaces, reliabilityOf, Scratch, type FaceFilter, type FaceSummary } from './queries.js';
import { DEFAULT_BINS } from '../metrics/metric.js';
import { NO_PREDICTION, type RowSelection, type RunIndex } from './run-index.js';
import type { RunFolder } from './run-folder.js';

/** A bad query parameter: answered 400 with this message. */
export class BadRequest extends Error {
  constructor(message: string) { super(message); this.name = 'BadRequest'; }
}

/** Faces or images on one page unless the page asks for another `size`. */
export const PAGE_SIZE = 48;
/** The most items one page may ask for. */
export const MAX_PAGE_SIZE = 200;

/** Reads checked values out of URLSearchParams; unknown parameters are refused, so a typo is not silently ignored. */
export class Params {
  constructor(private readonly params: URLSearchParams, allowed: readonly string[]) {
    for (const key of params.keys()) if (!allowed.includes(key)) throw new BadRequest(`unknown parameter "${key}" (allowed: ${allowed.join(', ')})`);
  }

  private raw(name: string): string | undefined {
    const all = this.params.getAll(name);
    if (all.length > 1) throw new BadRequest(`parameter "${name}" given ${all.length} times`);
    return all[0] === '' ? undefined : all[0];
  }

  integer(name: string, min: number, max: number): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new BadRequest(`${name} must be a whole number in ${min}–${max}, got ${JSON.stringify(v.slice(0, 40))}`);
    return Number(v);
  }

  fraction(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/.test(v)) throw new BadRequest(`${name} must be a number in 0–1, got ${JSON.stringify(v.slice(0, 40))}`);
    return Number(v);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw new BadRequest(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v.slice(0, 40))}`);
    return v as T;
  }
}

/** The page asked for (`page`, 1-based, clamped to the last) of `total` items, `size` (default PAGE_SIZE) a page. */
function pageOf(p: Params, total: number): { page: number; pages: number; size: number } {
  const size = p.integer('size', 1, MAX_PAGE_SIZE) ?? PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(total / size));
  return { page: Math.min(p.integer('page', 1, 1e9) ?? 1, pages), pages, size };
}

/** The run at a glance: the report's headline numbers and calibrators table, and what the index knows. */
export function overview(run: RunFolder, index: RunIndex, indexState: { readonly error: string | null }) {
  const r: Report | null = run.report;
  const headline = (g: Report['id']) => (g ? { count: g.count, pre: g.pre, post: g.post } : null);
  return {
    folder: run.dir,
    faces: run.faces.length,
    skipped: run.skipped,
    classes: run.classNames,
    hasModel: run.predictionColumns !== null,
    predictionKind: run.predictionColumns?.kind ?? null,
    warnings: run.warnings,
    index: { faces: index.faces, rows: index.rows, complete: index.complete, error: indexState.error, corruptions: index.corruptions.slice(1) },
    report: r ? {
      model: r.model?.name ?? null, bins: r.bins, temperature: r.temperature, temperatureSource: r.temperature_source, counts: r.counts,
      id: headline(r.id), ood: headline(r.ood), all: headline(r.all), notes: r.notes,
      calibrators: Object.entries(r.calibrators ?? {}).map(([name, c]) => ({ name, id: c.id, ood: c.ood })),
    } : null,
  };
}

/** The report's bin count (the diagrams must bin as the report did), else the metrics' default. */
function binCountOf(run: RunFolder): number {
  return run.report?.bins ?? DEFAULT_BINS;
}

/** The selection named by `corruption`, `severity`, `label` and `split`, each checked against the run. */
export function selectionOf(p: Params, index: RunIndex, classes: number): RowSelection {
  const corruption = p.oneOf('corruption', index.corruptions);
  const severity = p.integer('severity', 0, 5);
  const label = p.integer('label', 0, classes - 1);
  const split = p.oneOf('split', ['id', 'ood'] as const);
  return {
    ...(corruption !== undefined ? { corruption } : {}), ...(severity !== undefined ? { severity } : {}),
    ...(label !== undefined ? { label } : {}), ...(split !== undefined ? { split } : {}),
  };
}

/** One page of the face grid. */
export function facesPage(run: RunFolder, index: RunIndex, cache: ApiCache, params: URLSearchParams) {
  const p = new Params(params, ['page', 'size', 'label', 'split', 'wrong']);
  const label = p.integer('label', 0, run.classes - 1);
  const split = p.oneOf('split', ['id', 'ood'] as const);
  const wrongAbove = p.fraction('wrong');
  const filter: FaceFilter = { ...(label !== undefined ? { label } : {}), ...(split !== undefined ? { split } : {}), ...(wrongAbove !== undefined ? { wrongAbove } : {}) };
  const matching = cache.faceLists.get(JSON.stringify(filter), () => filterFaces(index, filter));
  const { page, pages, size } = pageOf(p, matching.length);
  const c = index.col;
  return {
    total: matching.length, page, pages, pageSize: size,
    faces: matching.slice((page - 1) * size, page * size).map((s) => {
      const first = index.faceStart[s.index]!;
      return { ...s, id: run.faces[s.index]!.id, file: index.faceFile[s.index] ?? null, clean: c.corruption[first] === 0 };
    }),
  };
}

/** A variant as the page shows it: the numbers, the image path, the marks. */
function variantJson(v: VariantRow, index: RunIndex, row: number) {
  const c = index.col;
  const hasPrediction = c.predicted[row] !== NO_PREDICTION;
  return {
    row, id: v.id, file: v.file, corruption: v.corruption, severity: v.severity, visibility: v.visibility, label: v.label,
    trueClass: c.trueClass[row], soft: [...v.soft],
    prediction: hasPrediction ? {
      pre: [...probabilitiesOf(v.prediction!)],
      predicted: c.predicted[row], confidence: c.confPre[row], correctness: c.corrPre[row],
      ...(index.hasPost ? { post: [...index.temperature!.applyRow(logitsOf(v.prediction!), new Float64Array(index.run.classes))], confidencePost: c.confPost[row], correctnessPost: c.corrPost[row] } : {}),
    } : null,
  };
}

/** A least-recently-used map: the explorer's caches of parsed faces and of query results. */
export class Lru<V> {
  private readonly items = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string, make: () => V): V {
    let v = this.items.get(key);
    if (v !== undefined) { this.items.delete(key); this.items.set(key, v); return v; }
    v = make();
    this.items.set(key, v);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
    return v;
  }
}

/**
 * What the API keeps between requests: parsed faces (a face view reads its
 * face again on every key press), and the last results of the scans over the
 * index (a page of a filter or bin, then the next page, scan once).
 */
export class ApiCache {
  readonly faces = new Lru<VariantRow[]>(32);
  readonly faceLists = new Lru<FaceSummary[]>(16);
  readonly reliability = new Lru<ReturnType<typeof reliabilityOf>>(64);
  readonly bins = new Lru<Uint32Array>(16);
  readonly scratch = new Scratch();
  constructor(readonly run: RunFolder) {}

  face(face: number): VariantRow[] { return this.faces.get(String(face), () => readFaceRows(this.run, this.run.faces[face]!)); }
}

/** One face: its variants, and the faces before and after it in the run. */
export function faceView(run: RunFolder, index: RunIndex, cache: ApiCache, params: URLSearchParams) {
  const p = new Params(params, ['i']);
  const i = p.integer('i', 0, run.faces.length - 1);
  if (i === undefined) throw new BadRequest('i (the face) is required');
  if (i >= index.faces) throw new BadRequest(`face ${i} is not indexed yet`);
  const rows = cache.face(i);
  const start = index.faceStart[i]!;
  return { index: i, id: run.faces[i]!.id, faces: run.faces.length, label: index.col.label[start], variants: rows.map((v, k) => variantJson(v, index, start + k)) };
}

/** A selection's reliability diagram, Pre and Post. */
export function reliabilityView(run: RunFolder, index: RunIndex, cache: ApiCache, params: URLSearchParams) {
  const p = new Params(params, ['corruption', 'severity', 'label', 'split']);
  const selection = selectionOf(p, index, run.classes);
  const bins = binCountOf(run);
  return { selection, bins, ...cache.reliability.get(JSON.stringify(selection), () => reliabilityOf(index, selection, bins, cache.scratch)) };
}

/** The images of one bin of a selection's diagram, a page at a time. */
export function binView(run: RunFolder, index: RunIndex, cache: ApiCache, params: URLSearchParams) {
  const p = new Params(params, ['corruption', 'severity', 'label', 'split', 'side', 'bin', 'page', 'size']);
  const selection = selectionOf(p, index, run.classes);
  const bins = binCountOf(run);
  const side = p.oneOf('side', ['pre', 'post'] as const) ?? 'pre';
  if (side === 'post' && !index.hasPost) throw new BadRequest('no Post: the run has no report with a temperature');
  const bin = p.integer('bin', 0, bins - 1);
  if (bin === undefined) throw new BadRequest('bin is required');
  const members = cache.bins.get(JSON.stringify([selection, side, bin]), () => binMembers(index, selection, bins, side, bin));
  const { page, pages, size } = pageOf(p, members.length);
  const c = index.col;
  // Ids and paths are not in the index: read back from labels.csv, a face at a time (no predictions needed).
  const labelsOf = new Map<number, VariantRow[]>();
  const images = [...members.subarray((page - 1) * size, page * size)].map((row) => {
    const face = c.face[row]!;
    if (!labelsOf.has(face)) labelsOf.set(face, readFaceRows(run, run.faces[face]!, false));
    const v = labelsOf.get(face)![row - index.faceStart[face]!]!;
    return {
      row, face, variant: row - index.faceStart[face]!, id: v.id, file: v.file, corruption: v.corruption, severity: v.severity, visibility: v.visibility, label: v.label, trueClass: c.trueClass[row],
      predicted: c.predicted[row], confidence: side === 'pre' ? c.confPre[row] : c.confPost[row], correctness: side === 'pre' ? c.corrPre[row] : c.corrPost[row],
    };
  });
  return { selection, side, bin, total: members.length, page, pages, pageSize: size, images };
}
