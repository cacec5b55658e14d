/** The one "is this path under that folder" rule behind the output/input overlap checks and source.root. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isWithin, outputOverlap } from '../src/io/path-overlap.js';

test('isWithin: the folder itself and what lies under it, by text', () => {
  assert.ok(isWithin('/data/set', '/data/set'));
  assert.ok(isWithin('/data/set/a/b.png', '/data/set'));
  assert.ok(isWithin('/data/set/..hidden/b.png', '/data/set'), 'a child whose name starts with .. is under the folder');
  assert.not.ok(isWithin('/data/set/../other', '/data/set'));
  assert.not.ok(isWithin('/data', '/data/set'));
  assert.not.ok(isWithin('/data/settings', '/data/set'), 'a sibling sharing a prefix is not under it');
});

test('outputOverlap: an output folder named ..x inside the dataset is inside it', () => {
  assert.is(outputOverlap('/data/set/..out', '/data/set', 'folder'), 'inside');
  assert.is(outputOverlap('/data/set', '/data/set', 'folder'), 'is');
  assert.is(outputOverlap('/data', '/data/set/labels.csv', 'file'), 'contains');
  assert.is(outputOverlap('/data/out', '/data/set', 'folder'), undefined);
});

test.run();
