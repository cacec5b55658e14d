/**
 * What flows through a FER-C pipeline after the fan-out: one item per image
 * variant (the clean image first, then each corruption × severity), or one
 * item for a sample that had to be skipped. Stages that add a field say so
 * in their type (softLabels() gives LabelledItem), so a stage that needs it
 * (writeLabels, scoreOnline) placed before them does not compile.
 */
import type { CorruptionName, Severity } from '../corruptions/index.js';
import type { RgbImage } from '../image/rgb-image.js';
import type { LabelRow } from '../labels/label-row.js';
import type { SampleDescriptor } from '../sources/sample.js';

/** A sample entering the fan-out: its position in the run and, for video frames, its decoded pixels. */
export interface SampleWork {
  readonly index: number;
  readonly sample: SampleDescriptor;
  readonly pixels?: RgbImage;
}

export interface VariantItem {
  readonly kind: 'variant';
  /** Position of the sample in the run. */
  readonly index: number;
  readonly sample: SampleDescriptor;
  readonly corruption: CorruptionName | 'clean';
  readonly severity: Severity | 0;
  /** The variant as PNG (when images are written). */
  readonly png?: Uint8Array;
  /** The variant's pixels (when a stage in the main thread needs them). */
  readonly image?: RgbImage;
  /** RMS distance to the clean image on RGB / 255 (and SSIM when measured). */
  readonly d?: number;
  readonly ssim?: number;
  /** The model's probabilities over the dataset's classes (when a model runs in the workers). */
  readonly probs?: Float64Array;
  /** Read back from the run folder rather than recomputed (its PNG is already there). */
  readonly reused?: boolean;
  /** The last item of its sample. */
  readonly last: boolean;
}

export interface SkippedItem {
  readonly kind: 'skipped';
  readonly index: number;
  readonly sample: SampleDescriptor;
  readonly reason: string;
}

export type RunItem = VariantItem | SkippedItem;

/** A run item after softLabels(): every variant carries its label row. */
export type LabelledItem<T extends RunItem = RunItem> = T extends VariantItem ? T & { readonly label: LabelRow } : T;

/** Whether this item ends its sample (the point where a sample's credit can be released). */
export function endsSample(item: RunItem): boolean {
  return item.kind === 'skipped' || item.last;
}

/** The fields that name a variant. */
export interface VariantName {
  readonly sample: { readonly id: string };
  readonly corruption: CorruptionName | 'clean';
  readonly severity: Severity | 0;
}

/** Output path of a variant relative to the run folder: clean/<id>.png or <corruption>/<severity>/<id>.png. */
export function variantFile(item: VariantName): string {
  return item.corruption === 'clean' ? `clean/${item.sample.id}.png` : `${item.corruption}/${item.severity}/${item.sample.id}.png`;
}

/** Label / prediction row id of a variant. */
export function variantId(item: VariantName): string {
  return item.corruption === 'clean' ? `${item.sample.id}__clean` : `${item.sample.id}__${item.corruption}__${item.severity}`;
}
