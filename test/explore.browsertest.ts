/**
 * `fer-c explore` in a real browser (issue 22; `npm run test:browser`): Debian's
 * chromium driven by playwright-core (which downloads no browser) over the demo
 * run. It pages the face grid, opens a face and clicks a variant, walks the
 * variants and faces with the keyboard, filters to "confidently wrong", opens
 * a reliability bin, and checks the numbers shown against report.json and the
 * run's CSVs, and that the page printed no console error.
 *
 * The demo run is made in a temp folder (the demo spec, ~40 s), or taken from
 * FERC_EXPLORE_RUN (e.g. out/demo after `npm start`). FERC_SCREENSHOTS=1 saves
 * the main views to docs/explorer/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startExplore, type ExploreServer } from '../src/explore/server.js';
import type { Report } from '../src/report/report.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-folder.js';
import { makeRun, scoreRow, probs, readPlainCsv, type CsvRow } from './helpers/explore-run.js';

const CHROMIUM = process.env['FERC_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = process.env['FERC_SCREENSHOTS'] === '1' ? join(REPO_ROOT, 'docs', 'explorer') : undefined;
const temp = mkdtempSync(join(tmpdir(), 'ferc-explore-browser-'));
let runDir = process.env['FERC_EXPLORE_RUN'] ?? '';
let server: ExploreServer;
let context: BrowserContext;
let page: Page;
let report: Report;
let labels: CsvRow[];
let predictions: Map<string, CsvRow>;
const consoleErrors: string[] = [];

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set FERC_CHROMIUM`);
  if (runDir === '') {
    runDir = join(temp, 'demo');
    const r = await runCli(['run', 'pipelines/demo.json', '--set', `output.dir=${runDir}`, '--quiet'], { cwd: REPO_ROOT });
    if (r.code !== 0) throw new Error(`the demo run failed: ${r.stderr}`);
  }
  report = JSON.parse(readFileSync(join(runDir, 'report', 'report.json'), 'utf8')) as Report;
  labels = readPlainCsv(join(runDir, 'labels.csv'));
  predictions = new Map(readPlainCsv(join(runDir, 'predictions.csv')).map((r) => [r['id']!, r]));
  server = await startExplore({ dir: runDir, port: 0 });
  await server.indexed;
  // A fresh profile each run; no network beyond the page's own server.
  context = await chromium.launchPersistentContext(join(temp, 'profile'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** Navigates to a view and waits until the page says it has drawn it. */
async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}${hash}`);
  await page.waitForFunction((h) => document.body.dataset['ready'] === h, hash === '' ? '#/' : hash);
}

async function waitReady(hash: string): Promise<void> {
  await page.waitForFunction((h) => document.body.dataset['ready'] === h, hash);
}

async function shot(name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name === 'calibration' });
}

const scored = (row: CsvRow) => scoreRow(row, predictions, report.classes);

test('overview: the headline and calibrators tables show report.json\'s numbers', async () => {
  await open('');
  for (const split of ['id', 'ood'] as const) {
    for (const side of ['pre', 'post'] as const) {
      for (const metric of ['accuracy', 'macro_f1', 'ece'] as const) {
        const text = await page.textContent(`#headline tr[data-split="${split}"][data-side="${side}"] td[data-metric="${metric}"]`);
        assert.equal(text, pct(report[split]![side][metric]), `${split} ${side} ${metric}`);
      }
      const nll = await page.textContent(`#headline tr[data-split="${split}"][data-side="${side}"] td[data-metric="nll"]`);
      assert.equal(nll, report[split]![side].nll!.toFixed(3));
    }
  }
  for (const [name, c] of Object.entries(report.calibrators)) {
    assert.equal(await page.textContent(`#calibrators tr[data-calibrator="${name}"] td[data-metric="ood-ece"]`), pct(c.ood?.ece), name);
  }
  await shot('overview');
});

test('the face grid pages, in the run\'s order', async () => {
  const faces = [...new Set(labels.map((l) => l['source_id']!))];
  await open('#/faces?size=8');
  const ids = async () => page.$$eval('#faces .tile', (tiles) => tiles.map((t) => t.children[1]!.textContent));
  assert.equal(await ids(), faces.slice(0, 8));
  await page.click('button[data-page="next"]');
  await waitReady('#/faces?size=8&page=2');
  assert.equal(await ids(), faces.slice(8, 16));
  assert.equal(await page.textContent('[data-role="page"]'), `page 2 of ${Math.ceil(faces.length / 8)} (${faces.length} faces)`);
  await page.keyboard.press(']');
  await waitReady('#/faces?size=8&page=3');
  assert.equal(await ids(), faces.slice(16, 24));
  await open('#/faces');
  await shot('faces');
});

test('a face: its corruption × severity grid, a click on a variant shows its numbers; arrows move through variants and faces', async () => {
  await open('#/faces');
  await page.click('#faces .tile[data-face="3"]');
  await waitReady('#/face/3');
  const id = labels.filter((l) => l['source_id'] === [...new Set(labels.map((x) => x['source_id']))][3]);
  assert.equal(await page.$$eval('#variants .cell', (c) => c.length), id.length);
  const row = id.find((l) => l['corruption'] === 'pixelate' && l['severity'] === '4')!;
  await page.click('#variants .cell[data-corruption="pixelate"][data-severity="4"]');
  await page.waitForSelector('#detail:not([hidden])');
  assert.equal(await page.textContent('#detail [data-role="visibility"]'), `visibility ${Number(row['visibility']).toFixed(3)}`);
  const s = scored(row);
  const verdict = await page.textContent('#detail [data-role="verdict"]');
  assert.match(verdict!, `predicted ${report.class_names![s.predicted]}, confidence ${pct(s.conf)}`);
  const cells = await page.$$eval('#detail table[data-role="numbers"] tr', (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(cells.map((c) => c[1]), probs(row, report.classes).map(pct), 'soft label column');
  assert.equal(cells.map((c) => c[2]), probs(predictions.get(row['id']!)!, report.classes).map(pct), 'Pre column');
  await shot('face');
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#variants .cell.focus', 'data-severity'), '5');
  await page.keyboard.press('ArrowDown');
  const corruptions = [...new Set(id.map((l) => l['corruption']!).filter((c) => c !== 'clean'))];
  assert.equal(await page.getAttribute('#variants .cell.focus', 'data-corruption'), corruptions[corruptions.indexOf('pixelate') + 1]);
  assert.equal(await page.getAttribute('#variants .cell.focus', 'data-severity'), '5');
  await page.keyboard.press(']');
  await page.waitForFunction(() => location.hash.startsWith('#/face/4'));
});

test('"confidently wrong" filter lists the faces with a variant wrong at confidence ≥ 0.8 (from the CSVs)', async () => {
  await open('#/faces');
  await page.check('input[data-filter="wrong"]');
  await waitReady('#/faces?wrong=0.8');
  const expected = [...new Set(labels.map((l) => l['source_id']!))].filter((f) => labels.some((l) => l['source_id'] === f && scored(l).predicted !== scored(l).trueClass && scored(l).conf >= 0.8));
  assert.ok(expected.length > 0, 'the demo model is confidently wrong somewhere');
  assert.equal(await page.$$eval('#faces .tile', (tiles) => tiles.map((t) => t.children[1]!.textContent)), expected);
});

test('calibration: the diagram\'s bins for all OOD equal report.json\'s; a bin lists its images', async () => {
  await open('#/calibration?split=ood');
  for (const side of ['pre', 'post'] as const) {
    const shown = await page.$$eval(`table.bintable[data-side="${side}"] tr[data-bin]`, (trs) => trs.map((tr) => [
      tr.querySelector('[data-col="count"]')!.textContent, tr.querySelector('[data-col="confidence"]')!.textContent, tr.querySelector('[data-col="correctness"]')!.textContent]));
    assert.equal(shown, report.reliability.ood![side].map((b) => [String(b.count), b.confidence === null ? '–' : b.confidence.toFixed(4), b.correctness === null ? '–' : b.correctness.toFixed(4)]), side);
    assert.match((await page.textContent(`.diagram[data-side="${side}"] [data-role="ece"]`))!, `ECE ${pct(report.ood![side].ece)} over ${report.ood!.count} images`);
  }
  const bin = report.reliability.ood!.pre.reduce((best, b, i, all) => (b.count > all[best]!.count ? i : best), 0);
  await page.click(`.diagram[data-side="pre"] g.bar[data-bin="${bin}"]`);
  await waitReady(`#/calibration?split=ood&side=pre&bin=${bin}`);
  assert.equal(await page.textContent('#bin-title'), `Pre bin ${bin + 1}: ${report.reliability.ood!.pre[bin]!.count} images`);
  assert.equal(await page.$$eval('#bin-images .tile', (t) => t.length), Math.min(48, report.reliability.ood!.pre[bin]!.count));
  await shot('calibration');
});

test('a run without predictions: the page says there is no model, and faces and soft labels still show', async () => {
  const dir = join(temp, 'no-model');
  await makeRun(dir, { limit: 2, model: false, corruptions: ['pixelate'], severities: [3] });
  const other = await startExplore({ dir, port: 0 });
  try {
    await other.indexed;
    await page.goto(other.url);
    await page.waitForFunction(() => document.body.dataset['ready'] === '#/');
    assert.match((await page.textContent('#no-model'))!, 'No model');
    await page.goto(`${other.url}#/face/1`);
    await page.waitForFunction(() => document.body.dataset['ready'] === '#/face/1');
    assert.equal(await page.$$eval('#variants .cell', (c) => c.length), 2);
    await page.click('#variants .cell[data-corruption="pixelate"]');
    assert.equal(await page.textContent('#detail [data-role="visibility"]'), `visibility ${Number(readPlainCsv(join(dir, 'labels.csv'))[3]!['visibility']).toFixed(3)}`);
    await page.goto(`${other.url}#/calibration`);
    await page.waitForFunction(() => document.body.dataset['ready'] === '#/calibration');
    assert.match((await page.textContent('#no-model'))!, 'no reliability diagram');
  } finally {
    await other.close();
  }
});

test('no console error was printed', () => {
  assert.equal(consoleErrors, []);
});

test.run();
