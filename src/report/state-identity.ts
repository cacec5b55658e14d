/**
 * The identity of a saved evaluation state, so that merging is safe to repeat
 * by mistake (issue 9): every state file carries the set of rows it scored (a
 * 64-bit hash of each row id, sorted) and a SHA-256 of its content. Merging
 * the same state twice, or shards whose rows overlap (a merged state and one
 * of its parts, two runs over the same rows), is an error naming the files,
 * instead of counting rows twice.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RowSet, RowSetJson } from '../predictions/row-set.js';

export interface StateIdentity {
  /** SHA-256 (hex) of the state file's text before this field, and of the row hashes. */
  readonly sha256: string;
  readonly rows: RowSetJson;
  /** For a merged state: the sha256 of each state it was merged from. */
  readonly merged_from: readonly string[];
}

/** A hash fed the state text as it is written; its digest goes into the identity. */
export class ContentHash {
  private readonly hash: Hash = createHash('sha256');
  update(chunk: string): string { this.hash.update(chunk); return chunk; }
  identity(rows: RowSet, mergedFrom: readonly string[]): StateIdentity {
    const json = rows.toJSON();
    this.hash.update(json.ids);
    return { sha256: this.hash.digest('hex'), rows: json, merged_from: [...mergedFrom] };
  }
}
