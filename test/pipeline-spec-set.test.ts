/**
 * `--set key=value`: dotted paths checked against the schema, values parsed
 * as JSON when they parse and taken as strings otherwise, applied before
 * validation (later ones win), objects created on the way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { loadSpec, parseSpec, parseOverride, parseValue, applyOverrides, SpecError, type Override } from '../src/pipeline/spec/index.js';

const PIPELINES = join(REPO_ROOT, 'pipelines');
const MINIMAL = JSON.stringify({ name: 'm', source: { type: 'folder', root: 'f', csv: 'f.csv', classes: ['A', 'B'] }, output: { dir: 'o' } });

function overrideOf(text: string): Override {
  const parsed = parseOverride(text);
  if (!('override' in parsed)) throw new Error(`${text}: ${parsed.problem.message}`);
  return parsed.override;
}

function problemOf(text: string): string {
  const parsed = parseOverride(text);
  if (!('problem' in parsed)) throw new Error(`${text} was accepted`);
  return parsed.problem.message;
}

function errorOf(f: () => unknown): SpecError {
  try { f(); } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

test('values: JSON when they parse, else the text', () => {
  assert.equal(parseValue('[1,2]'), [1, 2]);
  assert.is(parseValue('0.3'), 0.3);
  assert.is(parseValue('true'), true);
  assert.is(parseValue('null'), null);
  assert.is(parseValue('"123"'), '123');
  assert.is(parseValue('123'), 123);
  assert.equal(parseValue('{"file": "g.json"}'), { file: 'g.json' });
  assert.is(parseValue('/data/affectnet'), '/data/affectnet');
  assert.is(parseValue('face-api'), 'face-api');
  assert.is(parseValue('007'), '007', 'not JSON (leading zero): a string');
  assert.is(parseValue(''), '');
});

test('keys: dotted paths split at the first "=", pointer and path', () => {
  const o = overrideOf('source.root=/data/a=b');
  assert.equal(o.path, ['source', 'root']);
  assert.is(o.pointer, '/source/root');
  assert.is(o.value, '/data/a=b');
  assert.equal(overrideOf('severities.0=3').path, ['severities', '0']);
  assert.equal(overrideOf('labels.gmm.fit.shrinkage.strength=5').value, 5);
  assert.equal(overrideOf('source.partition=train').path, ['source', 'partition'], 'a field of one source type only');
});

test('a path the schema does not know is an error naming it, with the closest field', () => {
  const source = problemOf('sourc.root=/x');
  assert.ok(source.includes('the spec has no field "sourc"') && source.includes('did you mean "source"?'), source);
  const lambda = problemOf('labels.lamda=0.3');
  assert.ok(lambda.includes('"labels" has no field "lamda"') && lambda.includes('did you mean "labels.lambda"?') && lambda.includes('known: gmm, lambda, exponent, visibility'), lambda);
  assert.ok(problemOf('seed.x=1').includes('"seed" has no field "x"'));
  assert.ok(problemOf('no-equals-sign').includes('expected key=value'));
  assert.ok(problemOf('labels..lambda=1').includes('not a dotted path'));
  assert.ok(problemOf('=1').includes('not a dotted path'));
});

test('applied in order, creating objects on the way; a scalar in the way is an error', () => {
  const doc: Record<string, unknown> = { seed: 1, corruptions: 'all' };
  const problems = applyOverrides(doc, [overrideOf('seed=2'), overrideOf('labels.lambda=0.3'), overrideOf('seed=3'), overrideOf('corruptions.0=snow')]);
  assert.is(doc['seed'], 3, 'the last one wins');
  assert.equal(doc['labels'], { lambda: 0.3 });
  assert.is(problems.length, 1);
  assert.is(problems[0]!.pointer, '/corruptions');
  assert.ok(problems[0]!.message.includes('cannot set 0 inside "all"'), problems[0]!.message);
});

test('key=null removes an optional field, but sets a field whose schema allows null', () => {
  const plain = loadSpec(join(PIPELINES, 'demo.json'), ['predictions=null', 'metrics=null'], { cwd: REPO_ROOT });
  assert.is(plain.predictions, undefined);
  assert.is(plain.metrics, undefined);
  const wild = loadSpec(join(PIPELINES, 'affwild-c.json'), ['source.root=/tmp/x', 'source.vaDir=null', 'labels.gmm={"none": true}'], { cwd: REPO_ROOT });
  assert.is((wild.source as { vaDir: string | null }).vaDir, null);
});

test('loadSpec: the brief\'s examples take effect and are validated like the file\'s own values', () => {
  const spec = loadSpec(join(PIPELINES, 'demo.json'), [
    'severities=[1,2]', 'labels.lambda=0.3', 'corruptions=["snow","contrast"]', 'labels.visibility={"table": "vis.json"}', 'seed=7',
  ], { cwd: REPO_ROOT });
  assert.equal(spec.severities, [1, 2]);
  assert.is(spec.labels?.lambda, 0.3);
  assert.equal(spec.corruptions, ['snow', 'contrast']);
  assert.equal(spec.labels?.visibility, { table: join(REPO_ROOT, 'vis.json') });
  assert.is(spec.seed, 7);

  const root = loadSpec(join(PIPELINES, 'affectnet-c.json'), ['source.root=/data/affectnet'], { cwd: REPO_ROOT });
  assert.is((root.source as { root: string }).root, '/data/affectnet');

  const file = errorOf(() => loadSpec(join(PIPELINES, 'demo.json'), ['predictions.type=file'], { cwd: REPO_ROOT }));
  assert.is(file.problems.length, 1, file.message);
  assert.is(file.problems[0]!.pointer, '/predictions/path');
  assert.ok(file.message.includes('(--set predictions.type=file): /predictions/path: is required'), file.message);
  const switched = loadSpec(join(PIPELINES, 'demo.json'), ['predictions.type=file', 'predictions.path=preds.csv'], { cwd: '/w' });
  assert.equal(switched.predictions, { type: 'file', path: '/w/preds.csv', renormalize: false });
});

test('empty lists are errors, never "everything": corruptions, severities, classes', () => {
  for (const [override, pointer, message] of [
    ['corruptions=', '/corruptions', 'must be "all" or a list of corruption names (got "")'],
    ['corruptions=[]', '/corruptions', 'must have at least 1 item (got [])'],
    ['severities=', '/severities', 'must be a list (got "")'],
    ['severities=[]', '/severities', 'must have at least 1 item (got [])'],
    ['source.classes=[]', '/source/classes', 'must have at least 2 items (got [])'],
  ] as const) {
    const e = errorOf(() => parseSpec(MINIMAL, 'm.json', [override], { cwd: '/w' }));
    assert.equal(e.problems.map((p) => p.pointer), [pointer], `${override}: ${e.message}`);
    assert.ok(e.message.includes(`(--set ${override}): ${pointer}: ${message}`), e.message);
  }
});

test('an override creating a section that is then incomplete names that override', () => {
  const e = errorOf(() => parseSpec(MINIMAL, 'm.json', ['metrics.bins=10'], { cwd: '/w' }));
  assert.ok(e.problems.length >= 1);
  assert.ok(e.problems.every((p) => p.override === 'metrics.bins=10'), e.message);
  const created = parseSpec(MINIMAL, 'm.json', ['predictions.type=face-api'], { cwd: '/w' });
  assert.equal(created.predictions, { type: 'face-api' });
});

test('bad overrides are all reported together with the file\'s problems', () => {
  const e = errorOf(() => parseSpec(MINIMAL.replace('"m"', '"bad name"'), 'm.json', ['sourc.root=/x', 'limit=0'], { cwd: '/w' }));
  const pointers = e.problems.map((p) => p.pointer).sort();
  assert.equal(pointers, ['/limit', '/name', '/sourc/root']);
  assert.ok(e.message.split('\n')[0]!.startsWith('m.json line 1: /name'), 'file problems first');
});

test('a problem the file has by itself keeps its line, whatever else is overridden', () => {
  const e = errorOf(() => loadSpec(join(REPO_ROOT, 'test/fixtures/specs/bad-values.json'), ['seed=1', 'labels.exponent=3'], { cwd: '/w' }));
  const severity = e.problems.find((p) => p.pointer === '/severities/2')!;
  assert.is(severity.line, 8);
  assert.is(severity.override, undefined);
  // Fixing a schema error with --set lets the cross-field rules run: theirs are the file's too.
  const text = JSON.stringify({ ...JSON.parse(MINIMAL) as object, limit: 0, metrics: {} }, null, 2);
  const metrics = errorOf(() => parseSpec(text, 'm.json', ['limit=5'], { cwd: '/w' }));
  assert.ok(metrics.problems.length >= 1 && metrics.problems.every((p) => p.pointer === '/metrics' && p.line !== undefined), metrics.message);
});

test.run();
