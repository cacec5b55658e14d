/**
 * A set of ids in bounded memory for duplicate detection over streams of
 * millions of rows: each id is kept as a 64-bit hash (two 32-bit FNV-1a style
 * hashes with different bases), 8 bytes a slot instead of a string. Two
 * distinct ids collide with probability ~n²/2⁶⁵ (about 3e-8 for 10⁶ ids); a
 * collision would be reported as a duplicate, never missed.
 */
export class IdSet {
  private lo = new Uint32Array(1024);
  private hi = new Uint32Array(1024);
  private used = 0;

  get size(): number { return this.used; }

  /** Adds `id`; false when it was already present. */
  add(id: string): boolean {
    if ((this.used + 1) * 2 > this.lo.length) this.grow();
    let h1 = 0x811c9dc5, h2 = 0x01000193 ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 >>>= 0; h2 >>>= 0;
    if (h1 === 0 && h2 === 0) h1 = 1; // (0, 0) marks an empty slot
    return this.insert(h1, h2);
  }

  private insert(h1: number, h2: number): boolean {
    const mask = this.lo.length - 1;
    for (let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const a = this.lo[slot]!, b = this.hi[slot]!;
      if (a === 0 && b === 0) { this.lo[slot] = h1; this.hi[slot] = h2; this.used++; return true; }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const lo = this.lo, hi = this.hi;
    this.lo = new Uint32Array(lo.length * 2);
    this.hi = new Uint32Array(hi.length * 2);
    this.used = 0;
    for (let i = 0; i < lo.length; i++) if (lo[i] !== 0 || hi[i] !== 0) this.insert(lo[i]!, hi[i]!);
  }
}
