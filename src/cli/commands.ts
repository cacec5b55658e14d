/**
 * Every CLI command, in the order `fer-c --help` lists them: its name, its help
 * line, and its module (one file each under src/cli/), imported only when the
 * command runs or prints its usage, so that a command pays for its own imports
 * only (all eight modules' imports took ~0.3 s before `fer-c corrupt` began).
 */
import type { Command } from './command.js';
import type { WorkSettings } from './args.js';
import { CORRUPTION_NAMES } from '../corruptions/registry.js';

export interface CommandEntry {
  readonly name: string;
  /** One line for `fer-c --help`. */
  readonly summary: string;
  /**
   * A command that runs the FER-C work (corrupts, labels, scores, trains) takes --quiet, --overwrite and
   * --set with their one meaning (parseWorkArgs, WORK_FLAG_HELP in args.ts); here where its settings are
   * ('spec': a pipeline spec; 'flags': its own flags). false: a helper command. Checked for every entry
   * by test/cli-work-flags.test.ts.
   */
  readonly work: WorkSettings | false;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', work: 'spec', summary: 'run a pipeline spec (pipelines/*.json) end to end', load: async () => (await import('./run.js')).runCommand },
  { name: 'calibrate', work: 'spec', summary: 'sharded runs, step 1: the GMM and visibility table every shard shares', load: async () => (await import('./calibrate.js')).calibrateCommand },
  { name: 'merge', work: 'spec', summary: 'sharded runs, last step: the shards into the files of one run', load: async () => (await import('./merge.js')).mergeCommand },
  {
    name: 'corrupt', work: 'flags', summary: `write the ${CORRUPTION_NAMES.length}×5 corrupted variants of every image in a folder`,
    load: async () => (await import('./corrupt.js')).corruptCommand,
  },
  { name: 'fit-gmm', work: false, summary: 'fit the valence/arousal GMM used for soft labels', load: async () => (await import('./fit-gmm.js')).fitGmmCommand },
  {
    name: 'evaluate', work: 'flags', summary: 'score predictions on FER-C labels (ID/OOD, Pre/Post temperature scaling)',
    load: async () => (await import('./evaluate.js')).evaluateCommand,
  },
  { name: 'merge-metrics', work: false, summary: 'merge saved metric states (shards) into one report', load: async () => (await import('./merge-metrics.js')).mergeMetricsCommand },
  { name: 'train', work: 'spec', summary: 'train a head on a frozen model with the paper\'s losses (CE, Focal, MaxEnt, MBLS) and score it on FER-C', load: async () => (await import('./train.js')).trainCommand },
  { name: 'explore', work: false, summary: 'browse a run folder in a local web page (faces, variants, reliability diagrams)', load: async () => (await import('./explore.js')).exploreCommand },
  { name: 'validate', work: false, summary: 'check a pipeline spec (JSON) and say what it would run', load: async () => (await import('./validate.js')).validateCommand },
];
