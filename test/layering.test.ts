/**
 * The layers of src/ (docs/architecture.md), bottom to top: no import cycle
 * between files, and no file imports a folder on a higher floor. Folders on
 * one floor may import each other one way only (no cycle between folders).
 * A new top-level folder must be given its floor here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.js';
import { cycles, importGraph, importSpecifiers, topFolder, type ImportGraph } from './helpers/import-graph.js';

/** Floors, bottom first; '' is src/index.ts, the public entry, above everything. */
const FLOORS: readonly (readonly string[])[] = [
  ['io', 'random', 'wasm', 'gpu', 'stream'],
  ['image'],
  ['corruptions'],
  ['labels'],
  ['metrics', 'losses'],
  ['sources', 'sinks'],
  ['calibration'],
  ['predictions'],
  ['report'],
  ['models'],
  ['training'],
  ['pipeline'],
  ['explore'],
  ['cli'],
  [''],
];
const FLOOR = new Map(FLOORS.flatMap((folders, floor) => folders.map((f) => [f, floor] as const)));

const graph = importGraph(join(REPO_ROOT, 'src'));

/** Every import between two top-level folders: from → to → the file-level imports that make it. */
function folderEdges(g: ImportGraph): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const [from, targets] of g) {
    for (const to of targets) {
      const a = topFolder(from), b = topFolder(to);
      if (a === b) continue;
      const row = out.get(a) ?? new Map<string, string[]>();
      out.set(a, row);
      row.set(b, [...(row.get(b) ?? []), `${from} → ${to}`]);
    }
  }
  return out;
}

test('the scanner finds every import form, and none in comments', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../b/b.js';",
    'import {',
    '  c,',
    "} from './c.js';",
    "export { d } from './d.js';",
    "export * from './e.js';",
    "import './f.js';",
    "const g = await import('./g.js');",
    "type H = typeof import('./h.js');",
    "// import { x } from './commented.js';",
    "/* import { y } from './block.js'; */",
    ' * import { z } from "./doc.js";',
  ].join('\n');
  assert.equal(importSpecifiers(text).sort(), ['../b/b.js', './a.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js']);
});

test('the cycle finder finds a two-file and a three-file cycle, and no cycle in a chain', () => {
  const g = new Map([['a', ['b']], ['b', ['a']], ['c', ['d']], ['d', ['e']], ['e', ['c']], ['f', ['g']], ['g', []]]);
  assert.equal(cycles(g).map((c) => c.join(',')).sort(), ['a,b', 'c,d,e']);
});

test('every file of src/ is read (the graph is not empty, every import resolves to a file)', () => {
  assert.ok(graph.size > 100, `only ${graph.size} files`);
  const missing = [...graph].flatMap(([from, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${from} → ${t}`));
  assert.equal(missing, [], `imports of files that do not exist:\n${missing.join('\n')}`);
});

test('every top-level folder of src/ has a floor', () => {
  const unknown = [...new Set([...graph.keys()].map(topFolder))].filter((f) => !FLOOR.has(f));
  assert.equal(unknown, [], `give these folders a floor in test/layering.test.ts and the README: ${unknown.join(', ')}`);
});

test('no import cycle between files', () => {
  const found = cycles(graph);
  assert.equal(found, [], `import cycles:\n${found.map((c) => c.join(' ⇄ ')).join('\n')}`);
});

test('no import to a higher floor', () => {
  const upward: string[] = [];
  for (const [from, row] of folderEdges(graph)) {
    for (const [to, imports] of row) {
      if ((FLOOR.get(to) ?? Infinity) > (FLOOR.get(from) ?? -Infinity)) upward.push(...imports);
    }
  }
  assert.equal(upward, [], `upward imports:\n${upward.join('\n')}`);
});

test('no cycle between folders of one floor', () => {
  const edges = folderEdges(graph);
  const folderGraph = new Map([...edges].map(([from, row]) => [from, [...row.keys()]]));
  const found = cycles(folderGraph);
  assert.equal(found, [], `folders that import each other:\n${found.map((c) => c.join(' ⇄ ')).join('\n')}`);
});

test.run();
