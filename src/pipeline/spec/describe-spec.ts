/** One line saying what a loaded spec will do (`fer-c validate`, the start of `fer-c run`). */
import { isAbsolute, relative } from 'node:path';
import { CORRUPTION_NAMES } from '../../corruptions/registry.js';
import type { PipelineSpec } from './pipeline-spec.js';

export function describeSpec(spec: PipelineSpec, cwd = process.cwd()): string {
  const show = (p: string): string => {
    const r = relative(cwd, p);
    return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
  };
  const s = spec.source;
  const input = s.type === 'video' ? show(s.file) : show(s.root);
  const nc = spec.corruptions.length, ns = spec.severities.length;
  const corruptions = nc === CORRUPTION_NAMES.length ? `${nc} corruptions` : `${nc} corruption${nc === 1 ? '' : 's'} (${spec.corruptions.join(', ')})`;
  const parts = [
    `${s.type} ${input}`,
    `${corruptions} × ${ns} severit${ns === 1 ? 'y' : 'ies'} (${spec.severities.join(', ')}) = ${nc * ns} variants per image`,
  ];
  if (spec.limit !== undefined) parts.push(`first ${spec.limit} samples`);
  const l = spec.labels;
  if (l) {
    const g = l.gmm;
    const gmm = 'file' in g ? `GMM ${show(g.file)}`
      : 'fit' in g ? `GMM fitted on ${show(g.fit.csv)}${g.fit.shrinkage ? ` (${g.fit.shrinkage.prior} shrinkage, strength ${g.fit.shrinkage.strength})` : ''}`
        : 'no GMM';
    const v = l.visibility;
    const visibility = 'table' in v ? `visibility table ${show(v.table)}` : `${v.measure} visibility over ${v.calibration} images`;
    // λ weighs the one-hot label against the GMM posterior: it means nothing without a GMM.
    parts.push(`soft labels: ${gmm}${'none' in g ? '' : `, λ ${l.lambda}`}, exponent ${l.exponent}, ${visibility}`);
  } else {
    parts.push('no soft labels');
  }
  const p = spec.predictions;
  if (p) parts.push(`predictions: ${p.type === 'file' ? show(p.path) : p.type === 'face-api' ? 'face-api' : `${p.type} model ${show(p.path)} (${p.classes.length} classes, ${p.input.size}² ${p.input.channels} ${p.input.layout}, ${p.output}, batch ${p.batch})`}`);
  const m = spec.metrics;
  if (m) {
    const t = m.temperature === true ? 'temperature fitted' : m.temperature === false ? 'no temperature scaling' : `temperature ${m.temperature}`;
    const cal = m.calibrators && m.calibrators.some((c) => c !== 'temperature') ? `, calibrators ${m.calibrators.join(', ')}` : '';
    parts.push(`metrics: ${m.bins} bins, ${t}${cal}${m.report ? ', report' : ''}`);
  }
  const o = spec.output;
  const writes = [o.images ? 'images' : '', o.labels ? 'labels' : ''].filter(Boolean).join(' + ');
  parts.push(`output ${show(o.dir)}${writes ? ` (${writes})` : ''}`);
  const tr = spec.training;
  if (tr) parts.push(`training (fer-c train): ${tr.losses.join(', ')} heads at "${tr.layer}", ${tr.epochs} epochs, batch ${tr.batch}, Adam lr ${tr.lr}, ${tr.heldOut} of each class held out`);
  parts.push(`seed ${spec.seed}, ${spec.workers} worker${spec.workers === 1 ? '' : 's'}, window ${spec.window}, backend ${spec.backend}`);
  return `${spec.name} (${parts.join('; ')})`;
}
