/** run, calibrate and merge take exactly one SPEC file: a usage error (exit 2) naming what is wrong otherwise. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';

const BIN = join(REPO_ROOT, 'bin', 'fer-c.js');
const ferc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

for (const command of ['run', 'calibrate', 'merge']) {
  test(`${command}: no SPEC, or two, is a usage error`, () => {
    const none = ferc(command);
    assert.is(none.status, 2);
    assert.match(none.stderr, new RegExp(`^fer-c ${command}: a SPEC file is required`));
    const two = ferc(command, 'a.json', 'b.json');
    assert.is(two.status, 2);
    assert.match(two.stderr, new RegExp(`^fer-c ${command}: one SPEC file, got 2`));
  });
}

test.run();
