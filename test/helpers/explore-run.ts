/**
 * Small real runs for the explorer's tests (the demo spec over a few bundled
 * faces, a few corruptions), and an independent reading of their CSV files:
 * plain string splitting (the run writes no quoted fields for these ids), so
 * the tests check the explorer's index and API against the files themselves.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { runCli } from './run-folder.js';

/** Runs pipelines/demo.json into `dir` on `limit` faces; `model`: face-api and a report, else labels only. */
export async function makeRun(dir: string, options: { limit: number; model: boolean; corruptions: readonly string[]; severities: readonly number[] }): Promise<void> {
  const sets = [
    `output.dir=${dir}`, `limit=${options.limit}`, `corruptions=${JSON.stringify(options.corruptions)}`, `severities=${JSON.stringify(options.severities)}`,
    `labels.visibility.calibration=${options.limit}`,
    ...(options.model ? ['metrics.calibrators=["temperature"]'] : ['predictions=null', 'metrics=null']),
  ];
  const r = await runCli(['run', 'pipelines/demo.json', ...sets.flatMap((s) => ['--set', s]), '--quiet']);
  if (r.code !== 0) throw new Error(`the fixture run failed (${r.code}): ${r.stderr}`);
}

export interface CsvRow { readonly [column: string]: string }

/** A CSV without quoted fields, as objects by header name. */
export function readPlainCsv(path: string): CsvRow[] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i]!, v])));
}

export const probs = (row: CsvRow, classes: number): number[] => Array.from({ length: classes }, (_, k) => Number(row[`p_${k}`]));
export const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

/** conf = max p, ŷ and y* of a labels row from the files (y* = argmax of the target: one-hot label for clean rows, the soft label otherwise). */
export function scoreRow(row: CsvRow, predictions: ReadonlyMap<string, CsvRow>, classes: number) {
  const p = probs(predictions.get(row['id']!)!, classes);
  const target = row['corruption'] === 'clean' ? Array.from({ length: classes }, (_, k) => (k === Number(row['label']) ? 1 : 0)) : probs(row, classes);
  return { conf: Math.max(...p), predicted: argmax(p), trueClass: argmax(target) };
}

export interface RawResponse { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly body: string }

/** One HTTP request with the path sent exactly as given (fetch would normalise `..` and `%2e%2e` away). */
export function rawRequest(url: string, path: string, options: { method?: string; host?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: options.method ?? 'GET', headers: { host: options.host ?? u.host }, insecureHTTPParser: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
