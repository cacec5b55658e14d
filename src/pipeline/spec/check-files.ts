/**
 * The input files and folders a spec names, checked to exist (`loadSpec`'s
 * `checkFiles`, `fer-c validate --check-files`), so a missing dataset is
 * reported at its JSON path before any work starts. Outputs are not checked:
 * the run creates them.
 */
import { statSync } from 'node:fs';
import { sep } from 'node:path';
import type { PipelineSpec } from './pipeline-spec.js';
import type { SpecProblem } from './spec-errors.js';

type Kind = 'file' | 'folder';

export function inputPaths(spec: PipelineSpec): { pointer: string; path: string; kind: Kind }[] {
  const out: { pointer: string; path: string; kind: Kind }[] = [];
  const add = (pointer: string, path: string | null | undefined, kind: Kind): void => {
    if (path !== undefined && path !== null) out.push({ pointer, path, kind });
  };
  const s = spec.source;
  switch (s.type) {
    case 'affectnet':
      add('/source/root', s.root, 'folder'); add('/source/csv', s.csv, 'file'); add('/source/imagesDir', s.imagesDir, 'folder');
      break;
    case 'rafdb':
      add('/source/root', s.root, 'folder'); add('/source/labelFile', s.labelFile, 'file');
      add('/source/imagesDir', s.imagesDir, 'folder'); add('/source/distributionFile', s.distributionFile, 'file');
      break;
    case 'folder':
      add('/source/root', s.root, 'folder'); add('/source/csv', s.csv, 'file');
      break;
    case 'affwild':
      add('/source/root', s.root, 'folder'); add('/source/framesDir', s.framesDir, 'folder');
      add('/source/exprDir', s.exprDir, 'folder'); add('/source/vaDir', s.vaDir, 'folder');
      break;
    case 'video':
      add('/source/file', s.file, 'file'); add('/source/expr', s.expr, 'file');
      add('/source/va', s.va, 'file'); add('/source/boxes', s.boxes, 'file');
      break;
  }
  const gmm = spec.labels?.gmm;
  if (gmm && 'file' in gmm) add('/labels/gmm/file', gmm.file, 'file');
  if (gmm && 'fit' in gmm) add('/labels/gmm/fit/csv', gmm.fit.csv, 'file');
  const visibility = spec.labels?.visibility;
  if (visibility && 'table' in visibility) add('/labels/visibility/table', visibility.table, 'file');
  const p = spec.predictions;
  if (p?.type === 'file' || p?.type === 'onnx' || p?.type === 'tfjs') add('/predictions/path', p.path, 'file');
  if (p?.type === 'face-api') add('/predictions/modelDir', p.modelDir, 'folder');
  return out;
}

/** Inputs that do not exist; with a missing dataset root, only the root (everything under it is missing too). */
export function missingInputs(spec: PipelineSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  let missingRoot: string | undefined;
  for (const { pointer, path, kind } of inputPaths(spec)) {
    if (missingRoot !== undefined && path.startsWith(`${missingRoot}${sep}`)) continue;
    let found: Kind | 'other' | undefined;
    try {
      const st = statSync(path);
      found = st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
    } catch {
      found = undefined;
    }
    if (found === kind) continue;
    if (pointer === '/source/root') missingRoot = path;
    problems.push({ pointer, message: found === undefined ? `no such ${kind}: ${path}` : `${path} is not a ${kind}` });
  }
  return problems;
}
