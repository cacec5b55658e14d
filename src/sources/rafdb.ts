/**
 * RAF-DB basic (SPEC.md §1): `EmoLabel/list_patition_label.txt` (sic) holds
 * lines `test_0001.jpg 5` with labels 1–7 (→ class 0–6); the aligned image of
 * `test_0001.jpg` is `Image/aligned/test_0001_aligned.jpg`. The partition is
 * told by the name prefix (train_/test_). An optional distribution file of
 * lines `name p1 … p7` gives each image's label distribution; it is joined by
 * name and must sum to 1 (±1e-3). RAF-DB has no valence/arousal.
 */
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { DISTRIBUTION_SUM_TOLERANCE } from '../labels/fusion.js';
import { RowReader } from '../io/csv-rows.js';
import { RAFDB_CLASSES, type SampleDescriptor } from './sample.js';
import { SourceRoot } from '../io/source-root.js';
import {
  at, defineSource, idFromPath, missingImage, parseIntegerCell, parseNumberCell, type PassContext, type SampleSource, type SourceOptions,
} from './sample-source.js';

export type RafDbPartition = 'train' | 'test' | 'all';

export interface RafDbOptions extends SourceOptions {
  readonly root: string;
  /** Which images (by name prefix); default "test", the paper's test set. */
  readonly partition?: RafDbPartition;
  /** Label list, absolute or relative to root. */
  readonly labelFile?: string;
  /** "aligned" (default): `Image/aligned/<stem>_aligned.jpg`; "original": `Image/original/<name>`. */
  readonly images?: 'aligned' | 'original';
  /** Override the image folder (absolute or relative to root). */
  readonly imagesDir?: string;
  /** Optional distribution file (`name p1 … p7`), absolute or relative to root. */
  readonly distributionFile?: string;
  /** Read images whose real path leaves the image folder (a symlink pointing out). Default false: such a row is an error naming its line. */
  readonly allowOutsideRoot?: boolean;
  /** A listed image that does not exist: a counted skip (default) or an error naming the list and line. */
  readonly missingImages?: 'error' | 'skip';
}

export const RAFDB_DEFAULT_LABEL_FILE = 'EmoLabel/list_patition_label.txt';

interface NamedDistribution { readonly p: readonly number[]; readonly line: number }

export function readRafDb(options: RafDbOptions): SampleSource {
  const root = resolve(options.root);
  const under = (p: string): string => (isAbsolute(p) ? p : join(root, p));
  const labelFile = under(options.labelFile ?? RAFDB_DEFAULT_LABEL_FILE);
  const images = options.images ?? 'aligned';
  if (images !== 'aligned' && images !== 'original') throw new Error(`RAF-DB images must be "aligned" or "original", got "${String(images)}"`);
  const imagesDir = under(options.imagesDir ?? `Image/${images}`);
  const partition = options.partition ?? 'test';
  if (!['train', 'test', 'all'].includes(partition)) throw new Error(`RAF-DB partition must be train, test or all, got "${partition}"`);
  const distributionFile = options.distributionFile === undefined ? undefined : under(options.distributionFile);
  const checkFiles = options.checkFiles ?? true;
  const k = RAFDB_CLASSES.names.length;

  const sourceRoot = new SourceRoot(imagesDir, options.allowOutsideRoot ?? false);
  const missingImages = options.missingImages ?? 'skip';
  /** One line's sample; undefined when it is skipped or not in the partition. Throws what is wrong with it. */
  const allowOutside = options.allowOutsideRoot ?? false;
  const rowSample = (
    fields: readonly string[], line: number, distributions: Map<string, NamedDistribution> | undefined, seen: Map<string, number>, context: PassContext,
  ): SampleDescriptor | undefined => {
    const where = at(labelFile, line);
    if (fields.length !== 2) throw new Error(`${where}: has ${fields.length} fields, expected "<image name> <label 1..7>" (e.g. "test_0001.jpg 5")`);
    const [name, rawLabel] = fields as [string, string];
    const prefix = /^(train|test)_/.exec(name)?.[1];
    if (prefix === undefined) throw new Error(`${where}: image name "${name}" starts with neither train_ nor test_`);
    const label = parseIntegerCell(rawLabel);
    if (label === undefined || label < 1 || label > k) throw new Error(`${where}: label "${rawLabel}" is not an integer 1..${k}`);
    if (partition !== 'all' && prefix !== partition) return undefined;

    const first = seen.get(name);
    if (first !== undefined) throw new Error(`${where}: image "${name}" is listed twice (first on line ${first})`);
    seen.set(name, line);

    let distribution: readonly number[] | undefined;
    if (distributions) {
      distribution = distributions.get(name)?.p;
      if (!distribution) throw new Error(`${where}: "${name}" has no line in the distribution file ${distributionFile}`);
    }

    const stem = basename(name, extname(name));
    const file = images === 'aligned' ? join(imagesDir, `${stem}_aligned.jpg`) : join(imagesDir, name);
    const found = checkFiles || !allowOutside ? sourceRoot.examine(file) : {};
    if (found.outside) throw new Error(`${where}: image "${name}" ${found.outside} (set source.allowOutsideRoot to read it)`);
    if (checkFiles && missingImage(context, file, found.problem, { annotation: labelFile, line, name, missingImages })) return undefined;
    return {
      id: idFromPath(name), file, classes: RAFDB_CLASSES, label: label - 1,
      ...(distribution ? { distribution } : {}),
      meta: { annotation: labelFile, line, ...(distributions ? { distributionLine: distributions.get(name)!.line } : {}) },
    };
  };

  return defineSource(RAFDB_CLASSES, options, async function* (context) {
    const distributions = distributionFile === undefined ? undefined : await readDistributions(distributionFile, k, context);
    const seen = new Map<string, number>();
    for await (const { line, fields } of new RowReader(labelFile, { format: 'whitespace' })) {
      let sample: SampleDescriptor | undefined;
      try { sample = rowSample(fields, line, distributions, seen, context); } catch (e) { context.reject(e); continue; }
      if (sample) yield sample;
    }
  });
}

/** The whole distribution file, by image name (RAF-DB has ~15k lines). */
async function readDistributions(path: string, k: number, context: PassContext): Promise<Map<string, NamedDistribution>> {
  const out = new Map<string, NamedDistribution>();
  for await (const { line, fields } of new RowReader(path, { format: 'whitespace' })) {
    try { addDistribution(out, path, k, line, fields); } catch (e) { context.reject(e); }
  }
  return out;
}

/** One line of the distribution file, checked and added. */
function addDistribution(out: Map<string, NamedDistribution>, path: string, k: number, line: number, fields: readonly string[]): void {
  const where = at(path, line);
  if (fields.length !== k + 1) throw new Error(`${where}: has ${fields.length} fields, expected "<image name> p1 … p${k}" (${k + 1} fields)`);
  const [name, ...raw] = fields as [string, ...string[]];
  const p = raw.map((r, i) => {
    const v = parseNumberCell(r);
    if (v === undefined || v < 0 || v > 1) throw new Error(`${where}: p${i + 1} "${r}" is not a probability in [0, 1]`);
    return v;
  });
  const sum = p.reduce((s, v) => s + v, 0);
  if (Math.abs(sum - 1) > DISTRIBUTION_SUM_TOLERANCE) throw new Error(`${where}: distribution sums to ${sum}, expected 1 (±${DISTRIBUTION_SUM_TOLERANCE})`);
  const earlier = out.get(name);
  if (earlier) throw new Error(`${where}: "${name}" appears twice (first on line ${earlier.line})`);
  out.set(name, { p: p.map((v) => v / sum), line });
}
