/** The spec's training block: schema and code agree (loss names, defaults), cross-field refusals. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOSS_NAMES } from '../src/losses/index.js';
import { parseSpec, SpecError } from '../src/pipeline/spec/index.js';
import { TRAINING_DEFAULTS } from '../src/pipeline/spec/training-spec.js';
import { REPO_ROOT } from './helpers/fixtures.js';

type Node = { properties?: Record<string, { default?: unknown; items?: { enum?: unknown[] }; enum?: unknown[] }> };
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8')) as { $defs: Record<string, Node> };
const training = schema.$defs['training']!.properties!;
const demo = readFileSync(join(REPO_ROOT, 'pipelines', 'demo-train.json'), 'utf8');

test('the schema\'s loss names and defaults are the code\'s (src/losses, TRAINING_DEFAULTS = FER_C\'s)', () => {
  assert.equal(training['losses']!.items!.enum, [...LOSS_NAMES]);
  for (const [key, value] of Object.entries(TRAINING_DEFAULTS)) assert.equal(training[key]!.default, value, key);
  assert.is(TRAINING_DEFAULTS.lr, 2.5e-4);
  assert.is(TRAINING_DEFAULTS.weightDecay, 1e-5);
  assert.is(TRAINING_DEFAULTS.batch, 256);
});

test('pipelines/demo-train.json loads with its training block; --set reaches into it', () => {
  const spec = parseSpec(demo, 'demo-train.json', ['training.epochs=7', 'training.targets=soft'], { cwd: REPO_ROOT });
  assert.is(spec.training?.epochs, 7);
  assert.is(spec.training?.targets, 'soft');
  assert.is(spec.training?.layer, 'add_2/add');
  assert.is(spec.training?.backbone.path, join(REPO_ROOT, 'test', 'fixtures', 'models', 'human-emotion.onnx'));
});

test('refused with the field named: no backbone, no labels, γ in (0, 1); a TF.js backbone is taken', () => {
  const problems = (sets: string[]): string => {
    try { parseSpec(demo, 'demo-train.json', sets, { cwd: REPO_ROOT }); } catch (e) { if (e instanceof SpecError) return e.message; throw e; }
    return '';
  };
  assert.match(problems(['predictions=null', 'metrics=null']), /\/training: needs \/predictions/);
  assert.is(problems(['predictions.type=tfjs', 'predictions.path=test/fixtures/models/human-emotion/emotion.json']), '');
  assert.match(problems(['labels=null', 'metrics=null', 'output.labels=false']), /\/training: needs \/labels/);
  assert.match(problems(['training.gamma=0.5']), /\/training\/gamma: is 0\.5; γ in \(0, 1\)/);
});

test.run();
