/**
 * examples/slurm on a real Slurm (issue 24), run by scripts/test-slurm.sh (`npm run test:slurm`), which
 * starts a one-node cluster on localhost and passes its folder in FERC_SLURM_DIR (SLURM_CONF set).
 *
 * Each case submits the shipped scripts to slurmctld and follows the jobs with squeue/scontrol until
 * they end (polling, with a generous deadline; sacct needs slurmdbd, which this cluster has not), then
 * compares the merged folder, outside shards/, with a one-process `fer-c run` of the same spec and
 * --set values: the same files, the same bytes (the report's creation time and run folder masked).
 *
 * - submit.sh as shipped: calibrate → array of 3 → merge, chained with afterok;
 * - scancel of a running array task: the merge is left pending (never run), the task is rerun and the
 *   merge submitted again as examples/slurm/README.md says;
 * - scontrol requeue of a running task: it resumes its shard, no sample done twice (its manifest and log);
 * - one task with another --set: refused by the fingerprint, the merge never runs; the README's rerun completes it;
 * - OUT not shared between nodes (a folder per task): the merge names the shards it cannot find.
 *
 * A running task is caught mid-run by watching its manifest (a header and at least one finished sample
 * while squeue says RUNNING): no timer decides anything. Should a task still finish before scancel or
 * requeue reaches it, the case says so and checks what then holds (the merge of a completed run).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT } from './helpers/fixtures.js';
import { differingFiles, runCli } from './helpers/run-folder.js';

const CLUSTER = process.env.FERC_SLURM_DIR;
if (!CLUSTER || !process.env.SLURM_CONF) {
  throw new Error('test/slurm.slurmtest.ts needs the cluster that scripts/test-slurm.sh starts (npm run test:slurm): FERC_SLURM_DIR and SLURM_CONF unset');
}
const SLURM_DIR = join(REPO_ROOT, 'examples/slurm');
const RUNS = join(CLUSTER, 'runs');
mkdirSync(RUNS, { recursive: true });
const SHARDS = 3;
/** Every wait's deadline: far above what a loaded 2-core machine needs (a run takes ~1 min there). */
const DEADLINE_MS = 20 * 60_000;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY']);

/**
 * The spec: 12 of the demo faces, the bundled mini-Xception (ONNX) and the report. No `workers`: the
 * scripts set it from --cpus-per-task, which the logs show. SLOW is a --set that makes each sample
 * 86 images instead of 13, so a shard of 4 samples runs for seconds after its first sample is done.
 */
const FAST: readonly string[] = [];
const SLOW: readonly string[] = ['--set', 'corruptions=all', '--set', 'severities=[1,2,3,4,5]'];
const SPEC = join(RUNS, 'spec.json');
writeFileSync(SPEC, JSON.stringify({
  name: 'slurm-test',
  source: {
    type: 'folder', root: join(REPO_ROOT, 'test/fixtures/faces'), csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'),
    classes: ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'], dataset: 'demo',
  },
  limit: 12,
  corruptions: ['gaussian_noise', 'motion_blur', 'contrast', 'jpeg_compression'],
  severities: [1, 3, 5],
  seed: 0,
  labels: {
    gmm: { fit: { csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'), format: 'folder', shrinkage: { prior: 'circumplex', strength: 5 } } },
    visibility: { measure: 'l2', calibration: 4 },
  },
  output: { dir: join(RUNS, 'unused') },
  predictions: {
    type: 'onnx', path: join(REPO_ROOT, 'test/fixtures/models/human-emotion.onnx'),
    classes: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
    input: { size: 64, layout: 'NCHW', channels: 'gray', scale: 255, mean: [0.5], std: [0.5] }, output: 'logits', batch: 16,
  },
  metrics: { bins: 10, temperature: true, calibrators: ['temperature'], report: true, interval: 0 },
}, null, 2));
/** Samples of each shard: ⌊I·12/3⌋ … */
const BLOCK = 4;

/** The one-process runs to compare with, by --set values. */
const reference = new Map<readonly string[], Promise<string>>();
function referenceRun(set: readonly string[]): Promise<string> {
  let run = reference.get(set);
  if (!run) {
    const out = join(RUNS, `reference-${reference.size}`);
    run = runCli(['run', SPEC, '--set', `output.dir=${out}`, '--set', 'workers=1', ...set, '--quiet']).then((r) => {
      assert.is(r.code, 0, `the one-process run: ${r.stderr}`);
      return out;
    });
    reference.set(set, run);
  }
  return run;
}

/** A Slurm command; its stdout, or an error with its stderr. */
function slurm(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

interface TaskState { readonly id: string; readonly state: string; readonly reason: string }

/** squeue's view of a job (of each task of an array, in task order), finished ones included. */
function states(job: string): TaskState[] {
  return slurm('squeue', ['-h', '-r', '-t', 'all', '-j', job, '-o', '%i|%T|%r']).trim().split('\n').filter(Boolean).map((line) => {
    const [id, state, reason] = line.split('|') as [string, string, string];
    return { id, state, reason };
  }).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

function stateOf(job: string): TaskState {
  const [s] = states(job);
  assert.ok(s, `squeue knows job ${job}`);
  return s;
}

/** scontrol's fields of one job (or array task). */
function details(job: string): Record<string, string> {
  const line = slurm('scontrol', ['show', 'job', '-o', job]).trim().split('\n')[0]!;
  return Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
}

/** Polls `check` until it returns a value, or fails after the deadline naming `what`. */
async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not within ${DEADLINE_MS / 60_000} min: ${what}`);
    await delay(100);
  }
}

/** Waits until every task of `job` has ended; their states. */
function ended(job: string): Promise<TaskState[]> {
  return until(`job ${job} ended`, () => {
    const s = states(job);
    return s.length > 0 && s.every((t) => TERMINAL.has(t.state)) ? s : undefined;
  });
}

/** A folder per case: its run folder and (the cwd of sbatch) the jobs' logs. */
function caseDir(name: string): { dir: string; out: string } {
  const dir = join(RUNS, name);
  mkdirSync(dir, { recursive: true });
  return { dir, out: join(dir, 'out') };
}

/** What submit.sh and the README's commands get: the checkout, the spec (relative: the scripts cd there), OUT, the --set values. */
function stepEnv(out: string, set: readonly string[]): NodeJS.ProcessEnv {
  return {
    ...process.env, FERC_DIR: REPO_ROOT, SPEC: relative(REPO_ROOT, SPEC), OUT: out, SHARDS: String(SHARDS), FERC_SET: set.join(' '),
    // This node has 2 CPUs and maybe little memory: the #SBATCH lines' 8-16 CPUs and 8G would be refused.
    CPUS_PER_TASK: '1', SBATCH_MEM_PER_NODE: '1G',
  };
}

interface Chain { readonly calibrate: string; readonly shards: string; readonly merge: string }

/** examples/slurm/submit.sh, unchanged, from the case's folder; the three job ids it prints. */
function submit(dir: string, out: string, set: readonly string[]): Chain {
  const printed = slurm('bash', [join(SLURM_DIR, 'submit.sh')], { cwd: dir, env: stepEnv(out, set) });
  const m = /^calibrate (\d+) → shards (\d+) \(array 0-2\) → merge (\d+)$/m.exec(printed);
  assert.ok(m, `submit.sh printed the chain: ${printed}`);
  return { calibrate: m[1]!, shards: m[2]!, merge: m[3]! };
}

/** `sbatch --parsable [args] examples/slurm/SCRIPT` as the README's recovery does it; the job id. */
function sbatch(dir: string, out: string, set: readonly string[], args: readonly string[], script: string): string {
  return slurm('sbatch', ['--parsable', '--export=ALL', '--cpus-per-task=1', ...args, join(SLURM_DIR, script)], { cwd: dir, env: stepEnv(out, set) }).trim().split(';')[0]!;
}

const log = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const manifestLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, -1) : []);

/** The merged folder against the one-process run of the same --set values. */
async function assertSameAsOneRun(out: string, set: readonly string[]): Promise<void> {
  assert.equal(differingFiles(out, await referenceRun(set), (name) => name.startsWith('shards/')), [], `${out}: files that differ from the one-process run`);
}

/** A merge that afterok holds back for good: pending on DependencyNeverSatisfied, never started, nothing merged. */
async function assertMergeNeverRuns(dir: string, out: string, merge: string): Promise<void> {
  const held = await until(`merge ${merge} pending for good`, () => {
    const s = stateOf(merge);
    assert.is(s.state, 'PENDING', `merge ${merge} never leaves PENDING while a shard failed`);
    return s.reason === 'DependencyNeverSatisfied' ? s : undefined;
  });
  assert.is(held.state, 'PENDING');
  assert.is(details(merge).RunTime, '00:00:00', 'the merge never ran');
  assert.not.ok(existsSync(join(dir, `slurm-${merge}.out`)), 'the merge has no log: it never started');
  assert.not.ok(existsSync(join(out, 'labels.csv')), 'nothing merged');
}

/** The README's recovery: the merge left pending is cancelled and submitted again after the rerun task. */
async function resubmitMerge(dir: string, out: string, set: readonly string[], stuck: string, rerun: string): Promise<string> {
  slurm('scancel', [stuck]);
  const merge = sbatch(dir, out, set, [`--dependency=afterok:${rerun}`], 'merge.sbatch');
  const [m] = await ended(merge);
  assert.is(m!.state, 'COMPLETED', `merge ${merge}: ${existsSync(join(dir, `slurm-${merge}.out`)) ? log(dir, `slurm-${merge}.out`) : 'no log'}`);
  return merge;
}

/**
 * Waits until array task `task` runs with at least one finished sample in `manifest` and fewer than
 * its block; the finished samples then, or undefined when the task ended before it was seen so.
 */
function midRun(task: string, manifest: string): Promise<number | undefined> {
  return until(`task ${task} running with a finished sample`, () => {
    const s = stateOf(task);
    if (TERMINAL.has(s.state)) return { seen: undefined };
    const done = manifestLines(manifest).length - 1;
    return s.state === 'RUNNING' && done >= 1 && done < BLOCK ? { seen: done } : undefined;
  }).then((r) => r.seen);
}

function note(line: string): void {
  process.stdout.write(`  slurm: ${line}\n`);
}

test.before(() => {
  // Started now, they run beside the first jobs; each case awaits its own.
  void referenceRun(FAST).catch(() => undefined);
  void referenceRun(SLOW).catch(() => undefined);
});

test('submit.sh unchanged: calibrate → array of 3 → merge, afterok in order, the merged run = one process', async () => {
  const started = Date.now();
  const { dir, out } = caseDir('submit');
  const chain = submit(dir, out, FAST);
  note(`submit.sh: calibrate ${chain.calibrate} → shards ${chain.shards} (array 0-2) → merge ${chain.merge}`);
  const merge = await ended(chain.merge);
  const all = [...states(chain.calibrate), ...states(chain.shards), ...merge];
  assert.equal(all.map((t) => `${t.id} ${t.state}`), [chain.calibrate, ...[0, 1, 2].map((i) => `${chain.shards}_${i}`), chain.merge].map((id) => `${id} COMPLETED`));
  // afterok: no task started before calibrate ended, the merge not before every task ended.
  const time = (job: string, field: 'StartTime' | 'EndTime'): number => Date.parse(details(job)[field]!);
  const tasks = [0, 1, 2].map((i) => `${chain.shards}_${i}`);
  for (const t of tasks) assert.ok(time(t, 'StartTime') >= time(chain.calibrate, 'EndTime'), `${t} started after calibrate ended`);
  for (const t of tasks) assert.ok(time(chain.merge, 'StartTime') >= time(t, 'EndTime'), `merge started after ${t} ended`);
  // What fer-c saw: --export carried OUT and the spec (relative to FERC_DIR, so the scripts cd'd there),
  // --cpus-per-task 1 became 1 worker (the spec has none: it would be this node's cores), shard I was --shard I/3.
  for (const [file, what] of [[`slurm-${chain.calibrate}.out`, 'fer-c calibrate'], ...tasks.map((t) => [`slurm-${t}.out`, 'fer-c run'])] as const) {
    const text = log(dir, file);
    assert.ok(text.includes(`${what}: slurm-test (`), `${file}: ${what} of the spec`);
    assert.match(text, new RegExp(`output ${out} \\(images \\+ labels\\); seed 0, 1 worker,`), `${file}: OUT and 1 worker`);
  }
  tasks.forEach((t, i) => assert.ok(existsSync(join(out, `shards/${i}-of-3/manifest.jsonl`)), `${t} wrote shard ${i}-of-3`));
  assert.match(log(dir, `slurm-${chain.merge}.out`), /done: 3 shards, 12 samples/);
  await assertSameAsOneRun(out, FAST);
  note(`submit.sh case: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test('scancel of a running array task: the merge stays pending; the README\'s rerun and merge give the one-process files', async () => {
  const started = Date.now();
  const { dir, out } = caseDir('scancel');
  const chain = submit(dir, out, SLOW);
  const task = `${chain.shards}_1`;
  const manifest = join(out, 'shards/1-of-3/manifest.jsonl');
  const seen = await midRun(task, manifest);
  if (seen !== undefined) slurm('scancel', [task]);
  const [state] = await ended(task);
  const done = manifestLines(manifest).length - 1;
  note(`scancel: calibrate ${chain.calibrate} → shards ${chain.shards} → merge ${chain.merge}; ${task} cancelled after ${seen} finished samples (${done} at its end): ${state!.state}`);
  if (state!.state !== 'CANCELLED') {
    // It finished first: nothing to recover, the chain completes as submitted.
    note(`scancel NOT EXERCISED: ${task} ended ${state!.state} before it was seen mid-run`);
    assert.equal((await ended(chain.merge)).map((t) => t.state), ['COMPLETED']);
    await assertSameAsOneRun(out, SLOW);
    return;
  }
  assert.ok(seen !== undefined && done >= seen, 'the finished samples stay finished');
  await assertMergeNeverRuns(dir, out, chain.merge);
  // examples/slurm/README.md: rerun the task with the same command, then submit the merge again.
  const rerun = sbatch(dir, out, SLOW, ['--array=1'], 'shard.sbatch');
  const merge = await resubmitMerge(dir, out, SLOW, chain.merge, rerun);
  note(`scancel: rerun ${rerun} (array 1), merge ${merge}`);
  const rerunLog = log(dir, `slurm-${rerun}_1.out`);
  if (done > 0) assert.ok(rerunLog.includes(`resuming: ${done} samples already finished`), rerunLog);
  assert.ok(rerunLog.includes(`done: ${BLOCK - done} samples, ${(BLOCK - done) * 86} images`), `the rerun did only the unfinished samples: ${rerunLog}`);
  await assertSameAsOneRun(out, SLOW);
  note(`scancel case: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test('scontrol requeue of a running task: it resumes its shard, no sample done twice, and the merge runs by itself', async () => {
  const started = Date.now();
  const { dir, out } = caseDir('requeue');
  const chain = submit(dir, out, SLOW);
  const task = `${chain.shards}_1`;
  const manifest = join(out, 'shards/1-of-3/manifest.jsonl');
  const seen = await midRun(task, manifest);
  if (seen === undefined) note(`requeue NOT EXERCISED mid-run: ${task} ended before it was seen running with a finished sample`);
  slurm('scontrol', ['requeue', task]);
  // Slurm holds a requeued job back for a while (BeginTime, ~2 min); release it now.
  await until(`${task} pending after the requeue`, () => (stateOf(task).state === 'PENDING' ? true : undefined));
  const done = manifestLines(manifest).length - 1;
  slurm('scontrol', ['update', `JobId=${task}`, 'StartTime=now']);
  const [merge] = await ended(chain.merge);
  note(`requeue: calibrate ${chain.calibrate} → shards ${chain.shards} → merge ${chain.merge}; ${task} requeued after ${seen} finished samples (${done} when it stopped)`);
  assert.is(merge!.state, 'COMPLETED', 'afterok: the merge ran once the requeued task completed');
  assert.is(details(task).Restarts, '1', 'the task ran twice');
  // Its log (--open-mode=append keeps both attempts): the second resumed after the samples the first finished.
  const text = log(dir, `slurm-${task}.out`);
  assert.ok(text.includes('DUE TO JOB REQUEUE'), text);
  if (done > 0) assert.ok(text.includes(`resuming: ${done} samples already finished`), text);
  assert.ok(text.includes(`done: ${BLOCK - done} samples, ${(BLOCK - done) * 86} images`), `the second attempt did only the rest: ${text}`);
  // The manifest: each of the block's samples once, in order, the same as the one-process run's.
  const lines = manifestLines(manifest).slice(1).map((l) => JSON.parse(l) as { i: number; id: string });
  assert.equal(lines.map((l) => l.i), [0, 1, 2, 3], 'one line per sample, none twice');
  const single = manifestLines(join(await referenceRun(SLOW), 'manifest.jsonl')).slice(1).map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(lines.map((l) => l.id), single.slice(BLOCK, 2 * BLOCK), 'shard 1 holds samples 4..7 of the run');
  await assertSameAsOneRun(out, SLOW);
  note(`requeue case: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test('one task with another --set: refused by the fingerprint, the merge never runs; the README\'s rerun completes the run', async () => {
  const started = Date.now();
  const { dir, out } = caseDir('fingerprint');
  // submit.sh's three steps, but task 1 of the array submitted on its own with a seed of its own.
  const calibrate = sbatch(dir, out, FAST, [], 'calibrate.sbatch');
  const others = sbatch(dir, out, FAST, ['--array=0,2', `--dependency=afterok:${calibrate}`], 'shard.sbatch');
  const odd = sbatch(dir, out, [...FAST, '--set', 'seed=1'], ['--array=1', `--dependency=afterok:${calibrate}`], 'shard.sbatch');
  const merge = sbatch(dir, out, FAST, [`--dependency=afterok:${others}:${odd}`], 'merge.sbatch');
  note(`fingerprint: calibrate ${calibrate} → shards ${others} (array 0,2) + ${odd} (array 1, --set seed=1) → merge ${merge}`);
  const [failed] = await ended(odd);
  assert.is(failed!.state, 'FAILED');
  assert.is(details(`${odd}_1`).ExitCode, '1:0');
  assert.match(log(dir, `slurm-${odd}_1.out`), /shards\/calibration\.json: calibrated for other settings \(fingerprint [0-9a-f]+, this spec [0-9a-f]+\): every shard must run the spec and --set values calibrate ran/);
  assert.equal((await ended(others)).map((t) => t.state), ['COMPLETED', 'COMPLETED']);
  await assertMergeNeverRuns(dir, out, merge);
  const rerun = sbatch(dir, out, FAST, ['--array=1'], 'shard.sbatch');
  const again = await resubmitMerge(dir, out, FAST, merge, rerun);
  note(`fingerprint: rerun ${rerun} (array 1), merge ${again}`);
  await assertSameAsOneRun(out, FAST);
  note(`fingerprint case: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test('OUT not shared (a folder per task, as a node-local disk): the merge names the shards it cannot find, writes nothing', async () => {
  const started = Date.now();
  const { dir, out } = caseDir('not-shared');
  const calibrate = sbatch(dir, out, FAST, [], 'calibrate.sbatch');
  const [c] = await ended(calibrate);
  assert.is(c!.state, 'COMPLETED');
  // Tasks 1 and 2 run "on other nodes": each its own copy of calibrate's files, at its own path.
  const local = [out, `${out}-node1`, `${out}-node2`];
  for (const copy of local.slice(1)) cpSync(out, copy, { recursive: true });
  const tasks = local.map((o, i) => sbatch(dir, o, FAST, [`--array=${i}`], 'shard.sbatch'));
  const merge = sbatch(dir, out, FAST, [`--dependency=afterok:${tasks.join(':')}`], 'merge.sbatch');
  note(`not shared: calibrate ${calibrate} → shards ${tasks.join(', ')} (a folder each) → merge ${merge}`);
  const [m] = await ended(merge);
  for (const t of tasks) assert.is(stateOf(t).state, 'COMPLETED');
  assert.is(m!.state, 'FAILED');
  const text = log(dir, `slurm-${merge}.out`);
  assert.ok(text.includes(`cannot merge 3 shards of ${out}: 1-of-3 missing (no ${out}/shards/1-of-3/manifest.jsonl); 2-of-3 missing (no ${out}/shards/2-of-3/manifest.jsonl); run (or rerun) those shards with fer-c run SPEC --shard I/3; nothing was written`), text);
  assert.not.ok(existsSync(join(out, 'labels.csv')), 'nothing merged');
  note(`not-shared case: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

test.run();
