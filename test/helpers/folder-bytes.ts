/** Every file under a folder with its bytes, by relative path: for byte-for-byte comparisons of run folders. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function folderBytes(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** The relative paths whose bytes differ between two folders, or that only one of them holds. */
export function folderDifferences(a: string, b: string): string[] {
  const fa = folderBytes(a), fb = folderBytes(b);
  const names = new Set([...fa.keys(), ...fb.keys()]);
  return [...names].sort().filter((n) => !fa.has(n) || !fb.has(n) || Buffer.compare(fa.get(n)!, fb.get(n)!) !== 0);
}
