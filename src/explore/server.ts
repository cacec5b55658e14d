/**
 * `fer-c explore`'s HTTP server (Node's `http`, nothing else): the page and
 * its scripts (shipped in src/explore/static/, served from a list made at
 * start, never from a path built out of a request), the JSON API, and the
 * run's images under /files/. Read-only: GET and HEAD only. Binds 127.0.0.1
 * unless told otherwise, and then also refuses requests whose Host header is
 * not that address (a web page elsewhere cannot reach it by DNS rebinding).
 *
 * It listens as soon as the run folder is opened (manifest, headers, report);
 * the index is built afterwards, a few faces per event-loop turn, and the API
 * calls that need it wait for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiCache, BadRequest, binView, facesPage, faceView, overview, reliabilityView } from './api.js';
import { ExploreError, openRunFolder, type RunFolder } from './run-folder.js';
import { RunIndex } from './run-index.js';
import { loadIndex, saveIndex } from './index-cache.js';
import { resolveInside } from './safe-path.js';

/** Loopback only unless --host says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
/** The port when --port is not given. */
export const DEFAULT_PORT = 8737;

/** The page's files: src/explore/static, found from this module (dist/src/explore/ → src/explore/static). */
export const STATIC_DIR = fileURLToPath(new URL('../../../src/explore/static/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml', '.md': 'text/plain; charset=utf-8', '.csv': 'text/plain; charset=utf-8', '.jsonl': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** What startExplore serves, and where. */
export interface ExploreOptions {
  readonly dir: string;
  readonly host?: string;
  /** 0: any free port. */
  readonly port?: number;
  /** Lines for the user (warnings, index progress, failures). */
  readonly log?: (line: string) => void;
  /** Where the index is kept between starts (index-cache.ts); null: built at every start, kept nowhere. Default: none. */
  readonly indexCache?: string | null;
}

/** A running explorer: its URL, the run, the index (and when it is complete), and how to stop it. */
export interface ExploreServer {
  readonly url: string;
  readonly run: RunFolder;
  readonly index: RunIndex;
  /** Settles when the index is complete (rejects when a row cannot be read). */
  readonly indexed: Promise<RunIndex>;
  /** The index was read from the cache, not built. */
  readonly fromCache: boolean;
  close(): Promise<void>;
}

type Handler = (params: URLSearchParams) => unknown;

/** The app's own files by URL path, listed once. */
function staticFiles(): Map<string, string> {
  const files = new Map<string, string>([['/', join(STATIC_DIR, 'index.html')]]);
  for (const name of readdirSync(STATIC_DIR)) files.set(`/static/${name}`, join(STATIC_DIR, name));
  return files;
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store', ...extra });
  res.end(head ? undefined : bytes);
}

function sendJson(res: ServerResponse, head: boolean, status: number, value: unknown): void {
  send(res, head, status, CONTENT_TYPES['.json']!, JSON.stringify(value));
}

/** The Host header names this server (checked when bound to a loopback address). */
function hostAllowed(req: IncomingMessage, host: string, port: number): boolean {
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return true;
  const given = (req.headers.host ?? '').toLowerCase();
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(given);
}

class Router {
  private readonly files = staticFiles();
  private readonly cache: ApiCache;
  private indexError: string | null = null;
  readonly api: Readonly<Record<string, { needsIndex: boolean; handle: Handler }>>;

  constructor(private readonly run: RunFolder, index: RunIndex, private readonly indexed: Promise<RunIndex>) {
    this.cache = new ApiCache(run);
    indexed.catch((e: unknown) => { this.indexError = (e as Error).message; });
    this.api = {
      '/api/overview': { needsIndex: false, handle: () => overview(run, index, { error: this.indexError }) },
      '/api/faces': { needsIndex: true, handle: (p) => facesPage(run, index, this.cache, p) },
      '/api/face': { needsIndex: true, handle: (p) => faceView(run, index, this.cache, p) },
      '/api/reliability': { needsIndex: true, handle: (p) => reliabilityView(run, index, this.cache, p) },
      '/api/bin': { needsIndex: true, handle: (p) => binView(run, index, this.cache, p) },
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) { send(res, false, 405, 'text/plain', 'read-only: GET and HEAD only\n', { Allow: 'GET, HEAD' }); return; }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    if (path.startsWith('/files/')) { this.file(res, head, path.slice('/files/'.length)); return; }
    const api = this.api[path];
    if (api) { await this.callApi(res, head, api, new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))); return; }
    const own = this.files.get(path);
    if (own) { send(res, head, 200, CONTENT_TYPES[extname(own)] ?? 'application/octet-stream', readFileSync(own)); return; }
    send(res, head, 404, 'text/plain', 'not found\n');
  }

  private async callApi(res: ServerResponse, head: boolean, api: { needsIndex: boolean; handle: Handler }, params: URLSearchParams): Promise<void> {
    try {
      if (api.needsIndex) await this.indexed;
      sendJson(res, head, 200, api.handle(params));
    } catch (e) {
      if (e instanceof BadRequest) sendJson(res, head, 400, { error: e.message });
      else sendJson(res, head, 500, { error: (e as Error).message });
    }
  }

  private file(res: ServerResponse, head: boolean, rawRel: string): void {
    const found = resolveInside(this.run.realDir, rawRel);
    if (!found.ok) { send(res, head, found.status, 'text/plain', `refused: ${found.reason}\n`); return; }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': CONTENT_TYPES[extname(found.path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(found.size), 'Cache-Control': 'max-age=3600' });
    if (head) { res.end(); return; }
    createReadStream(found.path).on('error', () => res.destroy()).pipe(res);
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ExploreError(`port ${port} on ${host} is in use (another fer-c explore, or another server): choose another with --port, e.g. --port ${port + 1} (--port 0 picks a free one)`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new ExploreError(`cannot bind ${host}: not an address of this machine (--host)`));
      else if (e.code === 'EACCES') reject(new ExploreError(`port ${port} needs privileges: choose one above 1023 with --port`));
      else reject(e);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Opens the run folder, starts listening, then builds the index in the background. */
export async function startExplore(options: ExploreOptions): Promise<ExploreServer> {
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? (() => undefined);
  const run = openRunFolder(options.dir);
  for (const w of run.warnings) log(`warning: ${w}`);
  const cacheDir = options.indexCache ?? null;
  const cached = cacheDir === null ? { missing: 'none' } : loadIndex(cacheDir, run);
  if ('missing' in cached && cached.missing !== 'none') log(`index cache not used (${cached.missing}): building the index`);
  const index = 'index' in cached ? cached.index : new RunIndex(run);
  let startIndex!: () => void;
  const begun = new Promise<void>((resolve) => { startIndex = resolve; });
  const indexed = begun.then(() => index.build()).then((built) => {
    if (cacheDir !== null && !('index' in cached) && built.complete) { // not when closed part-way
      try { saveIndex(cacheDir, built); } catch (e) { log(`warning: the index could not be cached (${(e as Error).message}); the next start builds it again`); }
    }
    return built;
  });
  indexed.catch((e: unknown) => log(`cannot index ${run.dir}: ${(e as Error).message}`));
  const router = new Router(run, index, indexed);
  let port = options.port ?? DEFAULT_PORT;
  const server = createServer((req, res) => {
    if (!hostAllowed(req, host, port)) { send(res, false, 421, 'text/plain', 'refused: the Host header does not name this server\n'); return; }
    router.handle(req, res).catch(() => res.destroy());
  });
  port = await listen(server, host, port);
  startIndex();
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`, run, index, indexed, fromCache: 'index' in cached,
    close: () => new Promise<void>((resolve) => { index.stop(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
