/** A CLI command: one file each under src/cli/, listed in commands.ts. */
export interface Command {
  readonly name: string;
  /** One line for `fer-c --help`. */
  readonly summary: string;
  /** Full usage text for `fer-c <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(argv: readonly string[]): Promise<number>;
}
