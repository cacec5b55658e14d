/**
 * The import graph of src/, read from the TypeScript sources (type-only imports
 * count: they are erased from dist/, but they still make one file depend on
 * another). TypeScript 7 has no parser API, so the imports are found by
 * pattern after the comments are removed; the patterns cover every form the
 * project writes: `import … from`, `export … from`, `import '…'` and
 * `import('…')` (dynamic, or in a type).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One file's relative imports, as paths of .ts files relative to src/ (with `/`). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const STATIC = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The text without block comments and whole-line `//` comments (enough for import statements). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^[ \t]*\/\/.*$/gm, '');
}

/** The module specifiers a TypeScript file imports. */
export function importSpecifiers(text: string): string[] {
  const code = withoutComments(text);
  const out: string[] = [];
  for (const re of [STATIC, SIDE_EFFECT, DYNAMIC]) {
    for (const m of code.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every .ts file under `srcDir` with the files it imports (relative imports only; packages are left out). */
export function importGraph(srcDir: string): ImportGraph {
  const graph = new Map<string, string[]>();
  const key = (path: string): string => relative(srcDir, path).split(sep).join('/');
  for (const file of tsFiles(srcDir)) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => key(resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
    graph.set(key(file), [...new Set(targets)]);
  }
  return graph;
}

/** The top-level folder of a path relative to src/ ('' for a file at src/'s root). */
export function topFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * The cycles of a graph, one per strongly connected component of more than one
 * file (or a file importing itself), each as the files of that component, sorted.
 */
export function cycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so that a deep chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next); low.set(root, next); next++; stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!;
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next); low.set(to, next); next++; stack.push(to); onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) { const parent = work[work.length - 1]!.node; low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!)); }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let n: string;
        do { n = stack.pop()!; onStack.delete(n); component.push(n); } while (n !== top.node);
        if (component.length > 1 || edges.includes(top.node)) found.push(component.sort());
      }
    }
  }
  return found;
}
