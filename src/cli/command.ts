/** A CLI command: one file each under src/cli/, listed (with its help line) in commands.ts. */
export interface Command {
  readonly name: string;
  /** Full usage text for `fer-c <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(argv: readonly string[]): Promise<number>;
}
