/** The SPEC file of run, calibrate and merge, with its --set values applied. */
import { UsageError, type ParsedArgs } from './args.js';
import { loadSpec, type PipelineSpec } from '../pipeline/spec/index.js';

/** Exactly one SPEC argument; checkFiles: a missing input is reported at its spec line (or --set), before any work. */
export function loadSpecArgument(args: ParsedArgs): PipelineSpec {
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a SPEC file is required' : `one SPEC file, got ${args.positionals.length}`);
  return loadSpec(args.positionals[0]!, args.flags.get('set') ?? [], { checkFiles: true });
}
