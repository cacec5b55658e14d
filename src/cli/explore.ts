/** `fer-c explore OUT`: a read-only local web app over a run folder. */
import type { Command } from './command.js';
import { flag, numberFlag, parseArgs, UsageError } from './args.js';
import { DEFAULT_HOST, DEFAULT_PORT, startExplore } from '../explore/server.js';
import { defaultIndexCacheDir } from '../explore/index-cache.js';

const usage = `usage: fer-c explore OUT [--port P] [--host ${DEFAULT_HOST}] [--no-index-cache]

Serves a read-only web page over a run folder (one machine's run, or a merged
sharded run): the report's headline numbers and calibrators; the source faces,
filterable by class, split and "confidently wrong"; each face's corruption ×
severity grid with visibility, soft label and prediction; reliability diagrams
Pre and Post for any selection, each bin's images a click away. Prints the URL
and runs until interrupted (Ctrl-C).

  --port P   the port (default ${DEFAULT_PORT}; 0: any free one)
  --host H   the address to bind (default ${DEFAULT_HOST}: this machine only;
             anything else shows the run to the network)
  --no-index-cache   build the index at every start and keep it nowhere (default:
             kept in \$XDG_CACHE_HOME/fer-c/explore or ~/.cache/fer-c/explore, one
             file per run, rebuilt when the run's files change; OUT is never written)`;

export const exploreCommand: Command = {
  name: 'explore',
  usage,
  async run(argv) {
    const args = parseArgs(argv, { values: ['port', 'host'], booleans: ['no-index-cache'] });
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'OUT (the run folder) is required' : `one run folder expected, got ${args.positionals.length}`);
    const port = numberFlag(args, 'port', DEFAULT_PORT, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number 0–65535');
    const host = flag(args, 'host') ?? DEFAULT_HOST;
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const indexCache = args.booleans.has('no-index-cache') ? null : defaultIndexCacheDir();
    const server = await startExplore({ dir: args.positionals[0]!, host, port, log, indexCache });
    if (host !== DEFAULT_HOST && host !== 'localhost' && host !== '::1') log(`warning: bound to ${host}: anyone who can reach this address can see the run`);
    const started = Date.now();
    server.indexed.then((index) => log(server.fromCache
      ? `indexed ${index.rows} images of ${index.faces} faces (read from the index cache)`
      : `indexed ${index.rows} images of ${index.faces} faces in ${((Date.now() - started) / 1000).toFixed(1)} s`), () => undefined);
    console.log(`fer-c explore: ${server.run.dir} at ${server.url}  (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); void server.close().then(resolve); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
