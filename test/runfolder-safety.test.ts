/**
 * The run folder under hostile and unlucky conditions (issue 9): an output
 * folder over the inputs is refused before anything is written; a failed or
 * short write (EFBIG under `ulimit -f`, ENOSPC on a full tmpfs, a folder that
 * cannot be written) stops the run naming the file, leaves no temp file and no
 * cut image, and the run resumes to the bytes of an uninterrupted one; a resume
 * checks the images it counts as finished; a header-only annotation list is an
 * error before anything is written; one writer per folder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync, cpSync, chmodSync, truncateSync, statSync,
} from 'node:fs';
import { spawnSync, execFileSync } from 'node:child_process';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, FACES_DIR } from './helpers/fixtures.js';
import { CliRun, runCli, differingFiles, snapshot } from './helpers/run-folder.js';
import { readImageFile } from '../src/image/io.js';
import { RunLock, RunLockedError, runLockName } from '../src/io/run-lock.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-runfolder-'));
chmodSync(root, 0o755); // the unwritable-folder test runs the CLI as another user, who must read the specs
const DEMO_CSV = join(REPO_ROOT, 'examples/data/demo-faces.csv');
const CLASSES = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];

/** A small run: `limit` faces × gaussian_noise, contrast × severities 1, 5, GMM fitted, l2 calibration on 3. */
function spec(name: string, changes: Record<string, unknown> = {}): string {
  const doc = {
    name, source: { type: 'folder', root: FACES_DIR, csv: DEMO_CSV, classes: CLASSES },
    limit: 8, corruptions: ['gaussian_noise', 'contrast'], severities: [1, 5], seed: 2,
    labels: {
      gmm: { fit: { csv: DEMO_CSV, format: 'folder', shrinkage: { prior: 'circumplex', strength: 5 } } },
      visibility: { measure: 'l2', calibration: 3 },
    },
    output: { dir: join(root, name) }, workers: 2, window: 2, ...changes,
  };
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/** Temp files (a write's, never renamed into place) anywhere under dir. */
function tempFiles(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((f) => /(^|\/)\.[^/]+\.tmp$/.test(f));
}

/** PNGs under dir that do not decode to a whole 224×224 image. */
function brokenImages(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((f) => f.endsWith('.png') && !f.startsWith('report/')).filter((f) => {
    try { const im = readImageFile(join(dir, f)); return im.width !== 224 || im.height !== 224; } catch { return true; }
  });
}

// ---------------------------------------------------------------- references

const reference = join(root, 'reference');
const corruptInput = join(root, 'corrupt-in');
const corruptReference = join(root, 'corrupt-reference');
const CORRUPT_ARGS = ['--corruptions', 'gaussian_noise,contrast', '--severities', '1,5', '--seed', '2', '--workers', '2', '--quiet'];

test('references: an uninterrupted run and an uninterrupted corrupt', async () => {
  const r = await runCli(['run', spec('reference'), '--quiet']);
  assert.is(r.code, 0, r.stderr);
  mkdirSync(corruptInput);
  for (const f of readdirSync(FACES_DIR).filter((n) => n.endsWith('.png')).slice(0, 6)) cpSync(join(FACES_DIR, f), join(corruptInput, f));
  const c = await runCli(['corrupt', '--input', corruptInput, '--output', corruptReference, ...CORRUPT_ARGS]);
  assert.is(c.code, 0, c.stderr);
});

// ---------------------------------------------------------------- outputs never clobber inputs

/** The repro: 3 faces and their annotations as labels.csv in d/, and d/ as the output folder too. */
function userFolder(name: string): string {
  const d = join(root, name);
  mkdirSync(d);
  const lines = readFileSync(DEMO_CSV, 'utf8').trim().split('\n');
  for (const l of lines.slice(1, 4)) cpSync(join(FACES_DIR, l.split(',')[0]!), join(d, l.split(',')[0]!));
  writeFileSync(join(d, 'labels.csv'), `${lines.slice(0, 4).join('\n')}\n`);
  return d;
}

const REPRO = (d: string): string[] => [
  join(REPO_ROOT, 'pipelines/demo.json'), '--set', `source.root=${d}`, '--set', `source.csv=${d}/labels.csv`, '--set', `output.dir=${d}`,
  '--set', 'predictions=null', '--set', 'metrics=null', '--set', 'corruptions=["snow"]', '--set', 'severities=[1]', '--set', 'labels.visibility.calibration=2',
];

test('run, run --overwrite, validate and validate --check-files refuse an output folder that is the source folder; nothing is touched', async () => {
  const d = userFolder('user-data');
  const before = snapshot(d);
  for (const args of [['run', ...REPRO(d), '--quiet'], ['run', ...REPRO(d), '--overwrite', '--quiet'], ['validate', ...REPRO(d)], ['validate', ...REPRO(d), '--check-files']]) {
    const r = await runCli(args);
    assert.is(r.code, 1, `${args[0]} ${args.slice(-1)}: ${r.stderr}`);
    assert.match(r.stderr, `/output/dir: the output folder ${d} is the input folder source.root (${d})`);
    assert.match(r.stderr, `contains the input file source.csv (${d}/labels.csv)`);
    assert.equal(snapshot(d), before, 'the user\'s folder is unchanged, labels.csv included');
  }
});

test('an output folder inside the source folder, or holding the GMM, visibility table or predictions file, is refused', async () => {
  const d = userFolder('user-data-2');
  const cases: [string[], string][] = [
    [['--set', `output.dir=${d}/out`], `sits inside the input folder source.root (${d})`],
    [['--set', `output.dir=${root}`], `contains the input folder source.root (${d})`],
    [['--set', `labels.gmm={"file":"${reference}/gmm.json"}`, '--set', `output.dir=${reference}`], `contains the input file labels.gmm.file (${reference}/gmm.json)`],
    [['--set', `labels.visibility={"table":"${reference}/visibility.json"}`, '--set', `output.dir=${reference}`], 'contains the input file labels.visibility.table'],
    [['--set', `predictions={"type":"file","path":"${reference}/labels.csv"}`, '--set', `output.dir=${reference}`], 'contains the input file predictions.path'],
  ];
  const before = snapshot(reference);
  for (const [sets, message] of cases) {
    const r = await runCli(['run', join(REPO_ROOT, 'pipelines/demo.json'), '--set', `source.root=${d}`, '--set', `source.csv=${d}/labels.csv`, ...sets, '--quiet']);
    assert.is(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(message), `${sets.join(' ')}: ${r.stderr}`);
  }
  assert.not.ok(existsSync(join(d, 'out')), 'nothing written');
  assert.equal(snapshot(reference), before, 'the run folder holding the inputs is unchanged');
});

test('corrupt refuses --output that is, sits inside, or holds an input', async () => {
  const d = userFolder('user-data-3');
  const before = snapshot(d);
  const cases: [string[], string][] = [
    [['--input', d, '--output', d], `--output ${d} is the --input folder (${d})`],
    [['--input', d, '--output', join(d, 'out')], `sits inside the --input folder (${d})`],
    [['--input', corruptInput, '--output', d, '--labels', join(d, 'labels.csv')], `contains the --labels file (${join(d, 'labels.csv')})`],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['corrupt', ...args, '--quiet']);
    assert.is(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(message), r.stderr);
    assert.equal(snapshot(d), before, 'the input folder is unchanged');
  }
});

// ---------------------------------------------------------------- every write checked

test('EFBIG (ulimit -f 80): run stops naming the image, no temp file or cut image is left, and resumes to the same bytes', async () => {
  const path = spec('efbig');
  const dir = join(root, 'efbig');
  const r = await runCli(['run', path, '--quiet'], { shell: 'ulimit -f 80;' });
  assert.is.not(r.code, 0, 'the run fails');
  assert.match(r.stderr, new RegExp(`cannot write ${dir}/\\S+\\.png: file too large .*\\(EFBIG\\)`));
  assert.not.match(r.stderr, /\.tmp\b/, 'the message names the image, not its temp file');
  assert.equal(tempFiles(dir), [], 'no temp file left');
  assert.equal(brokenImages(dir), [], 'no cut image renamed into place');
  assert.not.ok(existsSync(join(dir, '.fer-c.lock')), 'the lock is released');
  const resumed = await runCli(['run', path, '--quiet']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.equal(differingFiles(dir, reference), []);
});

test('EFBIG (ulimit -f 80): corrupt stops naming the image and resumes to the same bytes', async () => {
  const out = join(root, 'corrupt-efbig');
  const r = await runCli(['corrupt', '--input', corruptInput, '--output', out, ...CORRUPT_ARGS], { shell: 'ulimit -f 80;' });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot write ${out}/\\S+\\.png: file too large .*\\(EFBIG\\)`));
  assert.equal(tempFiles(out), []);
  assert.equal(brokenImages(out), []);
  const resumed = await runCli(['corrupt', '--input', corruptInput, '--output', out, ...CORRUPT_ARGS]);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.equal(differingFiles(out, corruptReference), []);
});

test('ENOSPC (a 1 MB tmpfs): run stops naming the file, and resumes once there is space', async () => {
  const mnt = join(root, 'tmpfs');
  mkdirSync(mnt);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    console.log(`  skipped the ENOSPC test: cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || '').trim()}); needs root or CAP_SYS_ADMIN`);
    return;
  }
  try {
    const dir = join(mnt, 'run');
    const path = spec('enospc', { output: { dir } });
    const r = await runCli(['run', path, '--quiet']);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot write ${mnt}/run/\\S+: no space left on the device \\(ENOSPC\\)`));
    assert.equal(tempFiles(dir), []);
    assert.equal(brokenImages(dir), []);
    execFileSync('mount', ['-o', 'remount,size=16m', mnt]);
    const resumed = await runCli(['run', path, '--quiet']);
    assert.is(resumed.code, 0, resumed.stderr);
    assert.equal(differingFiles(dir, reference), []);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('an output folder that cannot be written: a clear message naming the folder', async () => {
  const locked = join(root, 'read-only');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  // root may write anywhere: run the CLI as nobody then.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const inside = await runCli(['run', spec('ro-1', { output: { dir: join(locked, 'out') } }), '--quiet'], asUser);
  assert.is(inside.code, 1, inside.stderr);
  assert.match(inside.stderr, `cannot create the output folder ${join(locked, 'out')}: permission denied (EACCES)`);
  const itself = await runCli(['run', spec('ro-2', { output: { dir: locked } }), '--quiet'], asUser);
  assert.is(itself.code, 1, itself.stderr);
  assert.match(itself.stderr, `cannot write in the folder ${locked}: permission denied (EACCES)`);
  assert.not.match(itself.stderr, /\.tmp\b/);
  const corrupt = await runCli(['corrupt', '--input', corruptInput, '--output', locked, '--quiet'], asUser);
  assert.is(corrupt.code, 1, corrupt.stderr);
  assert.match(corrupt.stderr, `cannot write in the folder ${locked}: permission denied (EACCES)`);
  assert.equal(readdirSync(locked), []);
});

test('a header-only annotation list: a clear error, and nothing written', async () => {
  const csv = join(root, 'header-only.csv');
  writeFileSync(csv, 'file,label,valence,arousal\n');
  const out = join(root, 'header-only-out');
  const r = await runCli(['run', spec('header-only', { source: { type: 'folder', root: FACES_DIR, csv, classes: CLASSES }, output: { dir: out } }), '--quiet']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `${csv}: the source has no usable samples (its annotation list is empty); nothing was written`);
  assert.not.ok(existsSync(out), 'no output folder');
  const gmm = join(reference, 'gmm.json');
  const c = await runCli(['corrupt', '--input', corruptInput, '--output', out, '--labels', csv, '--gmm', gmm, '--quiet']);
  assert.is(c.code, 1, c.stderr);
  assert.match(c.stderr, `--labels ${csv} labels none of the 6 files in --input ${corruptInput} (it has no rows); nothing was written`);
  assert.not.ok(existsSync(out), 'no output folder');
});

test('a resume checks the images it counts as finished: lost, cut or changed ones are written again', async () => {
  const dir = join(root, 'damaged');
  cpSync(reference, dir, { recursive: true });
  const finished = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { id: string }).id);
  const [a, b, c] = finished;
  rmSync(join(dir, 'contrast', '5', `${a}.png`));
  truncateSync(join(dir, 'gaussian_noise', '1', `${b}.png`), 4000);
  const changed = join(dir, 'clean', `${c}.png`);
  const bytes = readFileSync(changed);
  bytes[bytes.length - 20] ^= 0xff; // inside the last IDAT / IEND: still the same size
  writeFileSync(changed, bytes);
  const resumed = await runCli(['run', spec('damaged'), '--quiet']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /3 finished samples have lost or damaged images/);
  assert.equal(differingFiles(dir, reference), []);
});

test('a cut image of a sample in flight at the kill is made again, not taken as finished nor blamed on the input', async () => {
  const dir = join(root, 'in-flight');
  cpSync(reference, dir, { recursive: true });
  // As a kill leaves it: the manifest records 4 samples; sample 5's images are on disk, one of them cut short.
  const manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'manifest.jsonl'), `${manifest.slice(0, 5).join('\n')}\n`);
  const fifth = (JSON.parse(manifest[5]!) as { id: string }).id;
  truncateSync(join(dir, 'gaussian_noise', '5', `${fifth}.png`), 30_000);
  const resumed = await runCli(['run', spec('in-flight'), '--quiet']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming: 4 samples already finished/);
  assert.match(resumed.stderr, /done: 4 samples, 20 images/);
  assert.equal(differingFiles(dir, reference), []);
});

// ---------------------------------------------------------------- one writer per folder

/**
 * Two runs on one folder must overlap, whatever the machine's speed: the run that holds the folder
 * (the one that prints the calibration phase line, which comes after the lock; the GMM is fitted
 * before it) is stopped (SIGSTOP) until the other has ended, then let go on (SIGCONT). So the other
 * always meets a held folder.
 */
const HOLDS_FOLDER = /^phase: (calibration|main)/m;
const CONTENDED = { limit: 22, corruptions: ['zoom_blur', 'glass_blur', 'gaussian_noise', 'contrast'], severities: [1, 2, 3, 4, 5] };

/** Stops whichever of `runs` first shows it holds the folder until every other one has ended; then continues it. */
async function holdWinner(runs: readonly CliRun[]): Promise<void> {
  const phased = await Promise.race(runs.map((r) => r.waitFor(HOLDS_FOLDER).then((seen) => (seen ? r : undefined))));
  if (!phased) return; // none reached a phase (both refused or failed): the assertions say which
  phased.child.kill('SIGSTOP');
  try {
    await Promise.all(runs.filter((r) => r !== phased).map((r) => r.done));
  } finally {
    phased.child.kill('SIGCONT');
  }
}

async function twoRuns(name: string, order: 'together' | 'second once the first holds the folder'): Promise<void> {
  const path = spec(name, CONTENDED);
  const first = new CliRun(['run', path, '--quiet']);
  if (order !== 'together') assert.ok(await first.waitFor(HOLDS_FOLDER), first.stderr);
  const second = new CliRun(['run', path, '--quiet']);
  await holdWinner([first, second]);
  const [a, b] = await Promise.all([first.done, second.done]);
  const ok = [a, b].filter((r) => r.code === 0);
  const refused = [a, b].filter((r) => r.code !== 0);
  assert.is(ok.length, 1, `exactly one run proceeds:\n${a.stderr}\n---\n${b.stderr}`);
  const winner = a.code === 0 ? first : second;
  assert.is(refused[0]!.code, 1);
  assert.match(refused[0]!.stderr, `the output folder is in use by fer-c run (pid ${winner.child.pid} on ${hostname()}`);
  assert.equal(differingFiles(join(root, name), join(root, 'reference-22')), [], 'the surviving run\'s outputs equal an uninterrupted run');
  assert.not.ok(existsSync(join(root, name, '.fer-c.lock')), 'the lock is released');
}

test('two runs on one folder started together: exactly one proceeds, the other is refused naming the holder', async () => {
  const r = await runCli(['run', spec('reference-22', CONTENDED), '--quiet']);
  assert.is(r.code, 0, r.stderr);
  await twoRuns('together', 'together');
});

test('two runs on one folder, the second started while the first holds it: exactly one proceeds', async () => {
  await twoRuns('apart', 'second once the first holds the folder');
});

test('corrupt on a folder a run is writing is refused', async () => {
  const path = spec('busy', CONTENDED);
  const run = new CliRun(['run', path, '--quiet']);
  assert.ok(await run.waitFor(/^phase: calibration/m));
  run.child.kill('SIGSTOP'); // it holds the folder until corrupt has tried, however fast the machine
  let c;
  try {
    c = await runCli(['corrupt', '--input', corruptInput, '--output', join(root, 'busy'), '--quiet']);
  } finally {
    run.child.kill('SIGCONT');
  }
  assert.is(c.code, 1, c.stderr);
  assert.match(c.stderr, `in use by fer-c run (pid ${run.child.pid}`);
  assert.is((await run.done).code, 0);
});

test('a stale lock (its process is gone) is taken over with a log line; a lock from another host is respected', async () => {
  const dir = join(root, 'stale');
  mkdirSync(dir);
  const gone = spawnSync('true').pid;
  writeFileSync(join(dir, '.fer-c.lock'), JSON.stringify({ pid: gone, host: hostname(), command: 'fer-c run', since: '2026-01-01T00:00:00Z', token: 'x' }));
  const r = await runCli(['run', spec('stale'), '--quiet']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `${dir}/.fer-c.lock: taking over a stale lock (fer-c run, pid ${gone} is no longer running)`);
  assert.not.ok(existsSync(join(dir, '.fer-c.lock')));
  writeFileSync(join(dir, '.fer-c.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', command: 'fer-c run', since: '2026-01-01T00:00:00Z', token: 'y' }));
  const other = await runCli(['run', spec('stale'), '--quiet']);
  assert.is(other.code, 1, other.stderr);
  assert.match(other.stderr, 'in use by fer-c run (pid 1 on elsewhere');
  assert.ok(statSync(join(dir, '.fer-c.lock')).isFile(), 'another host\'s lock is left alone');
});

test('RunLock: exclusive per folder and scope; released only by its holder', () => {
  const dir = join(root, 'lock-unit');
  const whole = RunLock.acquire(dir, { command: 'test' });
  assert.throws(() => RunLock.acquire(dir, { command: 'test' }), (e: unknown) => e instanceof RunLockedError && e.holder?.pid === process.pid);
  // Shards sharing a folder each take their own lock.
  const shard = RunLock.acquire(dir, { scope: 'shard-3' });
  assert.ok(existsSync(join(dir, '.fer-c-shard-3.lock')));
  assert.throws(() => RunLock.acquire(dir, { scope: 'shard-3' }), (e: unknown) => e instanceof RunLockedError);
  assert.throws(() => runLockName('../x'), /lock scope/);
  shard.release();
  whole.release();
  assert.not.ok(existsSync(dir), 'the folder the lock created, left empty, is removed');
  const again = RunLock.acquire(dir);
  again.release();
});

test.after(() => {
  try { chmodSync(join(root, 'read-only'), 0o755); } catch { /* not made */ }
  rmSync(root, { recursive: true, force: true });
});
test.run();
