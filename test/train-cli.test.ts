/**
 * fer-c train end to end on the bundled faces and the bundled mini-Xception
 * (ONNX), then fer-c run scoring a trained head through its predictions block;
 * the refusals before anything is written; a second run that keeps finished
 * heads and resumes an unfinished one; one train per folder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { RunLock } from '../src/io/run-lock.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const DEMO = join(REPO_ROOT, 'pipelines', 'demo-train.json');
const tmp = mkdtempSync(join(tmpdir(), 'fer-c-train-cli-'));
const out = join(tmp, 'out');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** The demo's ablation, small: one corruption at one severity, a few epochs, two losses. */
const SMALL = ['--set', `output.dir=${out}`, '--set', 'corruptions=["contrast"]', '--set', 'severities=[5]', '--set', 'training.epochs=4', '--set', 'training.losses=["ce","maxent+mbls"]', '--set', 'workers=2'];

function fer(args: readonly string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, stderr: r.stderr };
}

const csvRows = (path: string): Map<string, number[]> => new Map(readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => { const [id, ...p] = l.split(','); return [id!, p.map(Number)]; }));

test('refused before anything is written: unknown loss, optimiser and layer (the valid ones listed), output over the input', () => {
  const cases: [string, RegExp][] = [
    ['training.losses=["nope"]', /\/training\/losses\/0: must be one of "ce", "focal", "maxent", "mbls", "maxent\+mbls"/],
    ['training.optimizer=sgd', /\/training\/optimizer: must be one of "adam"/],
    ['training.layer=nope', /has no output named "nope"; its layers .*"add_2\/add"/],
    [`output.dir=${join(REPO_ROOT, 'test', 'fixtures', 'faces')}`, /\/output\/dir: the output folder .* is the input folder source\.root/],
  ];
  for (const [set, message] of cases) {
    const r = fer(['train', DEMO, ...SMALL, '--set', set, '--quiet']);
    assert.is(r.status, 1, `${set}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.not.ok(existsSync(out), 'nothing written');
});

test('fer-c train → fer-c run: the exported head scores the held-out images as the trained head did', () => {
  const r = fer(['train', DEMO, ...SMALL, '--quiet']);
  assert.is(r.status, 0, r.stderr);
  for (const f of ['report.md', 'report.json', 'ablation.png', 'training-curves.png', 'heads/ce/model.onnx', 'heads/ce/training.jsonl', 'heads/maxent+mbls/report/report.json']) assert.ok(existsSync(join(out, f)), f);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md.split('\n').slice(0, 4).join('\n'), /Few faces/);
  assert.is(readFileSync(join(out, 'heads', 'ce', 'training.jsonl'), 'utf8').trim().split('\n').length, 4);

  // The head's predictions block in a run spec over the same faces, corruption and seed.
  const predictions = JSON.parse(readFileSync(join(out, 'heads', 'ce', 'predictions.json'), 'utf8')) as unknown;
  const demo = JSON.parse(readFileSync(DEMO, 'utf8')) as Record<string, unknown>;
  const { training: _t, ...runSpec } = demo;
  const spec = join(tmp, 'run.json');
  writeFileSync(spec, JSON.stringify({ ...runSpec, corruptions: ['contrast'], severities: [5], output: { dir: join(tmp, 'run'), images: false, labels: true }, predictions, metrics: { bins: 15 } }));
  const run = fer(['run', spec, '--quiet']);
  assert.is(run.status, 0, run.stderr);
  const scored = csvRows(join(tmp, 'run', 'predictions.csv')), trained = csvRows(join(out, 'heads', 'ce', 'predictions.csv'));
  assert.ok(trained.size > 0);
  for (const [id, p] of trained) {
    const q = scored.get(id);
    assert.ok(q, `${id} scored by fer-c run`);
    // float32 ONNX (Gemm) against the float64 head
    p.forEach((v, k) => assert.ok(Math.abs(v - q![k]!) < 1e-4, `${id} class ${k}: ${v} vs ${q![k]}`));
  }
});

test('a second train keeps finished heads and resumes an unfinished one from its checkpoint; two trains on one folder are refused', () => {
  const head = join(out, 'heads', 'maxent+mbls');
  const before = readFileSync(join(head, 'head.json'), 'utf8');
  unlinkSync(join(head, 'done.json'));   // as if killed after its last epoch, before its report
  const lock = RunLock.acquire(out, { scope: 'train', command: 'a test' });
  try {
    const refused = fer(['train', DEMO, ...SMALL, '--quiet']);
    assert.is(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${process.pid}`));
  } finally {
    lock.release();
  }
  const again = fer(['train', DEMO, ...SMALL, '--quiet']);
  assert.is(again.status, 0, again.stderr);
  assert.match(again.stderr, /head ce: finished by an earlier run, kept/);
  assert.match(again.stderr, /head maxent\+mbls: resumed after epoch 4/);
  assert.is(readFileSync(join(head, 'head.json'), 'utf8'), before);
});

test('a TF.js backbone: features from its graph, the head exported as a TF.js graph model that fer-c run scores', () => {
  const tf = join(tmp, 'tf');
  const backbone = { type: 'tfjs', path: join(REPO_ROOT, 'test', 'fixtures', 'models', 'human-emotion', 'emotion.json'), classes: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'], input: { size: 64, layout: 'NHWC', channels: 'gray', scale: 255, mean: [0.5], std: [0.5] }, output: 'probabilities', batch: 16 };
  const r = fer(['train', DEMO, ...SMALL, '--set', `output.dir=${tf}`, '--set', 'training.losses=["focal"]', '--set', `predictions=${JSON.stringify(backbone)}`, '--set', 'training.layer=StatefulPartitionedCall/model_1/add_2/add', '--quiet']);
  assert.is(r.status, 0, r.stderr);
  const predictions = JSON.parse(readFileSync(join(tf, 'heads', 'focal', 'predictions.json'), 'utf8')) as { type: string; path: string };
  assert.is(predictions.type, 'tfjs');
  assert.ok(predictions.path.endsWith('model.json'));
  const demo = JSON.parse(readFileSync(DEMO, 'utf8')) as Record<string, unknown>;
  const { training: _t, ...runSpec } = demo;
  const spec = join(tmp, 'run-tf.json');
  writeFileSync(spec, JSON.stringify({ ...runSpec, corruptions: ['contrast'], severities: [5], output: { dir: join(tmp, 'run-tf'), images: false, labels: true }, predictions, metrics: { bins: 15 } }));
  const run = fer(['run', spec, '--quiet']);
  assert.is(run.status, 0, run.stderr);
  const scored = csvRows(join(tmp, 'run-tf', 'predictions.csv')), trained = csvRows(join(tf, 'heads', 'focal', 'predictions.csv'));
  for (const [id, p] of trained) p.forEach((v, k) => assert.ok(Math.abs(v - scored.get(id)![k]!) < 1e-4, `${id} class ${k}: ${v} vs ${scored.get(id)![k]}`));
});

test.run();
