/**
 * Malformed specs, each with the error a user needs: the file, the line (or
 * the --set), the JSON path, what was expected and what was found — for
 * schema errors, cross-field rules, JSON syntax, and several problems at once.
 * Line numbers are those of the hand-written files in test/fixtures/specs/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { loadSpec, parseSpec, SpecError, MAX_LISTED_PROBLEMS, type SpecProblem } from '../src/pipeline/spec/index.js';

const SPECS = join(REPO_ROOT, 'test', 'fixtures', 'specs');
const BASE = { name: 'x', source: { type: 'folder', root: 'faces', csv: 'faces.csv', classes: ['A', 'B'] }, output: { dir: 'out' } };

function errorOf(f: () => unknown): SpecError {
  try { f(); } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

/** Errors of BASE with `changes` merged in at the top level. */
function errorsOf(changes: Record<string, unknown>, overrides: string[] = []): SpecError {
  return errorOf(() => parseSpec(JSON.stringify({ ...BASE, ...changes }, null, 2), 'inline.json', overrides, { cwd: '/w' }));
}

function problemAt(e: SpecError, pointer: string): SpecProblem {
  const p = e.problems.find((q) => q.pointer === pointer);
  if (!p) throw new Error(`no problem at ${pointer} in:\n${e.message}`);
  return p;
}

function assertIncludes(text: string, ...parts: string[]): void {
  for (const part of parts) assert.ok(text.includes(part), `expected «${part}» in «${text}»`);
}

const badValues = (): SpecError => errorOf(() => loadSpec(join(SPECS, 'bad-values.json'), [], { cwd: '/w' }));

test('1. a severity out of range: path, bound, value found, line', () => {
  const e = badValues();
  const p = problemAt(e, '/severities/2');
  assert.is(p.line, 8);
  assertIncludes(p.message, '≤ 5', 'got 7');
  assertIncludes(e.message, `${join(SPECS, 'bad-values.json')} line 8: /severities/2: must be ≤ 5 (got 7)`);
});

test('2. a misspelt property: the closest known name and the list of known ones; the real one is missing', () => {
  const e = badValues();
  const p = problemAt(e, '/source/rot');
  assert.is(p.line, 5);
  assertIncludes(p.message, 'unknown property "rot"', 'did you mean "root"?', 'known: type, root, csv, imagesDir');
  const missing = problemAt(e, '/source/root');
  assertIncludes(missing.message, 'is required');
  assert.is(missing.line, 3, 'the line of the object that lacks it');
});

test('3. an unknown corruption name: allowed names and the closest one', () => {
  const p = problemAt(badValues(), '/corruptions/1');
  assertIncludes(p.message, 'got "gausian_blur"', 'did you mean "gaussian_blur"?', '"gaussian_noise"', '"saturate"');
});

test('4. a bad enum (visibility measure, backend): every allowed value and what was found', () => {
  const e = badValues();
  const m = problemAt(e, '/labels/visibility/measure');
  assert.is(m.line, 12);
  assertIncludes(m.message, 'must be one of "l2", "ssim", "per-sample"', 'got "rms"');
  assertIncludes(problemAt(e, '/backend').message, '"auto", "webgpu", "headlessgl", "webasm", "cpu"', 'got "webgl"');
  assertIncludes(problemAt(e, '/labels/lambda').message, 'must be ≤ 1 (got 1.5)');
});

test('5. JSON syntax: line and column, and what was expected there', () => {
  const e = errorOf(() => loadSpec(join(SPECS, 'syntax-error.json')));
  assert.is(e.problems.length, 1);
  const p = e.problems[0]!;
  assert.is(p.line, 5);
  assert.is(p.column, 31);
  assertIncludes(e.message, 'syntax-error.json line 5 column 31: not valid JSON', 'no comma after the last property');
  const missingComma = errorOf(() => parseSpec('{\n  "name": "x"\n  "seed": 1\n}', 'm.json'));
  assertIncludes(missingComma.message, 'm.json line 3 column 3', "expected ',' or '}'", 'comma missing');
  const windowsPath = errorOf(() => parseSpec('{"name": "x", "output": {"dir": "C:\\out"}}', 'w.json'));
  assertIncludes(windowsPath.message, 'bad escape', '\\\\ or /');
});

test('6. a key given twice: both lines named', () => {
  const e = errorOf(() => loadSpec(join(SPECS, 'duplicate-key.json'), [], { cwd: '/w' }));
  const p = problemAt(e, '/seed');
  assert.is(p.line, 6);
  assertIncludes(p.message, 'given twice', 'first on line 4');
});

test('7. many problems: all reported, one per line, in file order, at most ten listed', () => {
  const e = errorOf(() => loadSpec(join(SPECS, 'many-errors.json'), [], { cwd: '/w' }));
  assert.ok(e.problems.length > MAX_LISTED_PROBLEMS, `${e.problems.length} problems`);
  const lines = e.message.split('\n');
  assert.is(lines.length, MAX_LISTED_PROBLEMS + 1);
  assert.is(lines[MAX_LISTED_PROBLEMS], `… and ${e.problems.length - MAX_LISTED_PROBLEMS} more problems`);
  const numbers = e.problems.map((p) => p.line!);
  assert.equal(numbers, [...numbers].sort((a, b) => a - b), 'sorted by line');
  assertIncludes(problemAt(e, '/name').message, 'letters, digits', 'got "many errors"');
  assertIncludes(problemAt(e, '/source/root').message, 'must be a string (got 7)');
  assertIncludes(problemAt(e, '/source/partition').message, '"train", "test", "all"', 'got "val"');
  assertIncludes(problemAt(e, '/limit').message, 'must be ≥ 1 (got 0)');
  assertIncludes(problemAt(e, '/severities').message, 'must not repeat', '2 is both item 1 and item 2');
  assertIncludes(problemAt(e, '/severities/3').message, 'got 9');
  assertIncludes(problemAt(e, '/seed').message, 'must be an integer (got 0.5)');
  assertIncludes(problemAt(e, '/output/dir').message, 'is required');
  assertIncludes(problemAt(e, '/output/images').message, 'must be true or false (got "yes")');
  assertIncludes(problemAt(e, '/predictions/path').message, 'is required');
  assertIncludes(problemAt(e, '/colour').message, 'unknown property "colour"');
});

test('8. metrics without predictions or labels: the cross-field rule, at /metrics', () => {
  const e = errorsOf({ metrics: { bins: 10 } });
  const messages = e.problems.filter((p) => p.pointer === '/metrics').map((p) => p.message).join('\n');
  assertIncludes(messages, 'needs /predictions', 'needs /labels');
  assert.ok(e.problems.every((p) => p.line !== undefined), 'each with its line');
});

test('9. one-of rules: gmm with two choices, visibility table and measure, video crop and boxes, sampling', () => {
  assertIncludes(problemAt(errorsOf({ labels: { gmm: { file: 'g.json', none: true } } }), '/labels/gmm').message, 'only one of file, fit, none');
  assertIncludes(problemAt(errorsOf({ labels: { gmm: {} } }), '/labels/gmm').message, 'one of file, fit, none');
  assertIncludes(problemAt(errorsOf({ labels: { visibility: { measure: 'ssim', table: 'v.json' } } }), '/labels/visibility').message, 'table or measure/calibration, not both');
  const video = { type: 'video', file: 'v.mp4', expr: 'v.txt', crop: { x: 0, y: 0, width: 9, height: 9 }, boxes: 'b.csv' };
  assertIncludes(problemAt(errorsOf({ source: video }), '/source').message, 'crop or a box file (boxes), not both');
  const affwild = { type: 'affwild', root: 'aw', sampling: { every: 2, perIdentity: 240 } };
  assertIncludes(problemAt(errorsOf({ source: affwild }), '/source/sampling').message, 'only one of every, perVideo, perIdentity');
});

test('10. a GMM where the data has no valence/arousal, and a missing one where it has', () => {
  const raf = errorsOf({ source: { type: 'rafdb', root: 'raf' }, labels: { gmm: { file: 'g.json' } } });
  assertIncludes(problemAt(raf, '/labels/gmm').message, 'RAF-DB has no valence/arousal', '{"none": true}');
  const affectnet = errorsOf({ source: { type: 'affectnet', root: 'an' }, labels: {} });
  assertIncludes(problemAt(affectnet, '/labels/gmm').message, 'is required for AffectNet', '"fit"');
  const noVa = errorsOf({ source: { type: 'affwild', root: 'aw', vaDir: null }, labels: { gmm: { file: 'g.json' } } });
  assertIncludes(problemAt(noVa, '/labels/gmm').message, 'vaDir is null');
});

test('11. a GMM fit that cannot know its data or classes', () => {
  const e = errorsOf({ source: { type: 'rafdb', root: 'raf' }, labels: { gmm: { fit: { format: 'folder' } } } });
  assertIncludes(problemAt(e, '/labels/gmm/fit/csv').message, 'is required');
  assertIncludes(problemAt(e, '/labels/gmm/fit/classes').message, 'required with format "folder"');
  const eight = errorsOf({ labels: { gmm: { fit: { csv: 'a.csv', classes: ['A', 'B'] } } } });
  assertIncludes(problemAt(eight, '/labels/gmm/fit/classes').message, "AffectNet's 8 classes", 'got 2');
});

test('12. a source type that does not exist, and a source without a type', () => {
  const wrong = errorsOf({ source: { type: 'afectnet', root: 'r' } });
  assert.is(wrong.problems.length, 1, wrong.message);
  assertIncludes(problemAt(wrong, '/source/type').message, '"affectnet", "rafdb", "folder", "affwild", "video"', 'did you mean "affectnet"?');
  assertIncludes(problemAt(errorsOf({ source: { root: 'r' } }), '/source/type').message, 'is required');
});

test('13. a run that would produce nothing; temperature ≤ 0; corruptions neither "all" nor a list; class names twice', () => {
  assertIncludes(problemAt(errorsOf({ output: { dir: 'o', images: false } }), '/output').message, 'would produce nothing');
  const withMetrics = { labels: {}, predictions: { type: 'face-api' } };
  assertIncludes(problemAt(errorsOf({ ...withMetrics, metrics: { temperature: 0 } }), '/metrics/temperature').message, 'must be > 0 (got 0)');
  assertIncludes(problemAt(errorsOf({ ...withMetrics, metrics: { temperature: 'yes' } }), '/metrics/temperature').message, 'true, false or a number');
  assertIncludes(problemAt(errorsOf({ corruptions: 'most' }), '/corruptions').message, '"all" or a list of corruption names (got "most")');
  assertIncludes(problemAt(errorsOf({ corruptions: [] }), '/corruptions').message, 'at least 1 item');
  const folder = { ...BASE.source, classes: ['Happy', 'happy'] };
  assertIncludes(problemAt(errorsOf({ source: folder }), '/source/classes').message, '"happy" twice');
  assertIncludes(problemAt(errorsOf({ output: { dir: 'o', labels: true } }), '/output/labels').message, 'no /labels section');
});

test('14. a bad value given with --set names the --set, not a line', () => {
  const e = errorsOf({}, ['severities=[1,9]', 'labels.visibility.measure=l1']);
  const sev = problemAt(e, '/severities/1');
  assert.is(sev.override, 'severities=[1,9]');
  assert.is(sev.line, undefined);
  assertIncludes(e.message, 'inline.json (--set severities=[1,9]): /severities/1: must be ≤ 5 (got 9)');
  const measure = problemAt(e, '/labels/visibility/measure');
  assertIncludes(measure.message, 'did you mean "l2"?');
  assert.is(measure.override, 'labels.visibility.measure=l1');
});

test('15. not an object; a missing spec file', () => {
  assertIncludes(errorOf(() => parseSpec('[1, 2]', 'l.json')).message, 'l.json line 1: must be a JSON object');
  const missing = errorOf(() => loadSpec(join(SPECS, 'no-such-spec.json')));
  assertIncludes(missing.message, 'no-such-spec.json: no such spec file');
});

test('16. --check-files: a missing input at its path, before any work', () => {
  const e = errorOf(() => parseSpec(JSON.stringify(BASE), 'c.json', [], { cwd: join(SPECS, 'nowhere'), checkFiles: true }));
  assertIncludes(problemAt(e, '/source/root').message, 'no such folder', join(SPECS, 'nowhere', 'faces'));
  assertIncludes(problemAt(e, '/source/csv').message, 'no such file');
  // A missing root is the one problem, not every default under it; it is the --set's doing.
  const raf = errorOf(() => loadSpec(join(REPO_ROOT, 'pipelines', 'rafdb-c.json'), [`source.root=${join(SPECS, 'nowhere')}`], { checkFiles: true }));
  assert.equal(raf.problems.map((p) => [p.pointer, p.override]), [['/source/root', `source.root=${join(SPECS, 'nowhere')}`]]);
  const rootOnly = errorOf(() => loadSpec(join(REPO_ROOT, 'pipelines', 'rafdb-c.json'), [`source.root=${SPECS}`], { checkFiles: true }));
  assertIncludes(problemAt(rootOnly, '/source/labelFile').message, 'EmoLabel/list_patition_label.txt', 'the default under source.root');
});

test.run();
