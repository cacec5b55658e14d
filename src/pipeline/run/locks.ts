/**
 * The run folder's locks when shards share it: a shard takes its own lock
 * (`.fer-c-shard-I-of-N.lock`), anything else the whole folder's (`.fer-c.lock`).
 * Each takes its lock first and then looks for the other kind, so of a shard
 * and an unsharded run (or a merge, or calibrate) starting at once at least
 * one sees the other and is refused, naming the holder.
 */
import { RunLock, liveLocksIn, lockedError } from '../../io/run-lock.js';
import { shardName, type ShardSpec } from './shard.js';

const WHOLE = '.fer-c.lock';
const isShardLock = (name: string): boolean => name.startsWith('.fer-c-shard-');

export function lockRunFolder(out: string, shard: ShardSpec | undefined, command: string, log: (line: string) => void): RunLock {
  const lock = shard
    ? RunLock.acquire(out, { scope: `shard-${shardName(shard)}`, command: `${command} --shard ${shard.index}/${shard.count}`, log })
    : RunLock.acquire(out, { command, log });
  const others = liveLocksIn(out, shard ? (name) => name === WHOLE : isShardLock);
  if (others.length > 0) {
    lock.release();
    throw lockedError(others[0]!.path, others[0]!.holder);
  }
  return lock;
}
