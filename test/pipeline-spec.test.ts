/**
 * Pipeline specs: the shipped specs validate (the dataset ones once their root
 * is given with --set), defaults are filled in as the schema and SPEC.md
 * state them, paths become absolute against the working directory, the
 * schema documents and closes every object, and `fer-c validate` reports.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { loadSpec, parseSpec, SpecError, SET_WITH_SET, type PipelineSpec } from '../src/pipeline/spec/index.js';
import { validateCommand } from '../src/cli/validate.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';
import { BACKENDS } from '../src/gpu/backend.js';
import { AFFECTNET_DEFAULT_CSV, AFFECTNET_DEFAULT_IMAGES_DIR } from '../src/sources/affectnet.js';
import { RAFDB_DEFAULT_LABEL_FILE } from '../src/sources/rafdb.js';

const PIPELINES = join(REPO_ROOT, 'pipelines');
const SPECS = join(REPO_ROOT, 'test', 'fixtures', 'specs');
const DATASET_SPECS = ['affectnet-c.json', 'rafdb-c.json', 'affwild-c.json'];
const AFFECTNET_8 = ['Neutral', 'Happy', 'Sad', 'Surprise', 'Fear', 'Disgust', 'Anger', 'Contempt'];

interface SchemaJson { [k: string]: unknown; properties?: Record<string, SchemaJson>; $defs?: Record<string, SchemaJson> }
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8')) as SchemaJson;
const def = (name: string): SchemaJson => schema.$defs![name]!;
const schemaDefault = (node: SchemaJson, property: string): unknown => node.properties![property]!['default'];

/** A spec given as text (cwd /w, one core). */
function loadSpecText(text: string): PipelineSpec {
  return parseSpec(text, 'inline.json', [], { cwd: '/w', cores: 1 });
}

function specError(f: () => unknown): SpecError {
  try { f(); } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

test('every shipped spec validates; the dataset specs once source.root is given', () => {
  const shipped = readdirSync(PIPELINES).filter((f) => f.endsWith('.json')).sort();
  assert.equal(shipped, ['affectnet-c.json', 'affwild-c.json', 'demo-onnx.json', 'demo-tfjs.json', 'demo-train.json', 'demo.json', 'rafdb-c.json']);
  for (const file of shipped) {
    const overrides = DATASET_SPECS.includes(file) ? ['source.root=/tmp/x'] : [];
    const spec = loadSpec(join(PIPELINES, file), overrides, { cwd: REPO_ROOT });
    assert.is(spec.name, file.replace(/\.json$/, ''), file);
    assert.equal(spec.corruptions, [...CORRUPTION_NAMES], `${file}: every corruption of the registry`);
    assert.equal(spec.severities, [1, 2, 3, 4, 5], `${file}: severities`);
    if (DATASET_SPECS.includes(file)) assert.is((spec.source as { root: string }).root, '/tmp/x', file);
    const raw = JSON.parse(readFileSync(join(PIPELINES, file), 'utf8')) as { $schema: string };
    assert.is(raw.$schema, '../schemas/pipeline.schema.json', `${file} names the schema for editors`);
  }
});

test('a dataset spec without --set source.root says how to give it', () => {
  for (const file of DATASET_SPECS) {
    const e = specError(() => loadSpec(join(PIPELINES, file), [], { cwd: REPO_ROOT }));
    assert.is(e.problems.length, 1, e.message);
    assert.is(e.problems[0]!.pointer, '/source/root');
    assert.ok(e.message.includes('/source/root: set it with --set source.root=PATH'), e.message);
    assert.ok(e.message.startsWith(join(PIPELINES, file)), 'names the spec file');
    const raw = JSON.parse(readFileSync(join(PIPELINES, file), 'utf8')) as { source: { root: string } };
    assert.is(raw.source.root, SET_WITH_SET);
  }
});

test('demo.json: the bundled faces, GMM fitted with circumplex shrinkage, l2 over 22, face-api, metrics; its inputs exist', () => {
  const spec = loadSpec(join(PIPELINES, 'demo.json'), [], { cwd: REPO_ROOT, checkFiles: true });
  assert.equal(spec.source, {
    type: 'folder', root: join(REPO_ROOT, 'test/fixtures/faces'), csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'),
    classes: AFFECTNET_8, dataset: 'demo', allowOutsideRoot: false, missingImages: 'error',
  });
  assert.equal(spec.labels?.gmm, {
    fit: {
      csv: join(REPO_ROOT, 'examples/data/demo-faces.csv'), format: 'folder', classes: AFFECTNET_8,
      shrinkage: { prior: 'circumplex', strength: 5 },
    },
  });
  assert.equal(spec.labels?.visibility, { measure: 'l2', calibration: 22 });
  assert.equal(spec.output, { dir: join(REPO_ROOT, 'out/demo'), images: true, labels: true });
  assert.equal(spec.predictions, { type: 'face-api' });
  assert.equal(spec.metrics, { bins: 15, temperature: true, report: true, interval: 10, calibrators: ['temperature', 'vector', 'dirichlet', 'histogram', 'isotonic'] });
});

test('affectnet-c: reader defaults under the given root; the GMM is fitted on the training list', () => {
  const spec = loadSpec(join(PIPELINES, 'affectnet-c.json'), ['source.root=/data/affectnet'], { cwd: REPO_ROOT });
  assert.equal(spec.source, {
    type: 'affectnet', root: '/data/affectnet',
    csv: join('/data/affectnet', AFFECTNET_DEFAULT_CSV), imagesDir: join('/data/affectnet', AFFECTNET_DEFAULT_IMAGES_DIR),
  });
  assert.equal(spec.labels?.gmm, { fit: { csv: '/data/affectnet/Manually_Annotated_file_lists/training.csv', format: 'affectnet', classes: AFFECTNET_8 } });
});

test('rafdb-c and affwild-c: the paper\'s test partition / identity split and 240 frames per identity', () => {
  const raf = loadSpec(join(PIPELINES, 'rafdb-c.json'), ['source.root=/data/raf'], { cwd: REPO_ROOT });
  assert.equal(raf.source, {
    type: 'rafdb', root: '/data/raf', partition: 'test', images: 'aligned',
    labelFile: join('/data/raf', RAFDB_DEFAULT_LABEL_FILE), imagesDir: '/data/raf/Image/aligned',
  });
  assert.equal(raf.labels?.gmm, { none: true });
  const aw = loadSpec(join(PIPELINES, 'affwild-c.json'), ['source.root=/data/aw'], { cwd: REPO_ROOT });
  assert.equal(aw.source, {
    type: 'affwild', root: '/data/aw', framesDir: '/data/aw/cropped_aligned',
    exprDir: '/data/aw/annotations/EXPR_Set/Train_Set', vaDir: '/data/aw/annotations/VA_Set/Train_Set',
    sampling: { perIdentity: 240 }, split: { part: 'test', seed: 0, trainFraction: 0.8 },
  });
  assert.equal(aw.labels?.gmm, { file: join(REPO_ROOT, 'out/affectnet-c/gmm.json') });
});

test('defaults: the schema\'s default annotations, SPEC.md §3–4 values, and the machine for workers', () => {
  const spec: PipelineSpec = loadSpec(join(SPECS, 'minimal-folder.json'), [], { cwd: '/base', cores: 3 });
  assert.equal(spec.corruptions, [...CORRUPTION_NAMES], 'corruptions default "all"');
  assert.is(schemaDefault(schema, 'corruptions'), 'all');
  assert.equal(spec.severities, schemaDefault(schema, 'severities'));
  assert.is(spec.seed, schemaDefault(schema, 'seed'));
  assert.is(spec.backend, schemaDefault(schema, 'backend'));
  assert.is(spec.limit, undefined, 'no limit: the whole dataset');
  assert.is(spec.workers, 3);
  assert.is(spec.window, 6, '2 samples in flight per worker');
  // SPEC.md §3: λ 0.5, exponent 2, L2 visibility over M = 100 images; no GMM for a folder source unless given.
  assert.equal(spec.labels, { gmm: { none: true }, lambda: 0.5, exponent: 2, visibility: { measure: 'l2', calibration: 100 } });
  assert.is(schemaDefault(def('labels'), 'lambda'), 0.5);
  assert.is(schemaDefault(def('labels'), 'exponent'), 2);
  // SPEC.md §4: 15 bins; temperature scaling fitted on clean predictions (§5).
  assert.equal(spec.metrics, {
    bins: 15, temperature: schemaDefault(def('metrics'), 'temperature'), report: schemaDefault(def('metrics'), 'report'),
    interval: schemaDefault(def('metrics'), 'interval'),
  });
  assert.is(schemaDefault(def('metrics'), 'bins'), 15);
  assert.equal(spec.output, { dir: '/base/out/minimal', images: schemaDefault(def('output'), 'images'), labels: true });
  assert.equal(spec.predictions, { type: 'file', path: '/base/preds.csv', renormalize: schemaDefault(def('filePredictions'), 'renormalize') });
  assert.equal(spec.source, {
    type: 'folder', root: '/base/faces', csv: '/base/faces.csv', classes: ['Neutral', 'Happy'], dataset: 'folder',
    allowOutsideRoot: schemaDefault(def('folderSource'), 'allowOutsideRoot'), missingImages: schemaDefault(def('folderSource'), 'missingImages'),
  });
  assert.is(schemaDefault(def('folderSource'), 'allowOutsideRoot'), false, 'paths may not leave the root unless the spec says so');
  assert.is(schemaDefault(def('folderSource'), 'missingImages'), 'error');
  const optedIn = loadSpec(join(SPECS, 'minimal-folder.json'), ['source.allowOutsideRoot=true', 'source.missingImages=skip'], { cwd: '/base' });
  assert.equal([optedIn.source.type === 'folder' && optedIn.source.allowOutsideRoot, optedIn.source.type === 'folder' && optedIn.source.missingImages], [true, 'skip']);

  const machine = loadSpec(join(SPECS, 'minimal-folder.json'), ['workers=2'], { cwd: '/base' });
  assert.is(machine.window, 4, 'window follows an explicit workers');
  const allCores = loadSpec(join(SPECS, 'minimal-folder.json'), [], { cwd: '/base' });
  assert.is(allCores.workers, availableParallelism(), 'workers default: every core');
});

test('source defaults per type: video name from the file, every 1, warn on short videos; affwild split defaults', () => {
  const text = JSON.stringify({
    name: 'v', source: { type: 'video', file: 'clips/person_1.mp4', expr: 'person_1.txt', crop: { x: 1, y: 2, width: 30, height: 40 } },
    output: { dir: 'o' },
  });
  const spec = loadSpecText(text);
  assert.equal(spec.source, {
    type: 'video', file: '/w/clips/person_1.mp4', expr: '/w/person_1.txt', crop: { x: 1, y: 2, width: 30, height: 40 },
    every: schemaDefault(def('videoSource'), 'every'), video: 'person_1', shortVideo: schemaDefault(def('videoSource'), 'shortVideo'),
  });
  const aw = loadSpecText(JSON.stringify({ name: 'a', source: { type: 'affwild', root: 'aw', vaDir: null, split: { part: 'train' } }, output: { dir: 'o' } }));
  assert.equal(aw.source, {
    type: 'affwild', root: '/w/aw', framesDir: '/w/aw/cropped_aligned', exprDir: '/w/aw/annotations/EXPR_Set/Train_Set', vaDir: null,
    split: { part: 'train', seed: schemaDefault(def('identitySplit'), 'seed'), trainFraction: schemaDefault(def('identitySplit'), 'trainFraction') },
  });
  assert.is(schemaDefault(def('identitySplit'), 'trainFraction'), 0.8, 'the paper\'s 80/20 split');
});

test('the schema: every object closed (additionalProperties false), every field described, enums match the code', () => {
  const problems: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}/${i}`)); return; }
    const n = node as SchemaJson;
    if (n.properties) {
      const discriminated = n['discriminator'] !== undefined; // closed in each oneOf branch instead
      if (!discriminated && n['additionalProperties'] !== false) problems.push(`${where}: not closed`);
      for (const [key, p] of Object.entries(n.properties)) {
        const ref = typeof p['$ref'] === 'string' ? def((p['$ref'] as string).replace('#/$defs/', '')) : undefined;
        if (typeof p['description'] !== 'string' && typeof ref?.['description'] !== 'string') problems.push(`${where}/properties/${key}: no description`);
      }
    }
    for (const [k, v] of Object.entries(n)) walk(v, `${where}/${k}`);
  };
  walk(schema, '#');
  assert.equal(problems, []);
  assert.equal(def('corruptionName')['enum'], [...CORRUPTION_NAMES]);
  assert.equal(schema.properties!['backend']!['enum'], ['auto', ...BACKENDS]);
});

test('docs/pipeline-spec.md: one example per source type, each a valid source', () => {
  const md = readFileSync(join(REPO_ROOT, 'docs', 'pipeline-spec.md'), 'utf8');
  const sources = [...md.matchAll(/```json\n(\{ "type": "(\w+)"[\s\S]*?)```/g)].map((m) => ({ type: m[2]!, json: m[1]! }));
  assert.equal(sources.map((s) => s.type).sort(), ['affectnet', 'affwild', 'folder', 'rafdb', 'video']);
  for (const { type, json } of sources) {
    const spec = loadSpecText(`{"name": "doc", "source": ${json}, "output": {"dir": "o"}}`);
    assert.is(spec.source.type, type);
  }
});

test('fer-c validate: "ok: <name> (…)" and exit 0, or every problem and exit 1', async () => {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (s: string) => { out.push(s); };
  console.error = (s: string) => { err.push(s); };
  let okCode: number, badCode: number;
  try {
    okCode = await validateCommand.run([join(PIPELINES, 'affectnet-c.json'), '--set', 'source.root=/tmp/x', '--set=severities=[1,2]']);
    badCode = await validateCommand.run([join(SPECS, 'bad-values.json')]);
  } finally {
    console.log = log;
    console.error = error;
  }
  assert.is(okCode, 0);
  const n = CORRUPTION_NAMES.length;
  assert.ok(out[0]!.startsWith(`ok: affectnet-c (affectnet /tmp/x; ${n} corruptions × 2 severities (1, 2) = ${2 * n} variants per image;`), out[0]);
  assert.is(badCode, 1);
  const lines = err.join('\n').split('\n');
  assert.ok(lines.length >= 6, err.join('\n'));
  assert.ok(lines.every((l) => l.startsWith(join(SPECS, 'bad-values.json'))), 'one problem a line, each naming the file');
});

test.run();
