/** Child process for corrupt-memory.ts and big-images.ts: one `corruptDirectory` run, then its summary and peak RSS as JSON. */
import { corruptDirectory } from '../src/pipeline/corrupt-directory.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

const [input, output, backend = 'webasm', workers] = process.argv.slice(2) as [string, string, ('cpu' | 'webasm')?, string?];
const summary = await corruptDirectory({
  inputDir: input!, outputDir: output!, seed: 0, corruptions: CORRUPTION_NAMES, severities: SEVERITIES,
  backend, progress: false, ...(workers !== undefined ? { workers: Number(workers) } : {}),
});
console.log(JSON.stringify({ ...summary, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
