/**
 * Three processes taking over one stale run lock at the same moment (issue 25):
 * exactly one of them holds the folder afterwards, the lock file is that one's,
 * and the other two are refused naming a live holder or a takeover under way.
 * The race runs 200 times between three long-lived child processes that do
 * nothing but RunLock.acquire, so each round costs a few milliseconds. Rounds
 * are driven by messages (go → result → release), never by timers: how the
 * three interleave varies from round to round, and every outcome is checked.
 *
 * The race's rare interleavings are also run on purpose, in one process: the
 * file-system calls of one contender are counted, and other contenders take
 * their whole turn right after its k-th and j-th call, for every k ≤ j
 * (node:fs patched, its ES-module bindings synced). The lock before the
 * takeover lock failed here: a contender that had read the stale lock moved the
 * lock of the one that had just taken it over aside, a third linked its own
 * meanwhile, and two processes held the folder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './helpers/fixtures.js';
import { afterFsCalls } from './helpers/fs-calls.js';
import { RunLock } from '../src/io/run-lock.js';

const ROUNDS = 200;
const root = mkdtempSync(join(tmpdir(), 'ferc-lock-race-'));

/** What a contender says after trying: it holds the lock (with its token), or the error it got. */
type Result = { kind: 'result'; won: true; token: string } | { kind: 'result'; won: false; error: string; locked: boolean };

const CONTENDER = `
import { RunLock, RunLockedError } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'io', 'run-lock.js')).href)};
let held;
process.on('message', (m) => {
  if (m.kind === 'go') {
    try {
      held = RunLock.acquire(m.dir, { command: 'contender ' + process.pid, log: () => {} });
      process.send({ kind: 'result', won: true, token: held.holder.token });
    } catch (e) {
      process.send({ kind: 'result', won: false, error: e.message, locked: e instanceof RunLockedError });
    }
  } else if (m.kind === 'release') {
    held?.release();
    held = undefined;
    process.send({ kind: 'released' });
  } else if (m.kind === 'exit') {
    process.disconnect();
  }
});
process.send({ kind: 'ready' });
`;

/** The next message of `child` (resolves once; the child's end is an error). */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => { child.off('exit', onExit); resolve(m); };
    const onExit = (code: number | null): void => { child.off('message', onMessage); reject(new Error(`contender ${child.pid} ended (${code})`)); };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A pid above Linux's largest (2^22): no process has it, so its lock is stale. */
const DEAD_PID = 4_194_305;

/** A holder record of a process that is gone, as a lock or a takeover right holds it. */
const deadHolder = (token: string): string =>
  `${JSON.stringify({ pid: DEAD_PID, host: hostname(), command: 'fer-c run', since: '2026-01-01T00:00:00Z', token })}\n`;

/**
 * What a folder holds before a round: the stale lock, and in the second kind the
 * rights of contenders killed inside their takeover (one replacing the stale
 * holder, one replacing that one): a contender must get past both.
 */
const ROUND_KINDS = {
  'a stale lock': (dir: string, stale: string) => writeFileSync(join(dir, '.fer-c.lock'), deadHolder(stale)),
  'a stale lock and two contenders killed inside the takeover': (dir: string, stale: string) => {
    writeFileSync(join(dir, '.fer-c.lock'), deadHolder(stale));
    writeFileSync(join(dir, `.fer-c.lock.takeover-${stale}`), deadHolder(`killed-1-${stale}`));
    writeFileSync(join(dir, `.fer-c.lock.takeover-killed-1-${stale}`), deadHolder(`killed-2-${stale}`));
  },
} as const;

for (const [kind, prepare] of Object.entries(ROUND_KINDS)) {
  test(`three processes take over ${kind} at once, ${ROUNDS} times: exactly one wins each time`, async () => {
    const script = join(root, 'contender.mjs');
    writeFileSync(script, CONTENDER);
    const contenders = [0, 1, 2].map(() => fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    try {
      await Promise.all(contenders.map((c) => nextMessage(c)));
      const winners = new Map<number, number>();
      for (let round = 0; round < ROUNDS; round++) {
        const dir = mkdtempSync(join(root, 'round-'));
        prepare(dir, `stale-${round}`);
        const results = await Promise.all(contenders.map((c) => { const r = nextMessage<Result>(c); c.send({ kind: 'go', dir }); return r; }));
        const won = results.flatMap((r, k) => (r.won ? [{ k, token: r.token }] : []));
        assert.is(won.length, 1, `round ${round}: exactly one winner, got ${won.length}: ${JSON.stringify(results)}`);
        const lock = JSON.parse(readFileSync(join(dir, '.fer-c.lock'), 'utf8')) as { token: string; pid: number };
        assert.is(lock.token, won[0]!.token, `round ${round}: the lock file is the winner's`);
        for (const r of results) {
          if (r.won) continue;
          assert.ok(r.locked, `round ${round}: a loser is refused with RunLockedError, not another error: ${r.error}`);
          assert.not.match(r.error, String(DEAD_PID), `round ${round}: a loser names a live holder, not a dead one: ${r.error}`);
        }
        winners.set(won[0]!.k, (winners.get(won[0]!.k) ?? 0) + 1);
        await Promise.all(contenders.map((c) => { const r = nextMessage(c); c.send({ kind: 'release' }); return r; }));
        assert.equal(readdirSync(dir), [], `round ${round}: released, nothing left behind (no lock, no takeover right, no temp file)`);
      }
      console.log(`  lock race (${kind}): ${ROUNDS} rounds, wins by contender ${[0, 1, 2].map((k) => winners.get(k) ?? 0).join('/')}`);
    } finally {
      for (const c of contenders) if (c.connected) c.send({ kind: 'exit' });
    }
  });
}

/** The calls of node:fs that the lock makes on its folder (reading /proc is not a step). */
const STEPS = ['linkSync', 'renameSync', 'unlinkSync', 'readFileSync', 'writeFileSync'] as const;

/**
 * Runs `main` with every fs call it makes on `dir` counted; after (or on the throw of) its n-th call,
 * `at(n)` runs, with the counting off (another contender taking its whole turn there).
 */
function interleaved<T>(dir: string, main: () => T, at: (step: number) => void): T {
  let step = 0;
  return afterFsCalls(STEPS, (args) => { if (typeof args[0] === 'string' && args[0].startsWith(dir)) at(++step); }, main);
}

for (const [kind, prepare] of Object.entries(ROUND_KINDS)) {
test(`every interleaving of three contenders at the steps of one, over ${kind}: exactly one holds the lock`, () => {
  const base = mkdtempSync(join(root, 'interleavings-'));
  // The steps of one contender taking over alone: the range of k and j below.
  const alone = join(base, 'alone');
  mkdirSync(alone);
  const staleLock = (dir: string): void => prepare(dir, 'stale');
  staleLock(alone);
  let steps = 0;
  interleaved(alone, () => RunLock.acquire(alone, { log: () => {} }), (n) => { steps = n; }).release();
  assert.ok(steps >= 4, `a takeover takes several steps (${steps})`);
  let cases = 0;
  for (let k = 1; k <= steps; k++) {
    for (let j = k; j <= steps + 1; j++) {
      const dir = join(base, `${k}-${j}`);
      mkdirSync(dir);
      staleLock(dir);
      const held = new Map<string, RunLock>();
      const refused: string[] = [];
      const turn = (name: string): void => {
        try { held.set(name, RunLock.acquire(dir, { command: name, log: () => {} })); } catch (e) { refused.push(`${name}: ${(e as Error).message}`); }
      };
      interleaved(dir, () => turn('A'), (n) => { if (n === k) turn('B'); if (n === j) turn('C'); });
      if (j > steps) turn('C'); // C after A's whole turn
      const holders = [...held.keys()];
      assert.is(holders.length, 1, `B after A's step ${k}, C after step ${j}: exactly one holder, got ${holders.join(', ') || 'none'}; refused: ${refused.join(' | ')}`);
      const lock = JSON.parse(readFileSync(join(dir, '.fer-c.lock'), 'utf8')) as { command: string };
      assert.is(lock.command, holders[0], `B after A's step ${k}, C after step ${j}: the lock file is the holder's`);
      for (const l of held.values()) l.release();
      assert.equal(readdirSync(dir), [], `B after A's step ${k}, C after step ${j}: nothing left behind`);
      cases++;
    }
  }
  console.log(`  lock interleavings (${kind}): ${steps} steps of a takeover, ${cases} interleavings of three contenders`);
});
}

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
