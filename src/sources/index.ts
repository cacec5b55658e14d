/** Dataset sources (SPEC.md §1): pull-based descriptors of samples, and the credit gate that paces them. */
export type { DatasetClasses, SampleDescriptor, SkipRecord } from './sample.js';
export { AFFECTNET_CLASSES, AFFWILD_CLASSES, RAFDB_CLASSES } from './sample.js';
export {
  SkipTally, defineSource, idFromPath, isFile, fileProblem,
  type SampleSource, type SourceOptions, type SourceWarning, type PassContext,
} from './sample-source.js';
export { CreditGate } from './credit-gate.js';
export { pullSource } from './pull.js';
export {
  readAffectNet, affectNetSkipReason, AFFECTNET_COLUMNS, AFFECTNET_DEFAULT_CSV, AFFECTNET_DEFAULT_IMAGES_DIR,
  AFFECTNET_SKIPPED_EXPRESSIONS, type AffectNetOptions,
} from './affectnet.js';
export { readRafDb, RAFDB_DEFAULT_LABEL_FILE, type RafDbOptions, type RafDbPartition } from './rafdb.js';
export { readFolder, type FolderOptions } from './folder.js';
export { readImageFolder, type ImageFolderOptions, type ImageFolderSource } from './image-folder.js';
export {
  readAffWild, affWildIdentity, splitIdentities, evenlySpaced, defaultFrameName,
  AFFWILD_DEFAULT_FRAMES_DIR, AFFWILD_DEFAULT_EXPR_DIR, AFFWILD_DEFAULT_VA_DIR, AFFWILD_PAPER_FRAMES_PER_IDENTITY,
  type AffWildOptions, type AffWildSource, type AffWildStats, type FrameSampling, type IdentitySplit,
} from './affwild.js';
export { readFrameAnnotations, type FrameAnnotation } from './abaw-annotations.js';
export {
  findFfmpeg, systemFfmpeg, describeFfmpeg, bundledTool, FfmpegNotFoundError,
  type FfmpegTools, type FoundFfmpeg, type ToolOrigin, type BundledTool,
} from './ffmpeg.js';
export { probeVideo, type VideoProbe } from './ffprobe.js';
export { decodeFrames, FrameStream, VideoDecodeError, type FrameDecodeOptions, type DecodedFrame } from './frame-stream.js';
export {
  readVideo, videoName, frameId, readFaceBoxes, cropFrame,
  type VideoSourceOptions, type VideoFrameSample, type VideoSourceStats, type VideoSource,
} from './video.js';
