import { COMMANDS } from './commands.js';
import { UsageError } from './args.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    'fer-c — build FER-C benchmarks and score models for calibration',
    '',
    'usage: fer-c <command> [options]   (fer-c <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`fer-c: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const loaded = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(loaded.usage);
    return 0;
  }
  try {
    return await loaded.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`fer-c ${name}: ${e.message}\n\n${loaded.usage}`);
      return 2;
    }
    console.error(`fer-c ${name}: ${(e as Error).message}`);
    if (process.env['FERC_DEBUG']) console.error((e as Error).stack);
    return 1;
  }
}
