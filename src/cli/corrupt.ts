import { availableParallelism } from 'node:os';
import type { Command } from './command.js';
import { parseArgs, flag, requiredFlag, numberFlag, UsageError } from './args.js';
import { parseCorruptions, parseSeverities } from '../corruptions/engine.js';
import { selectBackend, describeChoice, isBackendRequest, BACKENDS } from '../gpu/backend.js';
import { corruptDirectory } from '../pipeline/corrupt-directory.js';

const usage = `usage: fer-c corrupt --input DIR --output DIR [--seed N] [--corruptions a,b] [--severities 1,2]
                     [--backend auto|${BACKENDS.join('|')}] [--workers N] [--overwrite] [--quiet]

Reads every image in DIR (PNG, JPEG, WebP; resized to 224×224) and writes
  OUT/clean/<name>.png and OUT/<corruption>/<severity>/<name>.png
for each requested corruption (default: all 17) and severity (default: 1–5).
Unreadable files are reported by name and skipped. Re-running the same command
resumes: variants already written are kept.

  --seed N          run seed (default 0); every random draw derives from
                    (seed, file name, corruption, severity)
  --backend B       gpu.js backend (default auto: webgpu → hardware headlessgl → cpu)
  --workers N       worker threads (default: all ${availableParallelism()} cores)
  --overwrite       allow an output folder that holds a run with other parameters`;

export const corruptCommand: Command = {
  name: 'corrupt',
  summary: 'write the 17×5 corrupted variants of every image in a folder',
  usage,
  async run(argv) {
    const args = parseArgs(argv, {
      values: ['input', 'output', 'seed', 'corruptions', 'severities', 'backend', 'workers'],
      booleans: ['overwrite', 'quiet'],
    });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const inputDir = requiredFlag(args, 'input');
    const outputDir = requiredFlag(args, 'output');
    const seed = numberFlag(args, 'seed', 0, Number.isSafeInteger, 'an integer');
    const workers = numberFlag(args, 'workers', availableParallelism(), (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    let corruptions, severities;
    try {
      corruptions = parseCorruptions(flag(args, 'corruptions'));
      severities = parseSeverities(flag(args, 'severities'));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const backendRequest = flag(args, 'backend') ?? 'auto';
    if (!isBackendRequest(backendRequest)) throw new UsageError(`--backend must be auto or one of ${BACKENDS.join(', ')}, got "${backendRequest}"`);
    const choice = await selectBackend(backendRequest);
    const quiet = args.booleans.has('quiet');
    if (!quiet) console.error(describeChoice(choice));
    const summary = await corruptDirectory({
      inputDir, outputDir, seed, corruptions, severities, backend: choice.backend, workers, progress: !quiet,
      overwrite: args.booleans.has('overwrite'),
    });
    console.log(
      `${summary.images} images, ${summary.variantsWritten} files written` +
      (summary.variantsReused ? `, ${summary.variantsReused} kept from an earlier run` : '') +
      `, ${summary.skipped.length} skipped, ${summary.seconds.toFixed(1)} s (${summary.variantsPerSecond.toFixed(1)} variants/s)`,
    );
    for (const s of summary.skipped) console.log(`  skipped ${s.file}: ${s.reason}`);
    return 0;
  },
};
