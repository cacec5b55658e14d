// fer-c explore: the page. Plain ES module, no build step, no library: the views
// are DOM built by `h` (never HTML strings, so ids and file names stay text) and
// SVG charts drawn here. Every view's state lives in the URL hash, so a link
// reproduces it: #/faces?page=2&wrong=0.8, #/face/12?v=40, #/calibration?split=ood&side=pre&bin=9.

const SVG = 'http://www.w3.org/2000/svg';
const view = document.getElementById('view');
const detail = document.getElementById('detail');
const statusLine = document.getElementById('status');
let run = null; // /api/overview
let keyHandler = null; // the current view's keys

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const pct = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
const className = (k) => (run && run.classes[k] !== undefined ? run.classes[k] : `class ${k}`);
const fileUrl = (file) => `/files/${file.split('/').map(encodeURIComponent).join('/')}`;

async function api(path, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const res = await fetch(`/api/${path}${q.size ? `?${q}` : ''}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { parts: path.split('/').filter(Boolean), params: Object.fromEntries(new URLSearchParams(query)) };
}

function go(path, params = {}, replace = false) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const hash = `#${path}${q.size ? `?${q}` : ''}`;
  if (replace) { history.replaceState(null, '', hash); render(); } else location.hash = hash;
}

function showError(e) {
  view.replaceChildren(h('p', { class: 'warning', role: 'alert' }, `Error: ${e.message}`));
}

// ---- Overview -------------------------------------------------------------

function headlineTable(r) {
  const metrics = [['accuracy', 'Accuracy'], ['macro_f1', 'Macro F1'], ['ece', 'ECE'], ['nll', 'NLL'], ['brier', 'Brier']];
  const rows = [];
  for (const [split, name] of [['id', 'ID (clean)'], ['ood', 'OOD (corrupted)']]) {
    const g = r[split];
    if (!g) continue;
    for (const side of ['pre', 'post']) {
      rows.push(h('tr', { 'data-split': split, 'data-side': side },
        h('td', {}, `${name} — ${side === 'pre' ? 'Pre' : 'Post'}`), h('td', {}, g.count),
        metrics.map(([k]) => h('td', { 'data-metric': k }, k === 'nll' || k === 'brier' ? num(g[side][k]) : pct(g[side][k])))));
    }
  }
  return h('table', { id: 'headline' }, h('tr', {}, h('th', {}, 'Set'), h('th', {}, 'Images'), metrics.map(([, n]) => h('th', {}, n))), rows);
}

function calibratorsTable(r) {
  return h('table', { id: 'calibrators' },
    h('tr', {}, h('th', {}, 'Calibrator'), h('th', {}, 'ID ECE'), h('th', {}, 'ID NLL'), h('th', {}, 'OOD ECE'), h('th', {}, 'OOD NLL'), h('th', {}, 'OOD accuracy')),
    h('tr', { 'data-calibrator': 'none' }, h('td', {}, 'none (Pre)'), h('td', {}, pct(r.id?.pre.ece)), h('td', {}, num(r.id?.pre.nll)), h('td', {}, pct(r.ood?.pre.ece)), h('td', {}, num(r.ood?.pre.nll)), h('td', {}, pct(r.ood?.pre.accuracy))),
    r.calibrators.map((c) => h('tr', { 'data-calibrator': c.name },
      h('td', {}, c.name), h('td', { 'data-metric': 'id-ece' }, pct(c.id?.ece)), h('td', {}, num(c.id?.nll)),
      h('td', { 'data-metric': 'ood-ece' }, pct(c.ood?.ece)), h('td', {}, num(c.ood?.nll)), h('td', {}, pct(c.ood?.accuracy)))));
}

async function renderOverview() {
  run = await api('overview');
  const r = run.report;
  const parts = [h('h1', {}, `Run ${run.folder}`),
    h('p', {}, `${run.faces} source faces${run.skipped ? ` (${run.skipped} skipped by the run)` : ''}, ${run.classes.length} classes (${run.classes.join(', ')}). `,
      run.hasModel ? `Model: ${r?.model ?? 'predictions.csv'}.` : h('strong', { id: 'no-model' }, 'No model: this run has no predictions, so there is no calibration to show; faces and soft labels are browsable.'))];
  for (const w of run.warnings) parts.push(h('p', { class: 'warning' }, w));
  if (r) {
    parts.push(h('h2', {}, 'Headline (report.json)'),
      h('p', { class: 'note' }, `Post is temperature scaling, T = ${num(r.temperature, 4)} (${r.temperatureSource}); ECE over ${r.bins} equal-width bins; OOD targets are soft labels.`),
      headlineTable(r), h('h2', {}, 'Calibrators (fitted on the clean images, scored on every image)'), calibratorsTable(r));
    if (r.notes?.length) parts.push(h('h2', {}, 'Notes'), h('ul', { class: 'note' }, r.notes.map((n) => h('li', {}, n))));
  } else if (run.hasModel) parts.push(h('p', { class: 'note' }, 'No report/report.json: headline numbers and Post need it.'));
  view.replaceChildren(...parts);
}

// ---- Faces grid -----------------------------------------------------------

function filtersBar(params, onChange, withWrong) {
  const select = (name, label, options) => h('label', {}, `${label} `, h('select', {
    'data-filter': name, onchange: (e) => onChange({ ...params, [name]: e.target.value, page: undefined, bin: undefined }),
  }, options.map(([v, t]) => h('option', { value: v, selected: String(params[name] ?? '') === String(v) }, t))));
  const items = [
    select('label', 'Class', [['', 'all'], ...run.classes.map((c, k) => [k, c])]),
    select('split', 'Split', [['', 'all'], ['id', 'ID (clean)'], ['ood', 'OOD (corrupted)']]),
  ];
  if (withWrong && run.hasModel) {
    items.push(h('label', {}, h('input', { type: 'checkbox', 'data-filter': 'wrong', checked: params.wrong !== undefined,
      onchange: (e) => onChange({ ...params, wrong: e.target.checked ? (params.threshold || '0.8') : undefined, page: undefined }) }), ' model confidently wrong, confidence ≥ '),
    h('input', { type: 'number', min: 0, max: 1, step: 0.05, value: params.wrong ?? '0.8', 'data-filter': 'threshold', size: 4,
      onchange: (e) => onChange({ ...params, wrong: e.target.value, page: undefined }) }));
  }
  return h('div', { class: 'filters' }, items);
}

function pager(page, pages, total, what, goto) {
  return h('div', { class: 'pager' },
    h('button', { disabled: page <= 1, 'data-page': 'prev', onclick: () => goto(page - 1) }, '‹ previous'),
    h('span', { 'data-role': 'page' }, `page ${page} of ${pages} (${total} ${what})`),
    h('button', { disabled: page >= pages, 'data-page': 'next', onclick: () => goto(page + 1) }, 'next ›'));
}

async function renderFaces(params) {
  const data = await api('faces', { page: params.page, size: params.size, label: params.label, split: params.split, wrong: params.wrong });
  const goto = (page) => go('/faces', { ...params, page });
  let focus = Math.min(Number(params.focus ?? 0), Math.max(data.faces.length - 1, 0));
  const tiles = data.faces.map((f, k) => h('div', {
    class: 'tile', tabindex: -1, 'data-face': f.index, onclick: () => go(`/face/${f.index}`, { wrong: params.wrong }),
  }, f.file !== null ? h('img', { src: fileUrl(f.file), alt: f.id, loading: 'lazy' }) : null,
  h('div', {}, f.id), h('div', {}, className(f.label)),
  run.hasModel ? h('div', { class: f.wrong ? 'wrong' : '' }, params.wrong !== undefined ? `${f.wrong} of ${f.images} confidently wrong` : `${f.wrong} of ${f.images} wrong`) : null));
  const setFocus = (k) => { tiles[focus]?.classList.remove('focus'); focus = k; tiles[focus]?.classList.add('focus'); tiles[focus]?.scrollIntoView({ block: 'nearest' }); };
  view.replaceChildren(h('h1', {}, 'Source faces'), filtersBar(params, (p) => go('/faces', p), true),
    pager(data.page, data.pages, data.total, 'faces', goto), h('div', { class: 'grid', id: 'faces' }, tiles));
  setFocus(focus);
  const columns = () => Math.max(1, Math.round(view.querySelector('.grid').clientWidth / (tiles[0]?.offsetWidth + 10 || 142)));
  keyHandler = (e) => {
    if (e.key === 'ArrowRight') setFocus(Math.min(focus + 1, tiles.length - 1));
    else if (e.key === 'ArrowLeft') setFocus(Math.max(focus - 1, 0));
    else if (e.key === 'ArrowDown') setFocus(Math.min(focus + columns(), tiles.length - 1));
    else if (e.key === 'ArrowUp') setFocus(Math.max(focus - columns(), 0));
    else if (e.key === 'Enter' && tiles[focus]) tiles[focus].click();
    else if (e.key === ']' && data.page < data.pages) goto(data.page + 1);
    else if (e.key === '[' && data.page > 1) goto(data.page - 1);
    else return false;
    return true;
  };
}

// ---- One face -------------------------------------------------------------

/** Soft label (grey) beside the prediction (blue), one pair of bars per class. */
function barsSvg(v, width = 100, height = 34) {
  const K = v.soft.length, w = width / K;
  const bars = [];
  for (let k = 0; k < K; k++) {
    const t = v.soft[k], p = v.prediction ? v.prediction.pre[k] : null;
    bars.push(s('rect', { x: k * w + 1, y: height - t * height, width: w / 2 - 1, height: t * height, fill: '#8a8a8a' }, s('title', {}, `${className(k)}: soft ${pct(t)}`)));
    if (p !== null) bars.push(s('rect', { x: k * w + w / 2, y: height - p * height, width: w / 2 - 1, height: p * height, fill: '#1f5fa8' }, s('title', {}, `${className(k)}: predicted ${pct(p)}`)));
  }
  return s('svg', { width: '100%', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', class: 'bars', role: 'img', 'aria-label': 'soft label and prediction' },
    s('line', { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, stroke: '#bbb', 'stroke-width': 1 }), bars);
}

function verdict(v, threshold) {
  if (!v.prediction) return null;
  if (v.prediction.predicted === v.trueClass) return 'correct';
  return v.prediction.confidence >= threshold ? 'confwrong' : 'wrong';
}

function showDetail(v, threshold) {
  const p = v.prediction;
  const rows = v.soft.map((t, k) => h('tr', { class: k === v.trueClass ? 'true' : '' },
    h('td', {}, className(k) + (k === v.label ? ' (label)' : '')), h('td', {}, pct(t)),
    h('td', {}, p ? pct(p.pre[k]) : '–'), h('td', {}, p?.post ? pct(p.post[k]) : '–')));
  const verdictText = { correct: 'correct', wrong: 'wrong', confwrong: `confidently wrong (≥ ${threshold})` }[verdict(v, threshold)] ?? 'no prediction';
  detail.replaceChildren(
    h('button', { onclick: closeDetail, 'aria-label': 'close', 'data-role': 'close' }, '×'),
    h('h2', {}, v.corruption === 'clean' ? 'clean' : `${v.corruption}, severity ${v.severity}`),
    h('img', { src: fileUrl(v.file), alt: v.id }),
    h('p', {}, h('code', {}, v.id)),
    h('p', { 'data-role': 'visibility' }, `visibility ${num(v.visibility)}`),
    h('p', {}, `true class y* ${className(v.trueClass)}; dataset label ${className(v.label)}`),
    p ? h('p', { 'data-role': 'verdict' }, `predicted ${className(p.predicted)}, confidence ${pct(p.confidence)}, correctness ${num(p.correctness)}: ${verdictText}`) : h('p', {}, 'no prediction'),
    p?.post ? h('p', {}, `Post (temperature scaling): confidence ${pct(p.confidencePost)}, correctness ${num(p.correctnessPost)}`) : null,
    h('table', { 'data-role': 'numbers' }, h('tr', {}, h('th', {}, 'Class'), h('th', {}, 'Soft label'), h('th', {}, 'Pre'), h('th', {}, 'Post')), rows));
  detail.hidden = false;
}

function closeDetail() { detail.hidden = true; detail.replaceChildren(); }

async function renderFace(index, params) {
  const face = await api('face', { i: index });
  const threshold = Number(params.wrong ?? 0.8);
  const corruptions = [...new Set(face.variants.filter((v) => v.corruption !== 'clean').map((v) => v.corruption))];
  const severities = [...new Set(face.variants.filter((v) => v.corruption !== 'clean').map((v) => v.severity))].sort((a, b) => a - b);
  const cells = [];
  const cell = (v, k) => {
    const verdictClass = verdict(v, threshold);
    const el = h('div', { class: `cell ${verdictClass ?? ''}`, tabindex: -1, 'data-variant': k, 'data-corruption': v.corruption, 'data-severity': v.severity,
      onclick: () => { setFocus(k); showDetail(v, threshold); } },
    h('img', { src: fileUrl(v.file), alt: `${v.corruption} ${v.severity}`, loading: 'lazy' }),
    verdictClass === 'correct' ? h('span', { class: 'mark ok', title: 'correct' }, '✓') : verdictClass === 'confwrong' ? h('span', { class: 'mark bad', title: 'confidently wrong' }, '✗') : null,
    h('div', {}, `vis ${num(v.visibility, 2)}`, v.prediction ? ` · ${className(v.prediction.predicted)} ${pct(v.prediction.confidence)}` : ''),
    barsSvg(v));
    cells[k] = el;
    return el;
  };
  const byKey = new Map(face.variants.map((v, k) => [`${v.corruption}/${v.severity}`, k]));
  const clean = face.variants.findIndex((v) => v.corruption === 'clean');
  const gridItems = [h('div', {}), ...severities.map((sv) => h('div', { class: 'colname' }, `severity ${sv}`))];
  if (clean >= 0) gridItems.push(h('div', { class: 'rowname' }, 'clean'), cell(face.variants[clean], clean), ...severities.slice(1).map(() => h('div', {})));
  for (const c of corruptions) {
    gridItems.push(h('div', { class: 'rowname' }, c));
    for (const sv of severities) { const k = byKey.get(`${c}/${sv}`); gridItems.push(k === undefined ? h('div', {}) : cell(face.variants[k], k)); }
  }
  // The keyboard moves through the grid as drawn: rows are corruptions (clean first), columns severities.
  const layout = [clean >= 0 ? [clean] : null, ...corruptions.map((c) => severities.map((sv) => byKey.get(`${c}/${sv}`)))].filter(Boolean);
  let focus = Number(params.v ?? (clean >= 0 ? clean : 0));
  const where = (k) => { for (let r = 0; r < layout.length; r++) { const c = layout[r].indexOf(k); if (c >= 0) return [r, c]; } return [0, 0]; };
  function setFocus(k) {
    if (k === undefined || !cells[k]) return;
    cells[focus]?.classList.remove('focus'); focus = k; cells[focus].classList.add('focus'); cells[focus].scrollIntoView({ block: 'nearest' });
    history.replaceState(null, '', `#/face/${index}?${new URLSearchParams({ ...params, v: k })}`);
  }
  const move = (dr, dc) => {
    const [r, c] = where(focus);
    const nr = Math.min(Math.max(r + dr, 0), layout.length - 1);
    const row = layout[nr];
    setFocus(row[Math.min(Math.max(dr ? c : c + dc, 0), row.length - 1)]);
    if (!detail.hidden) showDetail(face.variants[focus], threshold);
  };
  const neighbour = (d) => { const j = index + d; if (j >= 0 && j < face.faces) go(`/face/${j}`, { wrong: params.wrong }); };
  view.replaceChildren(
    h('h1', {}, `Face ${face.id}`, h('small', {}, ` — ${className(face.label)} · face ${index + 1} of ${face.faces}`)),
    h('div', { class: 'pager' },
      h('button', { disabled: index === 0, onclick: () => neighbour(-1), 'data-face-nav': 'prev' }, '‹ previous face'),
      h('button', { disabled: index + 1 >= face.faces, onclick: () => neighbour(1), 'data-face-nav': 'next' }, 'next face ›'),
      h('a', { href: '#/faces' }, 'all faces')),
    h('div', { class: 'legend' },
      h('span', {}, h('span', { class: 'sw', 'data-sw': 'soft' }), 'soft label (grey)'), h('span', {}, h('span', { class: 'sw', 'data-sw': 'pred' }), 'prediction, Pre (blue)'),
      h('span', {}, h('span', { class: 'mark ok' }, '✓'), ' correct (ŷ = y*)'), h('span', {}, h('span', { class: 'mark bad' }, '✗'), ` confidently wrong (confidence ≥ ${threshold})`),
      h('span', {}, 'vis = visibility')),
    h('div', { class: 'variants', id: 'variants' }, gridItems));
  for (const sw of view.querySelectorAll('.sw')) sw.style.background = sw.dataset.sw === 'soft' ? '#8a8a8a' : '#1f5fa8';
  setFocus(Math.min(focus, face.variants.length - 1));
  keyHandler = (e) => {
    if (e.key === 'ArrowRight' && !e.shiftKey) move(0, 1);
    else if (e.key === 'ArrowLeft' && !e.shiftKey) move(0, -1);
    else if (e.key === 'ArrowDown') move(1, 0);
    else if (e.key === 'ArrowUp') move(-1, 0);
    else if (e.key === 'Enter') showDetail(face.variants[focus], threshold);
    else if (e.key === ']' || (e.shiftKey && e.key === 'ArrowRight')) neighbour(1);
    else if (e.key === '[' || (e.shiftKey && e.key === 'ArrowLeft')) neighbour(-1);
    else return false;
    return true;
  };
}

// ---- Calibration ----------------------------------------------------------

function diagram(side, title, data, params, onBin) {
  const W = 360, H = 360, m = { l: 44, r: 10, t: 28, b: 40 };
  const x = (v) => m.l + v * (W - m.l - m.r), y = (v) => H - m.b - v * (H - m.t - m.b);
  const color = side === 'pre' ? '#1f5fa8' : '#c8641e';
  const items = [s('text', { x: W / 2, y: 18, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' }, title)];
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    items.push(s('line', { x1: x(0), x2: x(1), y1: y(t), y2: y(t), stroke: '#eee' }),
      s('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11 }, t.toFixed(1)),
      s('text', { x: x(t), y: H - m.b + 14, 'text-anchor': 'middle', 'font-size': 11 }, t.toFixed(1)));
  }
  items.push(s('text', { x: (x(0) + x(1)) / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 11 }, 'confidence'),
    s('text', { x: 12, y: (y(0) + y(1)) / 2, 'text-anchor': 'middle', 'font-size': 11, transform: `rotate(-90 12 ${(y(0) + y(1)) / 2})` }, 'mean correctness'));
  data.bins.forEach((b, i) => {
    const selected = params.side === side && Number(params.bin) === i;
    const group = s('g', { class: `bar${selected ? ' focus' : ''}`, 'data-side': side, 'data-bin': i, 'data-count': b.count, tabindex: -1, onclick: () => onBin(side, i) },
      s('rect', { x: x(b.lower), y: y(1), width: x(b.upper) - x(b.lower), height: y(0) - y(1), fill: selected ? '#fff4c2' : 'transparent' }),
      s('title', {}, `bin ${b.lower.toFixed(3)}–${b.upper.toFixed(3)}: ${b.count} images; mean confidence ${num(b.confidence)}, mean correctness ${num(b.correctness)}`));
    if (b.count > 0) {
      group.append(s('rect', { class: 'acc', x: x(b.lower) + 1, y: y(b.correctness), width: x(b.upper) - x(b.lower) - 2, height: y(0) - y(b.correctness), fill: color }),
        s('rect', { x: x(b.lower) + 1, y: Math.min(y(b.confidence), y(b.correctness)), width: x(b.upper) - x(b.lower) - 2, height: Math.abs(y(b.confidence) - y(b.correctness)), fill: '#c0182a', opacity: 0.25 }));
    }
    items.push(group);
  });
  items.push(s('line', { x1: x(0), y1: y(0), x2: x(1), y2: y(1), stroke: '#333', 'stroke-dasharray': '6 4' }),
    s('rect', { x: x(0), y: y(1), width: x(1) - x(0), height: y(0) - y(1), fill: 'none', stroke: '#555' }));
  const table = h('table', { class: 'bintable', 'data-side': side },
    h('tr', {}, h('th', {}, 'Bin'), h('th', {}, 'Images'), h('th', {}, 'Mean conf.'), h('th', {}, 'Mean correctness')),
    data.bins.map((b, i) => h('tr', { class: params.side === side && Number(params.bin) === i ? 'selected' : '', 'data-bin': i },
      h('td', {}, `${b.lower.toFixed(3)}–${b.upper.toFixed(3)}`), h('td', { 'data-col': 'count' }, b.count), h('td', { 'data-col': 'confidence' }, num(b.confidence, 4)), h('td', { 'data-col': 'correctness' }, num(b.correctness, 4)))));
  return h('div', { class: 'diagram', 'data-side': side },
    s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, items),
    h('p', { 'data-role': 'ece' }, `ECE ${pct(data.ece)} over ${data.count} images`), table);
}

async function renderCalibration(params) {
  if (!run.hasModel) { view.replaceChildren(h('h1', {}, 'Calibration'), h('p', { id: 'no-model' }, 'No model: this run has no predictions, so there is no reliability diagram.')); return; }
  const sel = { corruption: params.corruption, severity: params.severity, label: params.label, split: params.split };
  const data = await api('reliability', sel);
  const onBin = (side, bin) => go('/calibration', { ...params, side, bin, page: undefined });
  const select = (name, label, options) => h('label', {}, `${label} `, h('select', { 'data-filter': name, onchange: (e) => go('/calibration', { ...sel, [name]: e.target.value }) },
    options.map(([v, t]) => h('option', { value: v, selected: String(params[name] ?? '') === String(v) }, t))));
  const parts = [h('h1', {}, 'Calibration: reliability diagrams'),
    h('div', { class: 'filters' },
      select('split', 'Split', [['', 'all'], ['id', 'ID (clean)'], ['ood', 'OOD (corrupted)']]),
      select('corruption', 'Corruption', [['', 'all'], ['clean', 'clean'], ...run.index.corruptions.map((c) => [c, c])]),
      select('severity', 'Severity', [['', 'all'], ...[0, 1, 2, 3, 4, 5].map((v) => [v, v === 0 ? '0 (clean)' : v])]),
      select('label', 'Class', [['', 'all'], ...run.classes.map((c, k) => [k, c])])),
    h('p', { class: 'note' }, `${data.selected} images selected; computed by the server with fer-c's own metric code (${data.bins} equal-width bins). Bars: mean correctness per bin; red: the gap to mean confidence; dashed: perfect calibration. Click a bin (or ← → and Enter) to list its images.`),
    h('div', { class: 'diagrams' }, diagram('pre', 'Pre (as predicted)', data.pre, params, onBin),
      data.post ? diagram('post', `Post (temperature scaling, T = ${num(run.report.temperature, 3)})`, data.post, params, onBin) : h('p', {}, 'No Post: the run has no report with a temperature.'))];
  view.replaceChildren(...parts);
  if (params.bin !== undefined) await renderBin(params, sel);
  let focusBin = Number(params.bin ?? -1), focusSide = params.side ?? 'pre';
  keyHandler = (e) => {
    if (e.key === 'ArrowRight') focusBin = Math.min(focusBin + 1, data.bins - 1);
    else if (e.key === 'ArrowLeft') focusBin = Math.max(focusBin - 1, 0);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') focusSide = focusSide === 'pre' && data.post ? 'post' : 'pre';
    else if (e.key === 'Enter' && focusBin >= 0) { onBin(focusSide, focusBin); return true; }
    else return false;
    for (const b of view.querySelectorAll('.diagram .bar')) b.classList.toggle('focus', b.dataset.side === focusSide && Number(b.dataset.bin) === focusBin);
    return true;
  };
}

async function renderBin(params, sel) {
  const data = await api('bin', { ...sel, side: params.side, bin: params.bin, page: params.page, size: params.size });
  const goto = (page) => go('/calibration', { ...params, page });
  const list = h('div', { class: 'grid', id: 'bin-images' }, data.images.map((im) => h('div', {
    class: 'tile', 'data-row': im.row, onclick: () => go(`/face/${im.face}`, { v: im.variant }),
  }, h('img', { src: fileUrl(im.file), alt: im.id, loading: 'lazy' }),
  h('div', {}, im.corruption === 'clean' ? 'clean' : `${im.corruption} ${im.severity}`),
  h('div', {}, `pred ${className(im.predicted)} ${pct(im.confidence)}`),
  h('div', { class: im.predicted === im.trueClass ? '' : 'wrong' }, `y* ${className(im.trueClass)}, c ${num(im.correctness, 2)}`))));
  view.append(h('h2', { id: 'bin-title' }, `${data.side === 'pre' ? 'Pre' : 'Post'} bin ${data.bin + 1}: ${data.total} images`),
    pager(data.page, data.pages, data.total, 'images', goto), list);
}

// ---- Routing and keys -----------------------------------------------------

async function render() {
  // The hash as routed (a view may refine it with replaceState, e.g. the focused variant): tests wait on it.
  const routed = location.hash || '#/';
  delete document.body.dataset.ready;
  keyHandler = null;
  closeDetail();
  const { parts, params } = route();
  const name = parts[0] ?? 'overview';
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === (name === 'face' ? 'faces' : name));
  try {
    if (!run || name === 'overview' || !run.index.complete) run = await api('overview');
    statusLine.textContent = run.index.error ? `index failed: ${run.index.error}` : run.index.complete ? `${run.index.rows} images indexed` : `indexing… ${run.index.faces} of ${run.faces} faces`;
    if (name === 'faces') await renderFaces(params);
    else if (name === 'face') await renderFace(Number(parts[1] ?? 0), params);
    else if (name === 'calibration') await renderCalibration(params);
    else await renderOverview();
    if (!run.index.complete) run = await api('overview');
    statusLine.textContent = run.index.complete ? `${run.index.rows} images indexed` : statusLine.textContent;
    document.body.dataset.ready = routed;
  } catch (e) {
    showError(e);
  }
}

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if (e.key === 'Escape') { closeDetail(); return; }
  if (keyHandler && keyHandler(e)) e.preventDefault();
});
window.addEventListener('hashchange', render);
render();
