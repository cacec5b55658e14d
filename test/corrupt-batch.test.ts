/**
 * `fer-c corrupt --batch N` through the real CLI on the CPU backend (no GPU needed): samples go to the
 * workers in groups of N (one worker task each, corruptBatch per variant), and the run folder is byte
 * for byte the one a run without batches writes, an unreadable file in a group included; bad batch
 * sizes are refused before any work, naming the limit. (The GPU side: test/webgpu-batch*.wgsltest.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { batchInput } from './helpers/batch-input.js';
import { folderDifferences, folderBytes } from './helpers/folder-bytes.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const { root, input } = batchInput('ferc-batch-', '2b-broken.png');

const ferc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const common = ['--corruptions', 'glass_blur,spatter,contrast', '--severities', '1,4', '--workers', '2', '--seed', '11', '--backend', 'cpu', '--quiet'];

test('--batch 3 writes the same bytes as no batches (CPU), a broken file in a group skipped alone', () => {
  const plain = join(root, 'plain'), batched = join(root, 'batched');
  const a = ferc('corrupt', '--input', input, '--output', plain, ...common);
  assert.is(a.status, 0, a.stderr);
  const b = ferc('corrupt', '--input', input, '--output', batched, '--batch', '3', ...common.filter((a) => a !== '--quiet'));
  assert.is(b.status, 0, b.stderr);
  assert.match(b.stderr, /phase: main — .*in groups of 3 per worker task/);
  assert.match(b.stdout, /4 images, /);
  assert.match(b.stdout, /skipped .*2b-broken\.png/);
  assert.ok(folderBytes(batched).size > 4 * 6, 'the run wrote its variants');
  assert.ok(existsSync(join(batched, 'spatter', '4', '3.png')));
  assert.equal(folderDifferences(plain, batched), []);
});

test('a bad --batch is refused before any work, naming the limit', () => {
  for (const [value, message] of [
    ['0', /--batch 0: the batch must be a whole number of samples ≥ 1, got 0/],
    ['2.5', /--batch 2\.5: the batch must be a whole number/],
    ['abc', /--batch abc: the batch must be a whole number/],
    ['112', /--batch 112: a batch of 112 224x224 RGB samples is 16859136 values; .*2\^24 \(16777216\): at most 111 per batch/],
  ] as const) {
    const out = join(root, `bad-${value}`);
    const r = ferc('corrupt', '--input', input, '--output', out, '--batch', value, ...common);
    assert.is.not(r.status, 0);
    assert.match(r.stderr, message);
    assert.not.ok(existsSync(out), `no output folder for --batch ${value}`);
  }
});

test.run();
