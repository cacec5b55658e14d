#!/usr/bin/env node
// Lists the functions of src/ longer than a limit (default 80 lines), longest first:
// `npm run build && node scripts/long-functions.mjs [LIMIT]`. It parses the compiled
// dist/src/**/*.js with acorn (TypeScript 7 has no JS parser API); tsc keeps each
// function's lines, less its type-only lines, so a count here is at most the source's.
import { parse } from 'acorn';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const limit = Number(process.argv[2] ?? 80);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path); else if (path.endsWith('.js')) files.push(path);
  }
})('dist/src');
const found = [];
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
for (const file of files) {
  const ast = parse(readFileSync(file, 'utf8'), { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  const visit = (node, name) => {
    if (!node || typeof node.type !== 'string') return;
    if (FUNCTIONS.has(node.type)) {
      const lines = node.loc.end.line - node.loc.start.line + 1;
      if (lines > limit) found.push({ file: file.replace(/^dist\//, '').replace(/\.js$/, '.ts'), name: node.id?.name ?? name ?? '(anonymous)', lines });
    }
    const childName = node.type === 'VariableDeclarator' || node.type === 'MethodDefinition' || node.type === 'Property' || node.type === 'PropertyDefinition'
      ? (node.id ?? node.key)?.name : undefined;
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const v of value) visit(v, childName);
      else if (value && typeof value === 'object') visit(value, childName);
    }
  };
  visit(ast);
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found) console.log(`${String(f.lines).padStart(4)}  ${f.file}  ${f.name}`);
console.log(`${found.length} function(s) over ${limit} lines`);
