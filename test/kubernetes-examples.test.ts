/**
 * examples/kubernetes without a cluster (issue 24): each manifest parsed as YAML and validated against
 * the Kubernetes API schemas (the kubernetes-models package: ajv validators compiled from the API's
 * OpenAPI definitions, offline), and the Indexed Job's command run through `sh -c` as its pod would
 * run it, with JOB_COMPLETION_INDEX = 0 … completions-1: each index gives the `--shard I/N` that fer-c's
 * own parser accepts, and the N shards cover every sample once. What the schemas cannot say (a field
 * name misspelt is not an error in Kubernetes' OpenAPI; the API server's strict field validation
 * catches it) is not checked here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import { REPO_ROOT } from './helpers/fixtures.js';
import { parseShard, shardRange } from '../src/pipeline/run/shard.js';

const DIR = join(REPO_ROOT, 'examples/kubernetes');
const JOBS = ['calibrate-job.yaml', 'shards-job.yaml', 'merge-job.yaml'] as const;
/** A `node` that prints its arguments (NUL-separated): what fer-c would be given, word-split and quoted by sh as in the pod. */
const STUBS = mkdtempSync(join(tmpdir(), 'ferc-k8s-'));
writeFileSync(join(STUBS, 'node'), '#!/bin/sh\nprintf \'%s\\0\' "$@"\n');
chmodSync(join(STUBS, 'node'), 0o755);

/** The one document of a manifest, as plain data. */
function manifest(file: string): Record<string, any> {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  assert.ok(Array.isArray(docs) && docs.length === 1, `${file}: one YAML document`);
  const [doc] = docs as ReturnType<typeof parseAllDocuments> & unknown[];
  assert.equal(doc!.errors.map(String), [], `${file}: YAML errors`);
  return doc!.toJS() as Record<string, any>;
}

/** The schema's verdict on a manifest: undefined when valid, else the validator's message. */
function schemaErrors(data: Record<string, any>): string | undefined {
  const model = data.kind === 'Job' ? new Job(data as never) : data.kind === 'PersistentVolumeClaim' ? new PersistentVolumeClaim(data as never) : undefined;
  if (!model) return `kind ${data.kind} is none of Job, PersistentVolumeClaim`;
  try { model.validate(); return undefined; } catch (e) { return (e as Error).message; }
}

test('every manifest of examples/kubernetes is valid against the Kubernetes API schema (batch/v1 Job, v1 PersistentVolumeClaim)', () => {
  assert.equal(['pvc.yaml', ...JOBS].map((f) => [f, schemaErrors(manifest(f))]), ['pvc.yaml', ...JOBS].map((f) => [f, undefined]));
  assert.is(manifest('pvc.yaml').kind, 'PersistentVolumeClaim');
  for (const f of JOBS) assert.is(manifest(f).apiVersion, 'batch/v1', f);
});

test('the schema check can fail: a misspelt completion mode, a count as text, a container without a name', () => {
  const shards = manifest('shards-job.yaml');
  const broken = structuredClone(shards);
  broken.spec.completionMode = 'Indexd';
  broken.spec.completions = 'eight';
  delete broken.spec.template.spec.containers[0].name;
  const message = schemaErrors(broken) ?? '';
  assert.match(message, /completionMode must be equal to one of the allowed values/);
  assert.match(message, /completions must be integer/);
  assert.match(message, /containers\/0 must have required property '?name'?/);
});

/**
 * What `node` gets in a Job's container (after `node`: bin/fer-c.js, the command, …): `command` + `args`
 * run as the pod runs them (through `sh -c` where the command is a shell), with JOB_COMPLETION_INDEX set.
 */
function podArgv(job: Record<string, any>, index: number): string[] {
  const c = job.spec.template.spec.containers[0];
  const r = spawnSync(c.command[0], [...c.command.slice(1), ...c.args], { encoding: 'utf8', env: { PATH: `${STUBS}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: String(index) } });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

/** `--set` values of an argv, less `workers=` (it may differ between steps). */
const sets = (argv: readonly string[]): string[] => argv.flatMap((a, k) => (argv[k - 1] === '--set' && !a.startsWith('workers=') ? [a] : []));

test('the Indexed Job: completions = parallelism = N, and pod I runs fer-c run --shard I/N, the N blocks covering every sample once', () => {
  const job = manifest('shards-job.yaml');
  assert.is(job.spec.completionMode, 'Indexed');
  const n = job.spec.completions as number;
  assert.is(job.spec.parallelism, n, 'parallelism = completions (all shards at once)');
  assert.is(job.spec.template.spec.restartPolicy, 'Never', 'a failed pod is replaced by a new pod of the same index');
  assert.equal(job.spec.template.spec.containers[0].command, ['sh', '-c'], 'the shards run through sh -c (the index is a variable of the pod)');
  const covered: number[] = [];
  const samples = 4000; // AffectNet-C's, as the spec says
  for (let i = 0; i < n; i++) {
    const argv = podArgv(job, i);
    assert.equal(argv.slice(0, 3), ['bin/fer-c.js', 'run', 'pipelines/affectnet-c.json']);
    const shard = parseShard(argv[argv.indexOf('--shard') + 1]!);
    assert.equal(shard, { index: i, count: n }, `pod ${i}`);
    const { from, to } = shardRange(samples, shard);
    for (let s = from; s < to; s++) covered.push(s);
  }
  assert.equal(covered, Array.from({ length: samples }, (_, s) => s), 'the blocks of the N pods: each sample once, in order');
  // An index past the completions would be refused by fer-c (so completions must be N).
  assert.throws(() => parseShard(podArgv(job, n).at(-1)!), /I must be in 0\.\./);
  assert.ok(existsSync(join(REPO_ROOT, 'bin/fer-c.js')) && existsSync(join(REPO_ROOT, 'pipelines/affectnet-c.json')), 'the paths the Jobs run, relative to workingDir (the checkout)');
});

test('the three Jobs: the same spec and --set values, one run folder on the ReadWriteMany claim, workers = requested CPUs', () => {
  const claim = manifest('pvc.yaml');
  assert.ok((claim.spec.accessModes as string[]).includes('ReadWriteMany'), 'shared by pods on several nodes');
  const argvOf = (job: Record<string, any>): string[] => podArgv(job, 0);
  const jobs = JOBS.map((f) => ({ f, job: manifest(f) }));
  const argvs = jobs.map(({ job }) => argvOf(job));
  assert.equal(argvs.map((a) => a[1]), ['calibrate', 'run', 'merge']);
  for (const a of argvs) assert.equal([a[2], sets(a)], [argvs[0]![2], sets(argvs[0]!)], `the same spec and --set values: ${a.join(' ')}`);
  const out = sets(argvs[0]!).find((s) => s.startsWith('output.dir='))!.slice('output.dir='.length);
  for (const { f, job } of jobs) {
    const pod = job.spec.template.spec;
    const runs = pod.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
    assert.ok(runs, `${f} mounts the claim ${claim.metadata.name}`);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === runs.name);
    assert.ok(mount && out.startsWith(`${mount.mountPath}/`), `${f}: output.dir ${out} is on the claim (${mount?.mountPath})`);
    const workers = argvOf(job).find((a) => a.startsWith('workers='));
    if (workers) assert.is(workers, `workers=${pod.containers[0].resources.requests.cpu}`, `${f}: workers = the CPUs requested (node sees the node's cores)`);
  }
});

test.after(() => rmSync(STUBS, { recursive: true, force: true }));

test.run();
