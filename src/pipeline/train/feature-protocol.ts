/** Messages between fer-c train's main thread and its feature workers (feature-worker.ts). */
import type { Box } from '../../image/io.js';
import type { FeatureSpec } from '../../models/feature-model.js';

/** One image to extract: its file, and the face box in it (a source's sample). */
export interface FeatureImage {
  readonly file: string;
  readonly box?: Box;
}

export interface FeatureTask {
  readonly index: number;
  readonly images: readonly FeatureImage[];
}

export type FeatureMessage =
  | { readonly kind: 'features'; readonly index: number; readonly rows: Float32Array; readonly dimension: number; readonly rank: number }
  | { readonly kind: 'error'; readonly index: number; readonly error: string };

export interface FeatureWorkerConfig {
  readonly spec: FeatureSpec;
  /** Faces are decoded (and cropped to their box) at this size first, as a run's clean image is. */
  readonly size: number;
}
