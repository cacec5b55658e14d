/**
 * The set of rows an evaluation scored, as 64-bit hashes of their ids (issue 9):
 * collected while predictions are evaluated, saved with each evaluation state
 * (report/state-identity.ts), and compared when states are merged so that a row
 * is never counted twice.
 */

export interface RowSetJson {
  readonly count: number;
  /** Two 32-bit FNV-1a variants of the row id's UTF-16 code units, high and low halves of one 64-bit value. */
  readonly hash: 'fnv1a-32x2';
  readonly encoding: 'uint64le-base64';
  /** The sorted hashes. */
  readonly ids: string;
}

/** A 64-bit hash of a row id. */
export function rowIdHash(id: string): bigint {
  let a = 0x811c9dc5, b = 0x050c5d1f;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (BigInt(a >>> 0) << 32n) | BigInt(b >>> 0);
}

/** Row-id hashes collected as rows arrive; sorted once when read. */
export class RowSet {
  private data = new BigUint64Array(1024);
  private length = 0;
  private sortedView: BigUint64Array | null = null;

  get size(): number { return this.length; }

  add(id: string): void { this.push(rowIdHash(id)); }

  push(hash: bigint): void {
    if (this.length === this.data.length) {
      const next = new BigUint64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = hash;
    this.sortedView = null;
  }

  sorted(): BigUint64Array {
    if (!this.sortedView) this.sortedView = this.data.subarray(0, this.length).sort();
    return this.sortedView;
  }

  /** The union of disjoint sets (checked by the caller). */
  static union(sets: readonly RowSet[]): RowSet {
    const out = new RowSet();
    const n = sets.reduce((a, s) => a + s.size, 0);
    out.data = new BigUint64Array(Math.max(n, 1));
    for (const s of sets) { out.data.set(s.sorted(), out.length); out.length += s.size; }
    return out;
  }

  toJSON(): RowSetJson {
    const s = this.sorted();
    return { count: s.length, hash: 'fnv1a-32x2', encoding: 'uint64le-base64', ids: Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('base64') };
  }

  static fromJSON(json: RowSetJson, what: string): RowSet {
    if (!json || json.hash !== 'fnv1a-32x2' || json.encoding !== 'uint64le-base64' || typeof json.ids !== 'string' || !Number.isInteger(json.count)) {
      throw new Error(`${what}: expected {count, hash: "fnv1a-32x2", encoding: "uint64le-base64", ids}`);
    }
    const bytes = Buffer.from(json.ids, 'base64');
    if (bytes.length !== json.count * 8) throw new Error(`${what}: ${json.count} rows need ${json.count * 8} bytes, got ${bytes.length}`);
    const out = new RowSet();
    out.data = new BigUint64Array(Math.max(json.count, 1));
    new Uint8Array(out.data.buffer).set(bytes);
    out.length = json.count;
    const s = out.data.subarray(0, json.count);
    for (let i = 1; i < s.length; i++) if (s[i - 1]! > s[i]!) throw new Error(`${what}: row hashes not sorted at ${i}`);
    out.sortedView = s;
    return out;
  }
}

/** Rows two sorted sets share. */
export function commonRows(a: RowSet, b: RowSet): number {
  const x = a.sorted(), y = b.sorted();
  let i = 0, j = 0, n = 0;
  while (i < x.length && j < y.length) {
    if (x[i]! < y[j]!) i++;
    else if (x[i]! > y[j]!) j++;
    else { n++; i++; j++; }
  }
  return n;
}
