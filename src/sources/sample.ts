/**
 * What every source emits (SPEC.md §1): a descriptor of one sample. Sources do
 * not decode images — decoding happens inside the pipeline's bounded-concurrency
 * stage — so a source can walk a dataset of any size in constant memory.
 */
import type { Box } from '../image/io.js';

export interface DatasetClasses {
  /** Dataset name, e.g. "affectnet". */
  readonly dataset: string;
  /** Class names in index order. */
  readonly names: readonly string[];
}

export interface SampleDescriptor {
  /** Stable, unique id: names output files and joins predictions. */
  readonly id: string;
  /** Image file (absolute path), or, for video frames, the video file. */
  readonly file: string;
  /** Face box in source pixels (x, y, width, height); absent = whole image. */
  readonly box?: Box;
  /** Frame index for video sources (0-based); absent for still images. */
  readonly frame?: number;
  readonly classes: DatasetClasses;
  /** Class index in 0..K-1. */
  readonly label: number;
  /** Valence/arousal in [-1, 1], when annotated. */
  readonly va?: readonly [number, number];
  /** A given label distribution over the K classes (RAF-DB), when available. */
  readonly distribution?: readonly number[];
  /** Where it came from (file and line of the annotation), for messages and manifests. */
  readonly meta: { readonly annotation?: string; readonly line?: number; readonly [key: string]: unknown };
}

/** Samples a source skipped, with the reason (counted and reported, never silent). */
export interface SkipRecord {
  readonly reason: string;
  readonly annotation?: string;
  readonly line?: number;
}

export const AFFECTNET_CLASSES: DatasetClasses = {
  dataset: 'affectnet',
  names: ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'],
};
export const AFFWILD_CLASSES: DatasetClasses = {
  dataset: 'affwild',
  names: ['Neutral', 'Anger', 'Disgust', 'Fear', 'Happiness', 'Sadness', 'Surprise'],
};
export const RAFDB_CLASSES: DatasetClasses = {
  dataset: 'rafdb',
  names: ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'],
};
