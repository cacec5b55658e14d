/**
 * The corruption registry is the one list of corruptions: the schema's enum is
 * generated from it (scripts/gen-schema.mjs, `npm run gen:schema`) and must
 * agree with it; every entry's key is its corruption's name; the CLI's counts
 * come from it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './helpers/fixtures.js';
import { CORRUPTIONS, CORRUPTION_NAMES, getCorruption } from '../src/corruptions/registry.js';
import { corruptCommand } from '../src/cli/corrupt.js';
import { runCommand } from '../src/cli/run.js';
import { COMMANDS } from '../src/cli/commands.js';

test('the schema enum is the registry list, in order', () => {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/pipeline.schema.json'), 'utf8')) as { $defs: Record<string, { enum?: string[]; description?: string }> };
  const def = schema.$defs['corruptionName']!;
  assert.equal(def.enum, [...CORRUPTION_NAMES]);
  assert.ok(def.description?.includes(`One of the ${CORRUPTION_NAMES.length} corruptions`), def.description);
  // The generator agrees: running it in check mode finds nothing to change.
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/gen-schema.mjs'), '--check'], { encoding: 'utf8' });
  assert.match(out, /matches the registry/);
});

test('every entry is the corruption of its name, with five severities', () => {
  assert.is(CORRUPTIONS.length, CORRUPTION_NAMES.length);
  assert.is(new Set(CORRUPTION_NAMES).size, CORRUPTION_NAMES.length);
  for (const name of CORRUPTION_NAMES) {
    const c = getCorruption(name);
    assert.is(c.name, name);
    assert.is(c.severities.length, 5, name);
  }
});

test('the CLI counts come from the registry', () => {
  const n = CORRUPTION_NAMES.length;
  assert.ok(corruptCommand.usage.includes(`(default: all ${n})`));
  assert.ok(COMMANDS.find((c) => c.name === 'corrupt')!.summary.includes(`${n}×5`));
  assert.ok(runCommand.usage.includes(`${n}×5 corruptions`));
});

test.run();
