/**
 * Sharded runs (issue 12): a spec run once, and again as `fer-c calibrate` +
 * 3 shards in parallel processes + `fer-c merge`, gives the same files outside
 * shards/ (the report's creation time aside): with a model (report and all)
 * and without; with one shard SIGKILLed part-way and rerun. A merge with a
 * shard missing or unfinished names it, exits 1 and writes nothing. Locks: a
 * shard and anything taking the whole folder refuse each other.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync, rmSync, utimesSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { CliRun, runCli, snapshot } from './helpers/run-folder.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-shard-'));
const CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];

/** A small spec over the bundled faces; `model`: face-api scores it and the report has a second calibrator. */
function writeSpec(name: string, model: boolean, limit: number): string {
  const spec = {
    name: `shard-${name}`,
    source: { type: 'folder', root: join(REPO_ROOT, 'test/fixtures/faces'), csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'), classes: CLASSES },
    limit,
    corruptions: ['gaussian_noise', 'motion_blur', 'contrast'],
    severities: [2, 5],
    seed: 5,
    labels: {
      gmm: { fit: { csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'), format: 'folder', shrinkage: { prior: 'circumplex', strength: 5 } } },
      visibility: { measure: 'l2', calibration: 4 },
    },
    output: { dir: join(root, `${name}-single`) },
    workers: 1,
    ...(model ? { predictions: { type: 'face-api' }, metrics: { bins: 10, temperature: true, calibrators: ['temperature', 'vector'], report: true, interval: 0 } } : {}),
  };
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** The report's creation time is the one field two runs differ in by design. */
function comparable(name: string, bytes: Buffer): Buffer {
  return name === 'report/report.json' ? Buffer.from(bytes.toString('utf8').replace(/"created": "[^"]+"/, '"created": "<TIME>"')) : bytes;
}

/** Every file of the sharded folder outside shards/ against the single run's: the same names, the same bytes. */
function assertSameOutsideShards(sharded: string, single: string): void {
  const a = new Map([...snapshot(sharded)].filter(([name]) => !name.startsWith('shards/')));
  const e = snapshot(single);
  assert.equal([...a.keys()].sort(), [...e.keys()].sort(), 'the same files outside shards/');
  const differ = [...e].filter(([name, bytes]) => !comparable(name, a.get(name)!).equals(comparable(name, bytes))).map(([name]) => name);
  assert.equal(differ, [], 'files that differ from the single run');
}

async function cli(...args: string[]) {
  const r = await runCli(args);
  return r;
}

async function calibrateAndShards(spec: string, out: string): Promise<void> {
  const c = await cli('calibrate', spec, '--set', `output.dir=${out}`);
  assert.is(c.code, 0, c.stderr);
  const shards = await Promise.all([0, 1, 2].map((i) => cli('run', spec, '--set', `output.dir=${out}`, '--shard', `${i}/3`, '--quiet')));
  shards.forEach((s, i) => assert.is(s.code, 0, `shard ${i}: ${s.stderr}`));
}

/** Runs merge expecting a refusal: exit 1, the message matching, and the folder exactly as it was. */
async function assertMergeRefused(spec: string, out: string, message: RegExp): Promise<void> {
  const before = snapshot(out);
  const r = await cli('merge', spec, '--set', `output.dir=${out}`);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /nothing was written/);
  const after = snapshot(out);
  assert.equal([...after.keys()].sort(), [...before.keys()].sort(), 'merge refused: no file added or removed');
  for (const [name, bytes] of before) assert.ok(after.get(name)!.equals(bytes), `${name} changed by a refused merge`);
}

const modelSpec = writeSpec('model', true, 16);

test('with a model: calibrate + 3 parallel shards + merge = one run (report included); a missing shard is named', async () => {
  const single = await cli('run', modelSpec, '--quiet');
  assert.is(single.code, 0, single.stderr);
  const out = join(root, 'model-sharded');
  await calibrateAndShards(modelSpec, out);
  // Shard 2 of 3 gone: named, nothing written.
  renameSync(join(out, 'shards/2-of-3'), join(root, 'aside'));
  await assertMergeRefused(modelSpec, out, /2-of-3 missing/);
  renameSync(join(root, 'aside'), join(out, 'shards/2-of-3'));
  const merged = await cli('merge', modelSpec, '--set', `output.dir=${out}`);
  assert.is(merged.code, 0, merged.stderr);
  assertSameOutsideShards(out, join(root, 'model-single'));
  // The report names its inputs relative to the run folder: the same text wherever it ran.
  const report = JSON.parse(readFileSync(join(out, 'report/report.json'), 'utf8')) as { inputs: { labels: string[]; predictions: string[] }; counts: { id: number }; calibrators: Record<string, unknown> };
  assert.equal(report.inputs, { labels: ['labels.csv'], predictions: ['predictions.csv'], states: [] });
  assert.is(report.counts.id, 16);
  assert.equal(Object.keys(report.calibrators), ['temperature', 'vector']);
  // Manifest lines: every sample of the run once, in source order.
  const lines = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { i: number });
  assert.equal(lines.map((l) => l.i), [...Array(16).keys()]);
});

/** Lines of a shard's manifest after its header: its finished samples. */
function shardFinished(out: string, name: string): number {
  const path = join(out, 'shards', name, 'manifest.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length - 1 : 0;
}

test('without a model: shard 1 of 3 SIGKILLed part-way, merge names it unfinished, rerun, merge = one run', async () => {
  const spec = writeSpec('plain', false, 12);
  const single = await cli('run', spec, '--quiet');
  assert.is(single.code, 0, single.stderr);
  const out = join(root, 'plain-sharded');
  const c = await cli('calibrate', spec, '--set', `output.dir=${out}`);
  assert.is(c.code, 0, c.stderr);
  const runs = [0, 1, 2].map((i) => new CliRun(['run', spec, '--set', `output.dir=${out}`, '--shard', `${i}/3`, '--quiet']));
  // Shard 1 has 4 samples: killed once the first is in its manifest.
  let atKill = -1;
  const poll = setInterval(() => {
    const n = shardFinished(out, '1-of-3');
    if (n >= 1 && atKill < 0) { atKill = n; runs[1]!.child.kill('SIGKILL'); }
  }, 10);
  const ends = await Promise.all(runs.map((r) => r.done));
  clearInterval(poll);
  assert.is(ends[1]!.signal, 'SIGKILL', `shard 1 was killed (it ended with ${ends[1]!.code}): ${ends[1]!.stderr}`);
  assert.ok(atKill >= 1 && atKill < 4, `killed part-way (${atKill} of 4 samples finished)`);
  for (const i of [0, 2]) assert.is(ends[i]!.code, 0, ends[i]!.stderr);
  await assertMergeRefused(spec, out, /1-of-3 unfinished \(\d of its 4 samples done\)/);
  const rerun = await cli('run', spec, '--set', `output.dir=${out}`, '--shard', '1/3', '--quiet');
  assert.is(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /resuming: \d samples already finished/);
  const merged = await cli('merge', spec, '--set', `output.dir=${out}`);
  assert.is(merged.code, 0, merged.stderr);
  assertSameOutsideShards(out, join(root, 'plain-single'));
});

/** A lock file held by this (live) test process, as another fer-c process would hold it. */
function holdLock(dir: string, name: string, command: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify({ pid: process.pid, host: hostname(), command, since: new Date().toISOString(), token: 'test' })}\n`);
  return path;
}

test('locks: a live shard refuses an unsharded run and a merge; a whole-folder lock refuses a shard; two of one shard refuse', async () => {
  const spec = join(root, 'plain.json');
  const out = join(root, 'plain-sharded');
  const set = ['--set', `output.dir=${out}`];
  let lock = holdLock(out, '.fer-c-shard-2-of-3.lock', 'fer-c run --shard 2/3');
  for (const args of [['run', spec, ...set, '--quiet'], ['merge', spec, ...set], ['calibrate', spec, ...set]]) {
    const r = await cli(...args);
    assert.is(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`in use by fer-c run --shard 2/3 \\(pid ${process.pid}`));
  }
  const same = await cli('run', spec, ...set, '--shard', '2/3', '--quiet');
  assert.is(same.code, 1, same.stderr);
  assert.match(same.stderr, /in use by fer-c run --shard 2\/3/);
  rmSync(lock);
  lock = holdLock(out, '.fer-c.lock', 'fer-c merge');
  const shard = await cli('run', spec, ...set, '--shard', '0/3', '--quiet');
  assert.is(shard.code, 1, shard.stderr);
  assert.match(shard.stderr, new RegExp(`in use by fer-c merge \\(pid ${process.pid}`));
  rmSync(lock);
  assert.equal(readdirLocks(out), [], 'the refused processes left no lock behind');
});

test('locks across machines: a shard lock of another host is held while refreshed, taken over once its lease ran out', async () => {
  const spec = join(root, 'plain.json');
  const out = join(root, 'plain-sharded');
  const set = ['--set', `output.dir=${out}`];
  const path = join(out, '.fer-c-shard-0-of-3.lock');
  writeFileSync(path, `${JSON.stringify({ pid: 1, host: 'node-that-died', command: 'fer-c run --shard 0/3', since: new Date().toISOString(), token: 'other' })}\n`);
  const held = await cli('run', spec, ...set, '--shard', '0/3', '--quiet');
  assert.is(held.code, 1, held.stderr);
  assert.match(held.stderr, /in use by fer-c run --shard 0\/3 \(pid 1 on node-that-died/);
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(path, old, old); // a pod on a node that died 10 minutes ago stopped refreshing it
  const retried = await cli('run', spec, ...set, '--shard', '0/3', '--quiet');
  assert.is(retried.code, 0, retried.stderr);
  assert.match(retried.stderr, /taking over a stale lock \(fer-c run --shard 0\/3, not refreshed for 60\d s: its host node-that-died stopped holding it\)/);
  assert.match(retried.stderr, /resuming: 4 samples already finished/);
  assert.equal(readdirLocks(out), []);
});

function readdirLocks(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((n) => /(^|\/)\.fer-c.*\.lock$/.test(n));
}

test('a shard without calibrate, or of other settings: a clear error naming the file and the command', async () => {
  const spec = join(root, 'plain.json');
  const fresh = join(root, 'uncalibrated');
  const r = await cli('run', spec, '--set', `output.dir=${fresh}`, '--shard', '0/2', '--quiet');
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /needs .*shards\/calibration\.json, .*gmm\.json, .*visibility\.json, written by fer-c calibrate: run `fer-c calibrate SPEC`/);
  const other = await cli('run', spec, '--set', `output.dir=${join(root, 'plain-sharded')}`, '--set', 'seed=6', '--shard', '0/3', '--quiet');
  assert.is(other.code, 1, other.stderr);
  assert.match(other.stderr, /calibrated for other settings/);
  const bad = await cli('run', spec, '--shard', '3/3');
  assert.is(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /I must be in 0\.\.2/);
  const overwrite = await cli('run', spec, '--shard', '0/3', '--overwrite');
  assert.is(overwrite.code, 2, overwrite.stderr);
  assert.match(overwrite.stderr, /--shard and --overwrite: shards share the folder; start afresh with fer-c calibrate SPEC --overwrite/);
  // A folder re-sharded with another N: merge wants to be told which.
  const sharded = join(root, 'plain-sharded');
  mkdirSync(join(sharded, 'shards/0-of-2'));
  await assertMergeRefused(spec, sharded, /holds shards of several counts \(2, 3\): pass --shards N/);
  rmSync(join(sharded, 'shards/0-of-2'), { recursive: true });
});

/** Runs one of examples/slurm's scripts as plain bash (its #SBATCH lines are comments), as a task of the array would. */
async function slurmStep(script: string, env: Record<string, string>): Promise<void> {
  const r = await runCliBash(join(REPO_ROOT, 'examples/slurm', script), env);
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
}

function runCliBash(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('examples/slurm: the scripts parse (bash -n), and run as bash they do calibrate → 3 array tasks → merge = one run', async () => {
  const dir = join(REPO_ROOT, 'examples/slurm');
  for (const f of ['calibrate.sbatch', 'shard.sbatch', 'merge.sbatch', 'submit.sh']) {
    const r = spawnSync('bash', ['-n', join(dir, f)], { encoding: 'utf8' });
    assert.is(r.status, 0, `${f}: ${r.stderr}`);
  }
  const submit = readFileSync(join(dir, 'submit.sh'), 'utf8');
  assert.match(submit, /--array="0-\$\(\(SHARDS - 1\)\)" --dependency="afterok:\$\{calibrate\}"/);
  assert.match(submit, /--dependency="afterok:\$\{shards\}" "\$here\/merge.sbatch"/);
  const env = { FERC_DIR: REPO_ROOT, SPEC: join(root, 'plain.json'), OUT: join(root, 'slurm-sharded'), SHARDS: '3', SLURM_CPUS_PER_TASK: '1' };
  await slurmStep('calibrate.sbatch', env);
  await Promise.all(['0', '1', '2'].map((i) => slurmStep('shard.sbatch', { ...env, SLURM_ARRAY_TASK_ID: i })));
  await slurmStep('merge.sbatch', env);
  assertSameOutsideShards(join(root, 'slurm-sharded'), join(root, 'plain-single'));
});

test('examples/kubernetes: an Indexed Job whose N is its completions, one volume and one run folder for all three Jobs', () => {
  const dir = join(REPO_ROOT, 'examples/kubernetes');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const shards = read('shards-job.yaml');
  assert.match(shards, /^\s+completionMode: Indexed$/m);
  const completions = Number(/^\s+completions: (\d+)$/m.exec(shards)?.[1]);
  assert.is(Number(/^\s+parallelism: (\d+)$/m.exec(shards)?.[1]), completions, 'parallelism = completions');
  assert.is(Number(/--shard "\$\{JOB_COMPLETION_INDEX\}\/(\d+)"/.exec(shards)?.[1]), completions, 'the N of --shard is the completions');
  const claim = /^ {2}name: (\S+)$/m.exec(read('pvc.yaml'))?.[1];
  assert.ok(claim, 'pvc.yaml names its claim');
  for (const f of ['calibrate-job.yaml', 'shards-job.yaml', 'merge-job.yaml']) {
    const text = read(f);
    assert.ok(!/\t/.test(text), `${f}: no tabs (YAML)`);
    assert.ok(text.includes(`claimName: ${claim} }`), `${f} mounts the ${claim} volume`);
    assert.match(text, /output\.dir=\/runs\/affectnet-c/);
    assert.match(text, /pipelines\/affectnet-c\.json/);
  }
  assert.match(read('pvc.yaml'), /accessModes: \["ReadWriteMany"\]/);
  assert.match(read('calibrate-job.yaml'), /\["calibrate", /);
  assert.match(read('merge-job.yaml'), /\["merge", /);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
