/**
 * `fer-c explore` without a browser (issue 22): the JSON API against the run's
 * own files and report.json (written by the run's report phase, a separate
 * code path), the face filters and bin listings against the CSVs read here,
 * the server's refusals (paths out of the folder, symlinks, NUL, methods,
 * Host), and the bad inputs (not a run, a run being written, a port in use,
 * a run without a model). The runs are real: the demo spec over a few of the
 * bundled faces with face-api.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExplore, type ExploreServer } from '../src/explore/server.js';
import { ExploreError } from '../src/explore/run-folder.js';
import { CliRun } from './helpers/run-folder.js';
import { scoreRow, makeRun, probs, rawRequest, readPlainCsv, type CsvRow } from './helpers/explore-run.js';
import type { Report } from '../src/report/report.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-explore-'));
const RUN = join(root, 'run'), NO_MODEL = join(root, 'no-model');
const SECRET = `top-secret-${process.pid}-${Date.now()}`;
const CORRUPTIONS = ['gaussian_noise', 'pixelate', 'contrast'];
let server: ExploreServer;
let report: Report;
let labels: CsvRow[];
let predictions: Map<string, CsvRow>;

const get = async (path: string): Promise<any> => {
  const r = await rawRequest(server.url, path);
  assert.equal(r.status, 200, `${path}: ${r.body}`);
  return JSON.parse(r.body);
};

test.before(async () => {
  await makeRun(RUN, { limit: 5, model: true, corruptions: CORRUPTIONS, severities: [1, 4] });
  await makeRun(NO_MODEL, { limit: 3, model: false, corruptions: ['gaussian_noise'], severities: [2] });
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync('../secret.txt', join(RUN, 'leak.png'));
  symlinkSync(root, join(RUN, 'leakdir'));
  symlinkSync('clean', join(RUN, 'alias'));
  report = JSON.parse(readFileSync(join(RUN, 'report', 'report.json'), 'utf8')) as Report;
  labels = readPlainCsv(join(RUN, 'labels.csv'));
  predictions = new Map(readPlainCsv(join(RUN, 'predictions.csv')).map((r) => [r['id']!, r]));
  server = await startExplore({ dir: RUN, port: 0 });
  await server.indexed;
});

test.after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Every name under dir (recursively, not into symlinked folders: OUT holds one leading out), for "nothing was written". */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const name = join(prefix, e.name);
    return e.isDirectory() ? [name, ...listing(dir, name)] : [name];
  }).sort();
}

/** The index's columns and per-face parts, as plain arrays. */
function snapshotOf(s: ExploreServer) {
  const { meta, columns } = s.index.snapshot();
  return { meta, columns: columns.map((c) => [...c]) };
}

const scored = (row: CsvRow) => scoreRow(row, predictions, report.classes);

test('overview: the report\'s headline numbers and calibrators, the run\'s faces', async () => {
  const o = await get('/api/overview');
  assert.equal(o.faces, 5);
  assert.equal(o.hasModel, true);
  assert.equal(o.classes, report.class_names);
  assert.equal(o.report.ood.pre.ece, report.ood!.pre.ece);
  assert.equal(o.report.id.post.nll, report.id!.post.nll);
  assert.equal(o.report.temperature, report.temperature);
  assert.equal(o.report.calibrators.map((c: { name: string }) => c.name), Object.keys(report.calibrators));
  assert.equal(o.index, { faces: 5, rows: labels.length, complete: true, error: null, corruptions: CORRUPTIONS });
});

function assertBins(actual: any[], expected: Report['reliability']['ood'] extends infer R ? R extends { pre: infer B } ? B : never : never, what: string) {
  assert.equal(actual.length, expected.length, `${what}: bin count`);
  expected.forEach((e, b) => {
    const a = actual[b];
    assert.equal(a.count, e.count, `${what} bin ${b}: count`);
    for (const key of ['confidence', 'correctness'] as const) {
      if (e[key] === null) assert.equal(a[key], null, `${what} bin ${b}: ${key}`);
      else assert.ok(Math.abs(a[key] - e[key]!) < 1e-12, `${what} bin ${b}: ${key} ${a[key]} vs ${e[key]}`);
    }
  });
}

test('reliability of all OOD / all ID equals report.json\'s diagrams and ECE, Pre and Post', async () => {
  for (const split of ['ood', 'id'] as const) {
    const r = await get(`/api/reliability?split=${split}`);
    assertBins(r.pre.bins, report.reliability[split]!.pre, `${split} pre`);
    assertBins(r.post.bins, report.reliability[split]!.post, `${split} post`);
    assert.ok(Math.abs(r.pre.ece - report[split]!.pre.ece!) < 1e-12, `${split} pre ECE`);
    assert.ok(Math.abs(r.post.ece - report[split]!.post.ece!) < 1e-12, `${split} post ECE`);
    assert.equal(r.pre.count, report[split]!.count);
  }
});

test('reliability of a corruption, a severity, a cell equals the report\'s ECE of that group', async () => {
  for (const c of CORRUPTIONS) {
    const r = await get(`/api/reliability?corruption=${c}`);
    assert.ok(Math.abs(r.pre.ece - report.by_corruption[c]!.pre.ece!) < 1e-12, `${c} pre`);
    assert.ok(Math.abs(r.post.ece - report.by_corruption[c]!.post.ece!) < 1e-12, `${c} post`);
    const cell = await get(`/api/reliability?corruption=${c}&severity=4`);
    assert.ok(Math.abs(cell.post.ece - report.by_corruption_severity[c]!['4']!.post.ece!) < 1e-12, `${c}/4 post`);
  }
  const s1 = await get('/api/reliability?severity=1');
  assert.ok(Math.abs(s1.pre.ece - report.by_severity['1']!.pre.ece!) < 1e-12);
});

test('a class selection counts the rows of that dataset label', async () => {
  const label = Number(labels[0]!['label']);
  const r = await get(`/api/reliability?label=${label}&split=ood`);
  assert.equal(r.selected, labels.filter((l) => Number(l['label']) === label && l['corruption'] !== 'clean').length);
});

test('a bin lists exactly the images whose confidence falls in it (from the CSVs)', async () => {
  const B = report.bins;
  let listed = 0;
  for (const bin of [0, 5, 9, 12, B - 1]) {
    const expected = labels.filter((l) => l['corruption'] !== 'clean' && Math.min(B - 1, Math.max(0, Math.ceil(scored(l).conf * B) - 1)) === bin).map((l) => l['id']);
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const r = await get(`/api/bin?split=ood&side=pre&bin=${bin}&page=${page}`);
      ids.push(...r.images.map((im: { id: string }) => im.id));
      if (page >= r.pages) break;
    }
    assert.equal(ids, expected, `bin ${bin}`);
    assert.equal(ids.length, report.reliability.ood!.pre[bin]!.count, `bin ${bin} against the report`);
    listed += ids.length;
  }
  assert.ok(listed > 0, 'some of the bins checked hold images');
});

test('face filters: class, split and "confidently wrong" against the CSVs', async () => {
  const faces = [...new Set(labels.map((l) => l['source_id']))];
  const expectWrong = (threshold: number, split?: 'id' | 'ood') => faces.filter((f) => labels.some((l) => l['source_id'] === f
    && (split === undefined || (split === 'id') === (l['corruption'] === 'clean'))
    && scored(l).predicted !== scored(l).trueClass && scored(l).conf >= threshold));
  for (const [threshold, split] of [[0.5, undefined], [0.3, 'ood'], [0.4, 'id'], [0.99, undefined]] as const) {
    const r = await get(`/api/faces?wrong=${threshold}${split ? `&split=${split}` : ''}`);
    assert.equal(r.faces.map((f: { id: string }) => f.id), expectWrong(threshold, split), `wrong ≥ ${threshold} ${split ?? ''}`);
  }
  assert.ok(expectWrong(0.3, 'ood').length > 0 && expectWrong(0.3, 'ood').length < faces.length || expectWrong(0.99).length < expectWrong(0.3).length, 'the filter separates faces');
  const label = Number(labels[0]!['label']);
  const byClass = await get(`/api/faces?label=${label}`);
  assert.equal(byClass.faces.map((f: { id: string }) => f.id), faces.filter((f) => labels.find((l) => l['source_id'] === f)!['label'] === String(label)));
  const all = await get('/api/faces');
  assert.equal(all.total, 5);
  assert.equal(all.faces[0].file, labels[0]!['file']);
});

test('one face: every variant with its file, visibility, soft label and prediction from the CSVs', async () => {
  const face = await get('/api/face?i=2');
  const rows = labels.filter((l) => l['source_id'] === face.id);
  assert.equal(face.variants.length, rows.length);
  assert.equal(face.variants.length, 1 + CORRUPTIONS.length * 2);
  face.variants.forEach((v: any, k: number) => {
    const row = rows[k]!;
    assert.equal([v.id, v.file, v.corruption, v.severity, v.visibility], [row['id'], row['file'], row['corruption'], Number(row['severity']), Number(row['visibility'])]);
    assert.equal(v.soft, probs(row, report.classes));
    assert.equal(v.prediction.pre, probs(predictions.get(row['id']!)!, report.classes));
    assert.equal(v.prediction.predicted, scored(row).predicted);
    assert.equal(v.trueClass, scored(row).trueClass);
    assert.ok(Math.abs(v.prediction.post.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9);
  });
});

test('bad query parameters are refused with 400 and evaluated never', async () => {
  for (const path of ['/api/faces?label=process.exit(1)', '/api/faces?wrong=1e400', '/api/reliability?corruption=__proto__', '/api/reliability?corruption=constructor',
    '/api/faces?page=-1', '/api/faces?toString=1', '/api/face?i=99', '/api/face', '/api/bin?split=ood', '/api/faces?label=1&label=2', '/api/reliability?severity=%00']) {
    const r = await rawRequest(server.url, path);
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    assert.ok(typeof JSON.parse(r.body).error === 'string');
  }
  assert.equal((await get('/api/overview')).faces, 5, 'still serving');
});

test('files: inside OUT served, everything else refused', async () => {
  const ok = await rawRequest(server.url, `/files/${labels[0]!['file']}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'image/png');
  assert.equal(Buffer.from(ok.body, 'latin1').subarray(1, 4).toString(), 'PNG');
  assert.equal((await rawRequest(server.url, `/files/alias/${labels[0]!['file'].split('/').pop()}`)).status, 200, 'a symlink inside OUT to inside OUT');
  const refused: [string, number][] = [
    ['/files/../secret.txt', 400], ['/files/%2e%2e/secret.txt', 400], ['/files/%2E%2E%2Fsecret.txt', 400], ['/files/clean/..%2f..%2fsecret.txt', 400],
    ['/files/.%2e/secret.txt', 400], ['/files//etc/passwd', 400], ['/files/%2Fetc%2Fpasswd', 400], [`/files/${encodeURIComponent(join(root, 'secret.txt'))}`, 400],
    ['/files/C:%5Cwindows', 400], ['/files/clean%5C..%5C..%5Csecret.txt', 400], ['/files/leak.png', 403], ['/files/leakdir/secret.txt', 403],
    ['/files/labels.csv%00.png', 400], ['/files/%00', 400], ['/files/.fer-c.lock', 400], ['/files/%E0%A4%A', 400], ['/files/nothing.png', 404], ['/files/clean', 404],
    ['/../secret.txt', 404], ['/static/../../../package.json', 404], ['/static/%2e%2e/app.js', 404],
  ];
  for (const [path, status] of refused) {
    const r = await rawRequest(server.url, path);
    assert.equal(r.status, status, `${path}: ${r.body}`);
    assert.not.ok(r.body.includes(SECRET), `${path} leaked the secret`);
  }
});

test('a raw NUL byte in the request line is refused', async () => {
  const u = new URL(server.url);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.end(`GET /files/leak.png\0/x HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.not.ok(reply.includes(SECRET));
});

test('read-only: methods other than GET and HEAD get 405; HEAD has no body', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await rawRequest(server.url, '/api/overview', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers['allow'], 'GET, HEAD');
  }
  const head = await rawRequest(server.url, '/api/overview', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 0);
});

test('binds 127.0.0.1 by default and refuses a foreign Host header', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const r = await rawRequest(server.url, '/api/overview', { host: 'evil.example:80' });
  assert.equal(r.status, 421);
  const page = await rawRequest(server.url, '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  for (const asset of ['/static/app.js', '/static/style.css']) assert.equal((await rawRequest(server.url, asset)).status, 200, asset);
});

test('a run without predictions: the API works and says there is no model', async () => {
  const s = await startExplore({ dir: NO_MODEL, port: 0 });
  try {
    await s.indexed;
    const o = JSON.parse((await rawRequest(s.url, '/api/overview')).body);
    assert.equal([o.hasModel, o.report, o.faces], [false, null, 3]);
    const faces = JSON.parse((await rawRequest(s.url, '/api/faces')).body);
    assert.equal(faces.total, 3);
    const face = JSON.parse((await rawRequest(s.url, '/api/face?i=0')).body);
    assert.equal(face.variants.length, 2);
    assert.equal(face.variants[0].prediction, null);
    const r = JSON.parse((await rawRequest(s.url, '/api/reliability')).body);
    assert.equal([r.pre.count, r.pre.ece, r.post], [0, null, null]);
  } finally {
    await s.close();
  }
});

test('bad input: not a run folder names what is missing', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  for (const [dir, pattern] of [[empty, /not a fer-c run folder: manifest\.jsonl and labels\.csv are missing/], [join(root, 'absent'), /no such folder/], [join(root, 'secret.txt'), /not a folder/]] as const) {
    try {
      await startExplore({ dir, port: 0 });
      assert.unreachable(`${dir} accepted`);
    } catch (e) {
      assert.instance(e, ExploreError);
      assert.match((e as Error).message, pattern);
    }
  }
});

test('bad input: a run still being written (a live lock) is refused, naming the writer', async () => {
  const lock = join(NO_MODEL, '.fer-c.lock');
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), command: 'fer-c run', since: new Date().toISOString(), token: 'x' }));
  try {
    await startExplore({ dir: NO_MODEL, port: 0 });
    assert.unreachable('a run being written accepted');
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`still being written by fer-c run \\(pid ${process.pid}`));
  } finally {
    rmSync(lock);
  }
});

test('bad input: a port in use says so and suggests --port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await startExplore({ dir: RUN, port });
    assert.unreachable('a busy port accepted');
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*--port`));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test('bad input: rows past the manifest (an interrupted run) are left out with a warning', async () => {
  const copy = join(root, 'cut');
  mkdirSync(copy);
  for (const f of ['manifest.jsonl', 'labels.csv']) writeFileSync(join(copy, f), readFileSync(join(NO_MODEL, f)));
  writeFileSync(join(copy, 'labels.csv'), readFileSync(join(copy, 'labels.csv'), 'utf8') + 'half,a,row');
  const lines: string[] = [];
  const s = await startExplore({ dir: copy, port: 0, log: (l) => lines.push(l) });
  try {
    await s.indexed;
    assert.equal(s.index.faces, 3);
    assert.match(lines.join('\n'), /labels\.csv holds 10 bytes past the manifest/);
  } finally {
    await s.close();
  }
  writeFileSync(join(copy, 'labels.csv'), 'id,source_id\n');
  try {
    await startExplore({ dir: copy, port: 0 });
    assert.unreachable('a cut file accepted');
  } catch (e) {
    assert.match((e as Error).message, /labels\.csv: 13 bytes, but the manifest records \d+: the file was cut short/);
  }
});

test('the index cache: written outside OUT, read back equal, rebuilt when the run changes or the file is damaged', async () => {
  const cacheDir = join(root, 'cache');
  const before = listing(RUN);
  const first = await startExplore({ dir: RUN, port: 0, indexCache: cacheDir });
  await first.indexed;
  const built = { columns: snapshotOf(first), ood: (await rawRequest(first.url, '/api/reliability?split=ood')).body };
  await first.close();
  assert.equal(first.fromCache, false);
  const files = readdirSync(cacheDir);
  assert.equal(files.length, 1, 'one cache file');
  const second = await startExplore({ dir: RUN, port: 0, indexCache: cacheDir });
  try {
    assert.equal(second.fromCache, true);
    assert.equal(snapshotOf(second), built.columns, 'the cached index equals the built one');
    assert.equal((await rawRequest(second.url, '/api/reliability?split=ood')).body, built.ood);
  } finally {
    await second.close();
  }
  assert.equal(listing(RUN), before, 'nothing written in OUT');
  const lines: string[] = [];
  const labelsPath = join(RUN, 'labels.csv');
  const when = statSync(labelsPath).mtime;
  utimesSync(labelsPath, new Date(when.getTime() + 5000), new Date(when.getTime() + 5000));
  const third = await startExplore({ dir: RUN, port: 0, indexCache: cacheDir, log: (l) => lines.push(l) });
  await third.indexed;
  await third.close();
  assert.equal(third.fromCache, false);
  assert.match(lines.join('\n'), /the run's files changed since its index was cached/);
  const cacheFile = join(cacheDir, files[0]!);
  truncateSync(cacheFile, statSync(cacheFile).size - 8);
  const fourth = await startExplore({ dir: RUN, port: 0, indexCache: cacheDir, log: (l) => lines.push(l) });
  await fourth.indexed;
  await fourth.close();
  assert.equal(fourth.fromCache, false);
  assert.match(lines.join('\n'), /bytes, not the header's \d+ rows/);
});

test('the CLI prints the URL, serves, and stops on SIGTERM', async () => {
  const xdg = join(root, 'xdg');
  const cli = new CliRun(['explore', NO_MODEL, '--port', '0'], { env: { ...process.env, XDG_CACHE_HOME: xdg } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const check = (): void => { const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.stdout); if (m) resolve(m[1]!); };
      cli.child.stdout!.on('data', check);
      void cli.done.then((f) => reject(new Error(`exited early: ${f.stderr}`)));
    });
    assert.equal(JSON.parse((await rawRequest(url, '/api/overview')).body).faces, 3);
    assert.ok(await cli.waitFor(/indexed \d+ images of 3 faces|cannot index/), cli.stderr);
    assert.match(cli.stderr, /indexed 6 images of 3 faces/);
    assert.equal(readdirSync(join(xdg, 'fer-c', 'explore')).length, 1, 'the index cached under $XDG_CACHE_HOME/fer-c/explore');
  } finally {
    cli.child.kill('SIGTERM');
  }
  const done = await cli.done;
  assert.equal(done.code, 0, done.stderr);
  const bad = new CliRun(['explore', join(root, 'empty')]);
  const f = await bad.done;
  assert.equal(f.code, 1);
  assert.match(f.stderr, /fer-c explore: .*not a fer-c run folder/);
  assert.ok(existsSync(RUN));
});

test.run();
