/**
 * Merging is safe to repeat by mistake (issue 9, item 6): a state file carries
 * the rows it holds and a content hash; `merge-metrics` refuses the same state
 * twice, a copy of a state, overlapping shards and a merged state with one of
 * its parts, naming the files, exit 1 — where it used to double every count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson } from './helpers/fixtures.js';
import { cli } from './helpers/cli.js';
import type { Report } from '../src/report/index.js';

interface Fixture { N: number; K: number; probs: number[][]; labels: number[]; soft: number[][] }
const fx = fixtureJson<Fixture>('metrics-fixture.json');
const dir = mkdtempSync(join(tmpdir(), 'ferc-merge-id-'));
const K = fx.K;

/** Labels and predictions of fixture samples [from, to): clean and one corrupted row each. */
function shard(name: string, from: number, to: number): { labels: string; predictions: string } {
  const header = `id,source_id,file,corruption,severity,visibility,label,${Array.from({ length: K }, (_, k) => `p_${k}`).join(',')}`;
  const labels: string[] = [header], preds: string[] = [`id,${Array.from({ length: K }, (_, k) => `p_${k}`).join(',')}`];
  for (let i = from; i < to; i++) {
    const onehot = Array.from({ length: K }, (_, k) => (k === fx.labels[i] ? 1 : 0));
    labels.push(`s${i}__clean,s${i},s${i}.png,clean,0,1,${fx.labels[i]},${onehot.join(',')}`);
    labels.push(`s${i}__snow__${1 + (i % 5)},s${i},s${i}.png,snow,${1 + (i % 5)},0.5,${fx.labels[i]},${fx.soft[i]!.join(',')}`);
    preds.push(`s${i}__clean,${fx.probs[i]!.join(',')}`, `s${i}__snow__${1 + (i % 5)},${fx.probs[i]!.join(',')}`);
  }
  const l = join(dir, `${name}-labels.csv`), p = join(dir, `${name}-preds.csv`);
  writeFileSync(l, `${labels.join('\n')}\n`);
  writeFileSync(p, `${preds.join('\n')}\n`);
  return { labels: l, predictions: p };
}

async function evaluateShard(name: string, from: number, to: number): Promise<string> {
  const { labels, predictions } = shard(name, from, to);
  const state = join(dir, `${name}.json`);
  const r = await cli(['evaluate', '--labels', labels, '--predictions', predictions, '--out', join(dir, `${name}-out`), '--state', state, '--temperature', '1.5', '--no-figures']);
  assert.is(r.code, 0, r.stderr);
  return state;
}

const a = await evaluateShard('a', 0, 700);
const b = await evaluateShard('b', 700, 2000);
const overlapping = await evaluateShard('c', 500, 900);

test('a state carries its rows and a content hash', () => {
  const s = JSON.parse(readFileSync(a, 'utf8')) as { version: number; identity: { sha256: string; rows: { count: number }; merged_from: string[] } };
  assert.is(s.version, 2);
  assert.ok(/^[0-9a-f]{64}$/.test(s.identity.sha256));
  assert.is(s.identity.rows.count, 1400);
  assert.equal(s.identity.merged_from, []);
});

test('merge-metrics s.json s.json: refused, naming the file, nothing written', async () => {
  const out = join(dir, 'twice');
  const r = await cli(['merge-metrics', a, a, '--out', out, '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${a} and ${a} are the same state`), r.stderr);
  assert.not.ok(existsSync(join(out, 'report.json')));
});

test('a copy of a state under another name: refused as the same state', async () => {
  const copy = join(dir, 'a-copy.json');
  copyFileSync(a, copy);
  const r = await cli(['merge-metrics', a, b, copy, '--out', join(dir, 'copy'), '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${a} and ${copy} are the same state`), r.stderr);
});

test('overlapping shards: refused, naming both and the rows they share', async () => {
  const r = await cli(['merge-metrics', a, overlapping, '--out', join(dir, 'overlap'), '--no-figures']);
  assert.is(r.code, 1);
  // samples 500..699 are in both: 200 samples, a clean and a corrupted row each
  assert.ok(r.stderr.includes(`${a} and ${overlapping} overlap: 400 of their rows are the same`), r.stderr);
});

test('a merged state with one of its parts: refused, saying so; disjoint shards still merge', async () => {
  const merged = join(dir, 'ab.json');
  const ok = await cli(['merge-metrics', a, b, '--out', join(dir, 'ab'), '--state', merged, '--no-figures']);
  assert.is(ok.code, 0, ok.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'ab', 'report.json'), 'utf8')) as Report;
  assert.is(report.counts.all, 4000);
  const m = JSON.parse(readFileSync(merged, 'utf8')) as { identity: { rows: { count: number }; merged_from: string[] } };
  assert.is(m.identity.rows.count, 4000);
  assert.is(m.identity.merged_from.length, 2);
  const r = await cli(['merge-metrics', merged, b, '--out', join(dir, 'again'), '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${merged} and ${b} overlap: 2600 of their rows are the same (${b} is one of the states ${merged} was merged from)`), r.stderr);
});

test('a version-1 state (no identity) is refused with what to do', async () => {
  const old = join(dir, 'old.json');
  const s = JSON.parse(readFileSync(a, 'utf8')) as Record<string, unknown>;
  s['version'] = 1;
  delete s['identity'];
  writeFileSync(old, JSON.stringify(s));
  const r = await cli(['merge-metrics', old, b, '--out', join(dir, 'old'), '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${old}: a state from an older fer-c`), r.stderr);
});

test('a state from before input-order ties (pairs without sequence numbers) is refused naming the field', async () => {
  const old = join(dir, 'no-sequence.json');
  const s = JSON.parse(readFileSync(a, 'utf8')) as { pre: { cells: { metrics: { shared: { pairs: Record<string, unknown> } } }[] } };
  delete s.pre.cells[0]!.metrics.shared.pairs['sequence'];
  writeFileSync(old, JSON.stringify(s));
  const r = await cli(['merge-metrics', old, b, '--out', join(dir, 'no-sequence'), '--no-figures']);
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`${old}: pre.cells[0].metrics.shared.pairs.sequence: missing — a state from an older fer-c`), r.stderr);
  assert.not.ok(existsSync(join(dir, 'no-sequence')));
});

test.run();
