/** Child process for metrics-memory.ts: one `fer-c evaluate` run, then its timing and peak RSS as JSON. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';

const [labels, predictions, out, state, calibrators] = process.argv.slice(2);
const started = performance.now();
const code = await main(['evaluate', '--labels', labels!, '--predictions', predictions!, '--out', out!, '--state', state!, ...(calibrators ? ['--calibrators', calibrators] : [])]);
const seconds = (performance.now() - started) / 1000;
const report = JSON.parse(readFileSync(join(out!, 'report.json'), 'utf8')) as { counts: { all: number }; temperature: number };
console.log(JSON.stringify({ code, seconds, rows: report.counts.all, temperature: report.temperature, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
