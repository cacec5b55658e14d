/** Every CLI command, in the order `fer-c --help` lists them. One line per command. */
import type { Command } from './command.js';
import { evaluateCommand } from './evaluate.js';
import { mergeMetricsCommand } from './merge-metrics.js';
import { corruptCommand } from './corrupt.js';
import { fitGmmCommand } from './fit-gmm.js';
import { validateCommand } from './validate.js';
import { runCommand } from './run.js';
import { calibrateCommand } from './calibrate.js';
import { mergeCommand } from './merge.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  calibrateCommand,
  mergeCommand,
  corruptCommand,
  fitGmmCommand,
  evaluateCommand,
  mergeMetricsCommand,
  validateCommand,
];
