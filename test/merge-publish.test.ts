/**
 * `fer-c merge` publishes the merged set as a whole (issue 25): labels.csv,
 * report/ and manifest.jsonl are staged, then published by a manifest switch.
 * What a reader may rely on: wherever OUT/manifest.jsonl is, every file of the
 * set is there and whole (the bytes of an uninterrupted merge), and no file of
 * the set is ever torn. Checked two ways:
 *  - in process, after every file-system call of a first merge and of a merge
 *    over an earlier one (node:fs patched, its ES-module bindings synced): every
 *    state a kill could leave, in order, with no timing involved;
 *  - SIGKILL at random moments of real `fer-c merge` processes, ≥ 20 kills on one
 *    folder: after each, the same check (whatever moment the kill hit); then a
 *    rerun gives the bytes of the uninterrupted merge.
 * The merge before staging failed the first: a merge over an earlier one removed
 * report/ while the earlier manifest still said the set was there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { afterFsCalls } from './helpers/fs-calls.js';
import { CliRun, prng, runCli, snapshot } from './helpers/run-folder.js';
import { isTempName } from '../src/io/atomic.js';
import { loadSpec } from '../src/pipeline/spec/index.js';
import { runOptionsFromSpec } from '../src/pipeline/from-spec.js';
import { mergeShards } from '../src/pipeline/merge-shards.js';
import { selectBackend } from '../src/gpu/backend.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-merge-publish-'));
const CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];
const DEMO_CSV = join(REPO_ROOT, 'examples/data/demo-faces.csv');
const LIMIT = 8;
const VARIANTS = ['clean', 'gaussian_noise__1', 'gaussian_noise__5', 'contrast__1', 'contrast__5'];
/** The files of the merged set (with a predictions file, the run writes no predictions.csv of its own). */
const SET = ['labels.csv', 'report', 'manifest.jsonl'];

/** Made-up probabilities for every image of the run: a model's predictions made elsewhere (no model to load per merge). */
function predictionsCsv(): string {
  const rand = prng(17);
  const ids = readFileSync(DEMO_CSV, 'utf8').trim().split('\n').slice(1, LIMIT + 1).map((l) => l.split(',')[0]!.replace(/\.png$/, ''));
  const lines = [`id,${CLASSES.map((_, k) => `p_${k}`).join(',')}`];
  for (const id of ids) {
    for (const variant of VARIANTS) {
      const n = CLASSES.map(() => 1 + Math.floor(rand() * 100));
      const total = n.reduce((a, b) => a + b, 0);
      lines.push(`${id}__${variant},${n.map((x) => (x / total).toPrecision(15)).join(',')}`);
    }
  }
  const path = join(root, 'predictions.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const specPath = join(root, 'spec.json');
writeFileSync(specPath, JSON.stringify({
  name: 'merge-publish',
  source: { type: 'folder', root: join(REPO_ROOT, 'test/fixtures/faces'), csv: DEMO_CSV, classes: CLASSES },
  limit: LIMIT, corruptions: ['gaussian_noise', 'contrast'], severities: [1, 5], seed: 7,
  labels: {
    gmm: { fit: { csv: DEMO_CSV, format: 'folder', shrinkage: { prior: 'circumplex', strength: 5 } } },
    visibility: { measure: 'l2', calibration: 3 },
  },
  predictions: { type: 'file', path: predictionsCsv() },
  metrics: { report: true, calibrators: ['temperature', 'vector'] },
  output: { dir: join(root, 'unused') },
  workers: 1,
}));

/** The report's creation time is the one field two merges differ in by design. */
function comparable(name: string, bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return name.endsWith('report.json') ? text.replace(/"created": "[^"]+"/, '"created": "<TIME>"') : text;
}

/** The files of the merged set in `dir` (report/ file by file), temp names left out: what a reader can open. */
function setFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const add = (path: string): void => {
    const name = relative(dir, path);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) { for (const entry of readdirSync(path)) if (!isTempName(entry)) add(join(path, entry)); } else files.set(name, readFileSync(path));
  };
  for (const name of SET) add(join(dir, name));
  return files;
}

/** Every file outside the merged set and shards' work, temp names left out. */
function otherFiles(dir: string): Map<string, Buffer> {
  return new Map([...snapshot(dir)].filter(([name]) => !SET.some((s) => name === s || name.startsWith(`${s}/`)) && !name.split('/').some(isTempName)));
}

/** What a reader may rely on in `dir`; a description of the first breach, or undefined. */
function breach(dir: string, reference: Map<string, Buffer>): string | undefined {
  const seen = setFiles(dir);
  for (const [name, bytes] of seen) {
    const want = reference.get(name);
    if (want === undefined) return `${name} is not a file of the merged set`;
    if (comparable(name, bytes) !== comparable(name, want)) return `${name} is not whole (${bytes.length} bytes, the merged file has ${want.length})`;
  }
  if (seen.has('manifest.jsonl')) {
    const missing = [...reference.keys()].filter((name) => !seen.has(name));
    if (missing.length > 0) return `manifest.jsonl says the set is there, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`;
  }
  return undefined;
}

const sharded = join(root, 'sharded');   // calibrated, both shards finished, never merged
const reference = join(root, 'reference');
let referenceSet = new Map<string, Buffer>();
let beforeMerge = new Map<string, Buffer>();
/** Milliseconds from the merge's "phase: merge" line to its end, in the uninterrupted merge. */
let mergeLength = 0;

test('setup: calibrate, two shards, the uninterrupted merge', async () => {
  const set = ['--set', `output.dir=${sharded}`];
  const c = await runCli(['calibrate', specPath, ...set]);
  assert.is(c.code, 0, c.stderr);
  const shards = await Promise.all([0, 1].map((i) => runCli(['run', specPath, ...set, '--shard', `${i}/2`, '--quiet'])));
  shards.forEach((s, i) => assert.is(s.code, 0, `shard ${i}: ${s.stderr}`));
  beforeMerge = otherFiles(sharded);
  cpSync(sharded, reference, { recursive: true });
  const merge = new CliRun(['merge', specPath, '--set', `output.dir=${reference}`]);
  assert.ok(await merge.waitFor(/^phase: merge/m), merge.stderr);
  const started = performance.now();
  const done = await merge.done;
  mergeLength = performance.now() - started;
  assert.is(done.code, 0, done.stderr);
  referenceSet = setFiles(reference);
  assert.equal([...referenceSet.keys()].filter((n) => !n.startsWith('report/')).sort(), ['labels.csv', 'manifest.jsonl']);
  assert.ok(referenceSet.has('report/report.json') && referenceSet.has('report/report.md'), 'the set has its report');
  assert.is(breach(reference, referenceSet), undefined);
});

const STEPS = ['openSync', 'writeSync', 'closeSync', 'writeFileSync', 'renameSync', 'unlinkSync', 'rmSync', 'rmdirSync', 'linkSync', 'mkdirSync', 'copyFileSync'] as const;
/** Runs `main` with `after()` called after every file-system call that may change a folder (none while it runs). */
async function everyStep(main: () => Promise<unknown>, after: () => void): Promise<number> {
  let steps = 0;
  await afterFsCalls(STEPS, () => { steps++; after(); }, main);
  return steps;
}

async function mergeInProcess(dir: string): Promise<void> {
  const spec = loadSpec(specPath, [`output.dir=${dir}`]);
  // The backend as the CLI picks it: it is part of the settings calibrate recorded.
  const options = await runOptionsFromSpec(spec, (await selectBackend(spec.backend)).backend, { progress: false, log: () => {}, calibrated: 'fer-c merge' });
  await mergeShards(options);
}

test('after every file-system call of a merge, and of a merge over an earlier one: no half set', async () => {
  const dir = join(root, 'stepwise');
  cpSync(sharded, dir, { recursive: true });
  for (const which of ['the first merge', 'a merge over an earlier one']) {
    const breaches: string[] = [];
    const steps = await everyStep(() => mergeInProcess(dir), () => {
      const b = breach(dir, referenceSet);
      if (b !== undefined && breaches.length < 3) breaches.push(b);
    });
    assert.equal(breaches, [], `${which} (${steps} steps): a reader saw a half set`);
    assert.ok(steps > 10, `${which}: its steps were watched (${steps})`);
    assert.is(breach(dir, referenceSet), undefined);
    assert.equal([...setFiles(dir).keys()].sort(), [...referenceSet.keys()].sort(), `${which}: the whole set`);
  }
  assert.equal([...otherFiles(dir).keys()].sort(), [...beforeMerge.keys()].sort(), 'nothing else added or removed, no staging left');
});

test('SIGKILL at random moments, ≥ 20 kills on one folder: never a half set, and a rerun gives the same bytes', async () => {
  const dir = join(root, 'killed');
  cpSync(sharded, dir, { recursive: true });
  const seed = Number(process.env['FERC_KILL_SEED'] ?? Date.now() % 100_000);
  const rand = prng(seed);
  let kills = 0, completed = 0, published = 0;
  // Each kill lands a random time after the merge phase begins, up to its length in the uninterrupted merge; a
  // merge that ends first (this one was faster) is a whole merge, checked the same way. Every outcome is checked.
  for (let attempt = 0; kills < 20; attempt++) {
    assert.ok(attempt < 200, `20 kills within 200 merges (${kills} so far): the merges end before their kill`);
    const merge = new CliRun(['merge', specPath, '--set', `output.dir=${dir}`]);
    if (await merge.waitFor(/^phase: merge/m)) {
      await new Promise((resolve) => setTimeout(resolve, rand() * mergeLength));
      merge.child.kill('SIGKILL');
    }
    const r = await merge.done;
    if (r.signal === 'SIGKILL') kills++;
    else { assert.is(r.code, 0, r.stderr); completed++; }
    const b = breach(dir, referenceSet);
    assert.is(b, undefined, `after ${r.signal === 'SIGKILL' ? `kill ${kills}` : 'a whole merge'} (FERC_KILL_SEED=${seed}): ${b}`);
    if (existsSync(join(dir, 'manifest.jsonl'))) published++;
  }
  console.log(`  merge kill test (FERC_KILL_SEED=${seed}): ${kills} kills, ${completed} merges ended first; the set was published after ${published} of them`);
  const rerun = await runCli(['merge', specPath, '--set', `output.dir=${dir}`]);
  assert.is(rerun.code, 0, rerun.stderr);
  const after = setFiles(dir);
  assert.equal([...after.keys()].sort(), [...referenceSet.keys()].sort(), 'the whole set');
  for (const [name, bytes] of after) assert.is(comparable(name, bytes), comparable(name, referenceSet.get(name)!), `${name} equals the uninterrupted merge's`);
  const others = otherFiles(dir);
  assert.equal([...others.keys()].sort(), [...beforeMerge.keys()].sort(), 'nothing else added or removed, no staging left');
  for (const [name, bytes] of others) assert.ok(bytes.equals(beforeMerge.get(name)!), `${name} is untouched by the merges`);
  assert.equal(readdirSync(dir).filter(isTempName), [], 'no temp file left');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
