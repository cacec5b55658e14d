/**
 * `fer-c explore` at AffectNet-C size (issue 22 §5): a synthetic run of 4,000
 * faces × 86 images = 344,000 rows, made from the demo run (its 22 faces'
 * rows repeated under new ids; every image hard-linked under a new name, so
 * the folder is a real run folder of 344,000 files). The server runs as the
 * CLI does, in a child process; measured: start (spawn to the URL printed),
 * the background index's time (cold: built; warm: a second start, read from
 * the index cache the first wrote outside the run folder), p50/p95 latency of the API's page, face,
 * selection (reliability) and bin queries, and the server's peak RSS (VmHWM).
 * Targets: start ≤ 2 s, p95 ≤ 200 ms, peak RSS ≤ 300 MB.
 *
 * The demo run: FERC_EXPLORE_RUN, else out/demo (`npm start`), else made here.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/fixtures.js';
import { writeResult } from './write-result.js';

const FACES = 4000;
const QUERIES = 60;

function demoRun(scratch: string): string {
  const given = process.env['FERC_EXPLORE_RUN'] ?? join(REPO_ROOT, 'out', 'demo');
  if (existsSync(join(given, 'report', 'report.json'))) return given;
  const dir = join(scratch, 'demo');
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'fer-c.js'), 'run', 'pipelines/demo.json', '--set', `output.dir=${dir}`, '--quiet'], { cwd: REPO_ROOT, stdio: 'inherit' });
  return dir;
}

/** The demo's rows grouped by face (source_id order), as lines without their line break. */
function facesOf(path: string): { header: string; faces: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const faces: string[][] = [];
  let last = '';
  for (const line of lines) {
    const source = line.split(',', 2)[0]!.split('__')[0]!;
    if (source !== last) { faces.push([]); last = source; }
    faces[faces.length - 1]!.push(line);
  }
  return { header: header!, faces };
}

/** Writes the 344,000-row run: rows with new ids, images hard-linked, the manifest's cumulative sizes, the demo's report. */
function synthesise(demo: string, out: string): { rows: number; images: number } {
  const labels = facesOf(join(demo, 'labels.csv')), predictions = facesOf(join(demo, 'predictions.csv'));
  const labelChunks = [`${labels.header}\n`], predictionChunks = [`${predictions.header}\n`];
  const header = JSON.parse(readFileSync(join(demo, 'manifest.jsonl'), 'utf8').split('\n', 1)[0]!) as { sizes: Record<string, number> };
  const manifest = [JSON.stringify(header)];
  let labelBytes = Buffer.byteLength(labelChunks[0]!), predictionBytes = Buffer.byteLength(predictionChunks[0]!);
  let rows = 0, images = 0;
  const madeDirs = new Set<string>();
  for (let j = 0; j < FACES; j++) {
    const k = j % labels.faces.length;
    const prefix = `f${String(j).padStart(5, '0')}_`;
    let labelText = '', predictionText = '';
    let source = '';
    for (const line of labels.faces[k]!) {
      const f = line.split(',');
      source = prefix + f[1]!;
      const file = f[2]!;
      const newFile = join(dirname(file), prefix + file.split('/').pop()!);
      const target = join(out, newFile);
      if (!madeDirs.has(dirname(target))) { mkdirSync(dirname(target), { recursive: true }); madeDirs.add(dirname(target)); }
      linkSync(join(demo, file), target);
      images++;
      labelText += [prefix + f[0]!, source, newFile, ...f.slice(3)].join(',') + '\n';
      rows++;
    }
    for (const line of predictions.faces[k]!) predictionText += prefix + line + '\n';
    labelChunks.push(labelText); predictionChunks.push(predictionText);
    labelBytes += Buffer.byteLength(labelText); predictionBytes += Buffer.byteLength(predictionText);
    manifest.push(JSON.stringify({ i: j, id: source, sizes: { 'labels.csv': labelBytes, 'predictions.csv': predictionBytes } }));
  }
  writeFileSync(join(out, 'labels.csv'), labelChunks.join(''));
  writeFileSync(join(out, 'predictions.csv'), predictionChunks.join(''));
  writeFileSync(join(out, 'manifest.jsonl'), `${manifest.join('\n')}\n`);
  mkdirSync(join(out, 'report'));
  copyFileSync(join(demo, 'report', 'report.json'), join(out, 'report', 'report.json'));
  return { rows, images };
}

interface Server { pid: number; url: string; startSeconds: number; indexed: Promise<number>; stop(): Promise<void> }

/** The CLI on `dir`, its index cache under `cache` (empty: a cold start that builds it; then: a warm one that reads it). */
function startServer(dir: string, cache: string): Promise<Server> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'fer-c.js'), 'explore', dir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cache } });
  let stdout = '', stderr = '';
  const indexed = new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/indexed \d+ images/.test(stderr)) resolve((performance.now() - t0) / 1000);
      if (/cannot index/.test(stderr)) reject(new Error(stderr));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /at (http:\/\/\S+\/)/.exec(stdout);
      if (m) resolve({ pid: child.pid!, url: m[1]!, startSeconds: (performance.now() - t0) / 1000, indexed, stop: async () => { child.kill('SIGTERM'); await exited; } });
    });
    void exited.then(() => reject(new Error(`the server exited: ${stderr}`)));
  });
}

/** The server's peak resident set so far (Linux: VmHWM). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function timeQueries(url: string, paths: string[], times: number[] = []): Promise<{ p50_ms: number; p95_ms: number; max_ms: number }> {
  times.length = 0;
  for (const path of paths) {
    const t = performance.now();
    const res = await fetch(url + path);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return summary(times);
}

function summary(times: readonly number[]): { p50_ms: number; p95_ms: number; max_ms: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50_ms: r(percentile(sorted, 0.5)), p95_ms: r(percentile(sorted, 0.95)), max_ms: r(sorted[sorted.length - 1]!) };
}

/**
 * A fixed pseudo-random sequence of queries (mulberry32), so runs ask the same
 * things; no query twice within a kind, so the server's result caches never
 * answer and every time is a full scan (or a face read).
 */
function queries(corruptions: string[], classes: number, pages: number): Record<string, string[]> {
  let a = 12345;
  const rand = (): number => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const distinct = (make: () => string): string[] => {
    const out = new Set<string>();
    for (let tries = 0; out.size < QUERIES && tries < QUERIES * 100; tries++) out.add(make());
    return [...out];
  };
  const severity = (): number => 1 + Math.floor(rand() * 5);
  const selection = (): string => pick([
    `split=ood&label=${Math.floor(rand() * classes)}`, `corruption=${pick(corruptions)}&label=${Math.floor(rand() * classes)}`, `severity=${severity()}&label=${Math.floor(rand() * classes)}`,
    `corruption=${pick(corruptions)}&severity=${severity()}`, `corruption=${pick(corruptions)}`, 'split=ood',
  ]);
  return {
    page: distinct(() => `api/faces?page=${1 + Math.floor(rand() * pages)}${pick(['', '&wrong=0.8', '&split=ood&wrong=0.9', `&label=${Math.floor(rand() * classes)}`])}`),
    face: distinct(() => `api/face?i=${Math.floor(rand() * FACES)}`),
    selection: distinct(() => `api/reliability?${selection()}`),
    bin: distinct(() => `api/bin?${selection()}&side=${pick(['pre', 'post'])}&bin=${8 + Math.floor(rand() * 7)}&page=1`),
  };
}

// FERC_EXPLORE_BENCH_DIR: make the synthetic run there once and keep it (reruns skip the 344,000 links).
const keep = process.env['FERC_EXPLORE_BENCH_DIR'];
const scratch = keep ?? mkdtempSync(join(tmpdir(), 'ferc-explore-bench-'));
try {
  const out = join(scratch, 'run');
  let made = { rows: FACES * 86, images: FACES * 86 };
  if (!keep || !existsSync(join(out, 'manifest.jsonl'))) {
    const demo = demoRun(scratch);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const t = performance.now();
    made = synthesise(demo, out);
    console.log(`synthetic run: ${made.rows} rows, ${made.images} images hard-linked, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const cache = join(scratch, 'cache');
  rmSync(cache, { recursive: true, force: true });
  const server = await startServer(out, cache);
  let result: Record<string, unknown>;
  try {
    const firstOverview = await timeQueries(server.url, ['api/overview']);
    const indexSeconds = await server.indexed;
    const overview = await (await fetch(`${server.url}api/overview`)).json() as { classes: string[]; index: { corruptions: string[] } };
    const q = queries(overview.index.corruptions, overview.classes.length, Math.ceil(FACES / 48));
    const latency: Record<string, unknown> = {};
    const allTimes: number[] = [];
    for (const [name, paths] of Object.entries(q)) {
      const times: number[] = [];
      latency[name] = { queries: paths.length, ...(await timeQueries(server.url, paths, times)) };
      allTimes.push(...times);
    }
    const all = summary(allTimes);
    const rss = peakRssMb(server.pid);
    result = {
      faces: FACES, rows: made.rows, images: made.images, queries_per_kind: QUERIES,
      cold: { start_s: Math.round(server.startSeconds * 100) / 100, first_overview_ms: firstOverview.p50_ms, index_ready_s: Math.round(indexSeconds * 100) / 100 },
      latency, latency_all: all, peak_rss_mb: rss,
      targets: { start_s: 2, p95_ms: 200, peak_rss_mb: 300 },
      pass_cold: { start: server.startSeconds <= 2, p95: all.p95_ms <= 200, rss: rss <= 300 },
    };
  } finally {
    await server.stop();
  }
  // A second start reads the index the first one cached (outside the run folder).
  const warm = await startServer(out, cache);
  try {
    const indexSeconds = await warm.indexed;
    result = { ...result, warm: { start_s: Math.round(warm.startSeconds * 100) / 100, index_ready_s: Math.round(indexSeconds * 100) / 100 } };
    result = { ...result, peak_rss_mb_warm: peakRssMb(warm.pid) };
  } finally {
    await warm.stop();
  }
  const path = writeResult('explore', result);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written ${path}`);
} finally {
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}
