/** Every CLI command, in the order `fer-c --help` lists them. One line per command. */
import type { Command } from './command.js';

export const COMMANDS: readonly Command[] = [
];
