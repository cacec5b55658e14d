/** Child process for the run benches: one `fer-c run` of a spec, then its summary and peak RSS as JSON on stdout. */
import { loadSpec } from '../src/pipeline/spec/index.js';
import { runOptionsFromSpec } from '../src/pipeline/from-spec.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';

const [specPath, ...sets] = process.argv.slice(2);
const spec = loadSpec(specPath!, sets);
const options = await runOptionsFromSpec(spec, 'cpu', { progress: false, log: () => undefined });
const s = await runPipeline(options);
console.log(JSON.stringify({ samples: s.samples, variants: s.variants, seconds: s.seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
