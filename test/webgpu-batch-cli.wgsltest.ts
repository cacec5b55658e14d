/**
 * `fer-c corrupt --backend webgpu --batch N` end to end: a run in groups of 3 (batch pipelines over
 * 3 samples, a broken file in a group) writes byte for byte the folder a run in groups of 1 writes,
 * and the log names the adapter and the batch. Corruptions whose pipelines split (glass_blur,
 * spatter's water and mud) and one that fuses three kernels (snow), two severities, two workers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { batchInput } from './helpers/batch-input.js';
import { folderBytes, folderDifferences } from './helpers/folder-bytes.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const { root, input } = batchInput('ferc-gpu-batch-', '1b-broken.png');
const common = ['--corruptions', 'glass_blur,spatter,snow', '--severities', '1,4', '--workers', '2', '--seed', '3', '--backend', 'webgpu'];
const ferc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('--batch 3 on webgpu writes the bytes of --batch 1', () => {
  const one = join(root, 'one'), three = join(root, 'three');
  const a = ferc('corrupt', '--input', input, '--output', one, '--batch', '1', ...common);
  assert.is(a.status, 0, a.stderr);
  const b = ferc('corrupt', '--input', input, '--output', three, '--batch', '3', ...common);
  assert.is(b.status, 0, b.stderr);
  const backendLine = b.stderr.split('\n').find((l) => l.startsWith('gpu.js backend: webgpu on '));
  console.log(backendLine);
  assert.ok(backendLine?.endsWith('; batches of 3'), b.stderr);
  assert.match(b.stderr, /in groups of 3 per worker task/);
  assert.match(b.stdout, /4 images, /);
  assert.is(folderBytes(three).size, folderBytes(one).size);
  assert.equal(folderDifferences(one, three), []);
});

test.run();
