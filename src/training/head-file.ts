/**
 * head.json: a trained head with what it needs to be used again — the
 * backbone's predictions block, the feature layer, the classes, W and b in
 * float64 (JSON numbers round-trip a float64 exactly, so a head saved and
 * loaded gives the same probabilities, bit for bit).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import type { FileModelDescription } from '../models/model-description.js';
import { LinearHead } from './linear-head.js';

export interface HeadFile {
  readonly format: 'fer-c-head';
  readonly version: 1;
  readonly backbone: FileModelDescription;
  readonly layer: string;
  /** The feature tensor's rank (4: pooled over positions). */
  readonly rank: number;
  /** The head's outputs, in order (the dataset's classes). */
  readonly classes: readonly string[];
  readonly loss: string;
  readonly epochs: number;
  /** K rows of D. */
  readonly weight: readonly (readonly number[])[];
  readonly bias: readonly number[];
}

export function headFileOf(head: LinearHead, meta: Omit<HeadFile, 'format' | 'version' | 'weight' | 'bias'>): HeadFile {
  const D = head.features;
  const weight = Array.from({ length: head.classes }, (_, k) => Array.from(head.weight.subarray(k * D, (k + 1) * D)));
  return { format: 'fer-c-head', version: 1, ...meta, weight, bias: Array.from(head.bias) };
}

export function saveHead(path: string, file: HeadFile): void {
  writeFileAtomic(path, `${JSON.stringify(file)}\n`);
}

/** Reads head.json; errors name the file. */
export function loadHead(path: string): { file: HeadFile; head: LinearHead } {
  let file: HeadFile;
  try { file = JSON.parse(readFileSync(path, 'utf8')) as HeadFile; } catch (e) { throw new Error(`${path}: not a fer-c head file (${(e as Error).message.split('\n')[0]})`); }
  if (file.format !== 'fer-c-head' || file.version !== 1) throw new Error(`${path}: not a fer-c head file (format ${String(file.format)})`);
  const K = file.weight.length, D = file.weight[0]?.length ?? 0;
  if (file.classes.length !== K) throw new Error(`${path}: ${file.classes.length} classes, ${K} weight rows`);
  return { file, head: new LinearHead(K, D, file.weight.flat(), file.bias) };
}
