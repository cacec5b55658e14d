/**
 * One flag set (issue 25): --quiet, --overwrite and --set mean the same in
 * every command that runs work. The table drives it: every entry of COMMANDS
 * marked `work` (so a command added later is covered by being listed) must show
 * the three shared help lines in its --help, accept the three flags, and read
 * --set as a setting of its own (a spec field, or one of its flags).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../src/cli/commands.js';
import { flag, parseWorkArgs, UsageError, WORK_FLAG_HELP } from '../src/cli/args.js';
import { REPO_ROOT, FACES_DIR } from './helpers/fixtures.js';
import { BIN } from './helpers/run-folder.js';

const root = mkdtempSync(join(tmpdir(), 'ferc-work-flags-'));
const work = COMMANDS.filter((c) => c.work !== false);

function ferC(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the commands that run work are marked so in the table', () => {
  const names = work.map((c) => c.name);
  for (const name of ['run', 'calibrate', 'merge', 'corrupt', 'evaluate']) assert.ok(names.includes(name), `${name} runs work`);
  if (COMMANDS.some((c) => c.name === 'train')) assert.ok(names.includes('train'), 'train runs work');
});

for (const entry of work) {
  test(`fer-c ${entry.name} --help: the shared lines of --quiet, --overwrite and --set`, async () => {
    const r = ferC([entry.name, '--help']);
    assert.is(r.code, 0, r.stderr);
    const synopsis = r.stdout.slice(0, r.stdout.indexOf('\n\n'));
    for (const name of ['quiet', 'overwrite', 'set'] as const) {
      assert.ok(r.stdout.split('\n').includes(WORK_FLAG_HELP[name]), `fer-c ${entry.name} --help shows\n${WORK_FLAG_HELP[name]}\nin\n${r.stdout}`);
      assert.match(synopsis, `[--${name}`, `the usage line names --${name}`);
    }
    assert.is(r.stdout, (await entry.load()).usage + '\n');
  });

  test(`fer-c ${entry.name} takes --quiet --overwrite and reads --set as one of its settings`, () => {
    // A setting no command has: refused by name before anything runs, which shows the flags were all taken.
    const positional = entry.work === 'spec' ? [join(REPO_ROOT, 'pipelines', 'demo.json')] : [];
    const r = ferC([entry.name, ...positional, '--quiet', '--overwrite', '--set', 'no_such_setting=1']);
    assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
    assert.not.match(r.stderr, /unknown option|takes no value|needs a value/);
    assert.match(r.stderr, /no_such_setting/, 'the --set key is named');
  });
}

test('parseWorkArgs with flag settings: --set key=value is --key value, lists become a,b, booleans are true or false', () => {
  const spec = { values: ['seed', 'severities'], booleans: ['renormalize'] };
  const args = parseWorkArgs(['--set', 'seed=3', '--set', 'severities=[1,5]', '--set', 'renormalize=true', '--quiet'], spec, 'flags');
  assert.is(flag(args, 'seed'), '3');
  assert.is(flag(args, 'severities'), '1,5');
  assert.ok(args.booleans.has('renormalize') && args.booleans.has('quiet'));
  assert.not.ok(args.flags.has('set'));
  assert.throws(() => parseWorkArgs(['--seed', '2', '--set', 'seed=3'], spec, 'flags'), (e: unknown) => e instanceof UsageError && /--seed given twice \(also as --set seed=3\)/.test((e as Error).message));
  assert.throws(() => parseWorkArgs(['--set', 'limit=3'], spec, 'flags'), (e: unknown) => e instanceof UsageError && /no setting "limit"; the settings of this command are its flags: renormalize, seed, severities/.test((e as Error).message));
  assert.throws(() => parseWorkArgs(['--set', 'renormalize=2'], spec, 'flags'), /renormalize is true or false/);
  assert.throws(() => parseWorkArgs(['--set', 'seed'], spec, 'flags'), /expected key=value/);
  // With spec settings, --set values stay for the spec loader (a dotted path into the spec).
  const specArgs = parseWorkArgs(['s.json', '--set', 'source.root=/data', '--overwrite'], {}, 'spec');
  assert.equal(specArgs.flags.get('set'), ['source.root=/data']);
});

test('fer-c corrupt: --set gives the same files as the flags it names; --quiet shows no progress and keeps the summary', () => {
  const input = join(root, 'in');
  mkdirSync(input);
  const face = readdirSync(FACES_DIR).filter((n) => n.endsWith('.png')).sort()[0]!;
  writeFileSync(join(input, face), readFileSync(join(FACES_DIR, face)));
  const byFlags = ferC(['corrupt', '--input', input, '--output', join(root, 'flags'), '--seed', '7', '--corruptions', 'contrast,snow', '--severities', '2', '--workers', '1', '--quiet']);
  assert.is(byFlags.code, 0, byFlags.stderr);
  const bySet = ferC(['corrupt', '--input', input, '--output', join(root, 'set'), '--set', 'seed=7', '--set', 'corruptions=["contrast","snow"]', '--set', 'severities=[2]', '--set', 'workers=1', '--quiet']);
  assert.is(bySet.code, 0, bySet.stderr);
  for (const file of ['clean', 'contrast/2', 'snow/2'].map((d) => join(d, face))) {
    assert.ok(readFileSync(join(root, 'set', file)).equals(readFileSync(join(root, 'flags', file))), `${file}: the same bytes`);
  }
  assert.not.match(bySet.stderr, /^progress: /m);
  assert.match(bySet.stdout, /^1 images, 3 files written/m);
});

test('fer-c evaluate: an --out holding the report of other inputs is refused; --overwrite removes that report first', () => {
  const out = join(root, 'evaluated');
  mkdirSync(out);
  writeFileSync(join(out, 'report.json'), JSON.stringify({ inputs: { labels: ['other-labels.csv'], predictions: ['other-predictions.csv'], states: [] } }));
  writeFileSync(join(out, 'report.md'), '# report\n\n![Reliability](reliability-id.png)\n');
  writeFileSync(join(out, 'reliability-id.png'), 'an earlier figure');
  writeFileSync(join(out, 'notes.txt'), 'not the report\'s');
  const args = ['evaluate', '--labels', join(root, 'missing-labels.csv'), '--predictions', join(root, 'missing-predictions.csv'), '--out', out];
  const refused = ferC(args);
  assert.is(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, `--out ${out} holds the report of another evaluation (${join(out, 'report.json')}: labels ["other-labels.csv"], predictions ["other-predictions.csv"]): choose another --out, or --overwrite to replace it`);
  assert.ok(existsSync(join(out, 'reliability-id.png')), 'refused: nothing removed');
  const overwritten = ferC([...args, '--overwrite']);
  assert.is(overwritten.code, 1, overwritten.stderr);
  assert.match(overwritten.stderr, /missing-labels\.csv/, 'then it goes on to its inputs');
  assert.equal(readdirSync(out), ['notes.txt'], 'the earlier report\'s files are gone, nothing else');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
