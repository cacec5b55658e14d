/**
 * Every image of a folder, without an annotation CSV: the source of
 * `fer-c corrupt`. The folder is listed once, when the source is made
 * (scanInputFolder: regular, non-hidden files in name order, not recursive;
 * entries that cannot be followed are skipped with their reason, images under
 * TINY_IMAGE_SIDE px are warned about); each pass then reads that list.
 *
 * With `labels` (a LabelFile keyed by the file's path relative to the folder,
 * i.e. its name) each image carries its annotation, and an image without a
 * row is a counted skip. Without them the samples have no label (−1): a run
 * over them writes images only. A sample's id is its file name without the
 * extension, as for the folder + CSV source.
 */
import { basename } from 'node:path';
import { scanInputFolder, type InputScan } from './input-files.js';
import type { LabelFile } from '../labels/label-file.js';
import type { DatasetClasses, SampleDescriptor } from './sample.js';
import { defineSource, idFromPath, type SampleSource, type SourceOptions } from './sample-source.js';

export interface ImageFolderOptions extends SourceOptions {
  /** The image folder. */
  readonly root: string;
  /** The classes of `labels` (K names); default: none (unlabelled images). */
  readonly classes?: DatasetClasses;
  /** Each image's annotation by its name; an image without a row is skipped. */
  readonly labels?: LabelFile;
  /** Sample ids read first, in this order (e.g. the calibration sample); the rest follow in name order. */
  readonly first?: readonly string[];
  /** The folder as already listed (scanInputFolder), so that it is listed once. */
  readonly scan?: InputScan;
}

export interface ImageFolderSource extends SampleSource {
  /** The folder as listed: its files in name order, the entries skipped and the warnings. */
  readonly scan: InputScan;
  /** The files a pass reads, in its order (labelled ones only, with labels). */
  readonly files: readonly string[];
  /** The file of a sample id. */
  fileOf(id: string): string | undefined;
}

const UNLABELLED: DatasetClasses = { dataset: 'folder', names: [] };

export function readImageFolder(options: ImageFolderOptions): ImageFolderSource {
  const scan = options.scan ?? scanInputFolder(options.root);
  const { labels } = options;
  const labelled = labels ? scan.files.filter((f) => labels.get(basename(f))) : [...scan.files];
  const byId = new Map(labelled.map((f) => [idFromPath(basename(f)), f]));
  const first = (options.first ?? []).filter((id) => byId.has(id));
  const firstSet = new Set(first);
  const files = [...first.map((id) => byId.get(id)!), ...labelled.filter((f) => !firstSet.has(idFromPath(basename(f))))];
  const classes = options.classes ?? UNLABELLED;
  const sampleOf = (file: string): SampleDescriptor => {
    const entry = labels?.get(basename(file));
    return {
      id: idFromPath(basename(file)), file, classes, label: entry?.label ?? -1,
      ...(entry?.va ? { va: entry.va } : {}), ...(entry?.distribution ? { distribution: entry.distribution } : {}),
      meta: entry && labels ? { annotation: labels.fileName, line: entry.line } : {},
    };
  };
  const source = defineSource(classes, options, async function* (context) {
    for (const s of scan.skipped) context.skip({ reason: s.reason, annotation: s.file });
    if (labels) for (const f of scan.files.filter((x) => !labels.get(basename(x)))) context.skip({ reason: `no entry in ${labels.fileName}`, annotation: f });
    for (const w of scan.warnings) context.warn({ message: w });
    for (const file of files) yield sampleOf(file);
  });
  return Object.assign(source, { scan, files, fileOf: (id: string) => byId.get(id) });
}
