/** `fer-c validate SPEC [--set key=value …]`: check a pipeline spec without running it. */
import { parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { describeSpec, loadSpec, SpecError } from '../pipeline/spec/index.js';
import { sourceFromSpec, sourceNameOf } from '../pipeline/from-spec.js';
import { checkSource } from '../sources/sample-source.js';
import { checkRunModel } from '../models/load-model.js';
import { ModelError, NonFiniteOutputError } from '../models/prediction-model.js';

const USAGE = `usage: fer-c validate SPEC.json [--set key=value …] [--check-files] [--print]

Checks a pipeline spec (schemas/pipeline.schema.json, docs/pipeline-spec.md)
and says what the run would do, or lists every problem with its JSON path
(exit 1).

  --set key=value   override a field before validation; key is a dotted path
                    (source.root, labels.lambda, severities); value is JSON when
                    it parses ([1,2], 0.3, true), else a string (/data/affectnet)
  --check-files     also check that the input files and folders exist, read every
                    row of the source as a run does before its first image (all
                    bad rows listed with file and line, the first 20 and a count),
                    and load an ONNX / TF.js model and run one batch through it
  --print           print the spec with every default filled in (JSON)`;

export const validateCommand: Command = {
  name: 'validate',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { repeatable: ['set'], booleans: ['check-files', 'print'] });
    if (args.positionals.length !== 1) {
      throw new UsageError(args.positionals.length === 0 ? 'give the spec file, e.g. pipelines/demo.json' : `one spec at a time (got ${args.positionals.join(', ')})`);
    }
    const file = args.positionals[0]!;
    try {
      const spec = loadSpec(file, args.flags.get('set') ?? [], { checkFiles: args.booleans.has('check-files') });
      // --check-files reads every row, as the run will before writing anything.
      if (args.booleans.has('check-files')) {
        try {
          await checkSource(sourceFromSpec(spec.source), spec.limit ?? Infinity, sourceNameOf(spec.source));
        } catch (e) {
          console.error(`${file}: /source: ${(e as Error).message}`);
          return 1;
        }
      }
      // --check-files also loads an ONNX / TF.js model and runs one batch through it (file, shape, classes, outputs).
      const p = spec.predictions;
      if (args.booleans.has('check-files') && (p?.type === 'onnx' || p?.type === 'tfjs')) {
        try {
          for (const line of await checkRunModel(p, sourceFromSpec(spec.source).classes.names)) console.log(line);
        } catch (e) {
          if (!(e instanceof ModelError || e instanceof NonFiniteOutputError)) throw e;
          console.error(`${file}: /predictions: ${e.message}`);
          return 1;
        }
      }
      console.log(`ok: ${describeSpec(spec)}`);
      if (args.booleans.has('print')) console.log(JSON.stringify(spec, null, 2));
      return 0;
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      console.error(e.message);
      return 1;
    }
  },
};
