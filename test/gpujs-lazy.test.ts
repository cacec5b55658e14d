/**
 * On the CPU backends every kernel of the corruptions runs its plain twin,
 * so no thread of `fer-c corrupt` loads gpu.js (~0.14 s) or compiles a kernel.
 * Each run is a child process preloaded with helpers/gpujs-probe.js, which
 * reports per thread how many of gpu.js's files are in the module cache. The
 * controls show the probe seeing gpu.js where it is loaded: a kernel without a
 * twin loads it on first run, and `twins: false` at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FACES_DIR, REPO_ROOT } from './helpers/fixtures.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

const PROBE = pathToFileURL(join(REPO_ROOT, 'dist', 'test', 'helpers', 'gpujs-probe.js')).href;
const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const root = mkdtempSync(join(tmpdir(), 'ferc-gpujs-'));

interface ThreadReport { thread: 'main' | 'worker'; id: number; gpuJsFiles: number }

/** Runs node with the probe preloaded; returns its result and one report per thread that ended. */
function probed(name: string, args: readonly string[]): { status: number | null; output: string; threads: ThreadReport[] } {
  const file = join(root, `${name}.probe`);
  const r = spawnSync(process.execPath, ['--import', PROBE, ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, GPUJS_PROBE_FILE: file },
  });
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const threads = lines.map((l) => {
    const [thread, id, n] = l.split(' ');
    return { thread: thread as ThreadReport['thread'], id: Number(id), gpuJsFiles: Number(n) };
  });
  return { status: r.status, output: r.stdout + r.stderr, threads };
}

for (const backend of ['webasm', 'cpu'] as const) {
  test(`fer-c corrupt --backend ${backend}: all ${CORRUPTION_NAMES.length * 5} variants of a face, and no thread loads gpu.js`, () => {
    const input = join(root, `in-${backend}`), output = join(root, `out-${backend}`);
    mkdirSync(input);
    copyFileSync(join(FACES_DIR, 'sample4_face2.png'), join(input, 'face.png'));
    const r = probed(`corrupt-${backend}`, [BIN, 'corrupt', '--input', input, '--output', output, '--backend', backend, '--workers', '2', '--quiet']);
    assert.is(r.status, 0, r.output);
    for (const c of CORRUPTION_NAMES) for (const s of ['1', '2', '3', '4', '5']) assert.equal(readdirSync(join(output, c, s)), ['face.png'], `${c}/${s}`);
    assert.is(r.threads.filter((t) => t.thread === 'main').length, 1);
    assert.is(r.threads.filter((t) => t.thread === 'worker').length, 2, JSON.stringify(r.threads));
    assert.equal(r.threads.filter((t) => t.gpuJsFiles > 0), [], 'threads that loaded gpu.js');
  });
}

/** A child script: a KernelHost runs one kernel spec; prints its output. */
const hostScript = (options: string, twin: boolean): string => `
  const { KernelHost } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'gpu', 'kernel-host.js')).href)});
  const host = new KernelHost('webasm', ${options});
  function double(a) { return 2 * a[this.thread.x]; }
  const spec = { name: 'double', fn: double, output: 4${twin ? ', twin: (a) => a.map((v) => 2 * v)' : ''} };
  console.log(JSON.stringify(Array.from(await host.run(spec, Float32Array.of(1, 2, 3, 4)))));
  host.destroy();
`;

test('control: a kernel without a twin loads gpu.js on its first run, and runs on it', () => {
  const r = probed('no-twin', ['--input-type=module', '-e', hostScript('{}', false)]);
  assert.is(r.status, 0, r.output);
  assert.match(r.output, /\[2,4,6,8\]/);
  assert.ok(r.threads[0]!.gpuJsFiles > 0, JSON.stringify(r.threads));
});

test('control: twins: false loads gpu.js; the default runs the twin without it', () => {
  const off = probed('twins-off', ['--input-type=module', '-e', hostScript('{ twins: false }', true)]);
  assert.is(off.status, 0, off.output);
  assert.match(off.output, /\[2,4,6,8\]/);
  assert.ok(off.threads[0]!.gpuJsFiles > 0, JSON.stringify(off.threads));
  const on = probed('twins-on', ['--input-type=module', '-e', hostScript('{}', true)]);
  assert.is(on.status, 0, on.output);
  assert.match(on.output, /\[2,4,6,8\]/);
  assert.is(on.threads[0]!.gpuJsFiles, 0);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
