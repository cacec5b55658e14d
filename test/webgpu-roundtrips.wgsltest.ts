/**
 * What one variant costs on the WebGPU path in calls to Dawn, counted by wrapping Dawn's own
 * prototypes (src/gpu/dawn-counts.ts) rather than trusting gpu.js or our KernelHost to report
 * them: queue submits, buffer read-backs (mapAsync) and their bytes, writeBuffer uploads and their
 * bytes, per corruption and severity, on one face after a warm-up run (compiles). The expected
 * numbers are the table in docs/backends.md marked `dawn-counts:now` (one sample per batch;
 * `dawn-counts:before` records the counts before batch pipelines); a change in the
 * round trips must change that table too. Runs on whatever adapter `--backend webgpu` opens
 * (`npm run test:webgpu`: Dawn's compat adapter; CI also runs it on Vulkan over lavapipe).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFaces } from './helpers/fixtures.js';
import { documentedCounts, type CountsRow } from './helpers/dawn-table.js';
import { toFloat } from '../src/image/index.js';
import { KernelHost } from '../src/gpu/kernel-host.js';
import { selectBackend } from '../src/gpu/backend.js';
import { countDawnCalls } from '../src/gpu/dawn-counts.js';
import { corruptImage } from '../src/corruptions/engine.js';
import { SEVERITIES } from '../src/corruptions/corruption.js';
import { CORRUPTION_NAMES } from '../src/corruptions/registry.js';

const mb = (bytes: number): number => Math.round(bytes / 1e4) / 100;

test('submits, read-backs and bytes per variant match docs/backends.md', async () => {
  const choice = await selectBackend('webgpu');
  console.log(`Dawn calls counted on ${choice.device} [${choice.deviceKind}]`);
  const counts = countDawnCalls();
  const expected = documentedCounts('now');
  assert.equal([...expected.keys()].sort(), [...CORRUPTION_NAMES].sort(), 'the docs table lists every corruption once');
  const host = new KernelHost('webgpu');
  const face = toFloat(loadFaces(['sample1_face0.png'])[0]!.image);
  const mismatches: string[] = [];
  let submits = 0, readbacks = 0;
  for (const corruption of CORRUPTION_NAMES) {
    const got: CountsRow = { submits: [], readbacks: [], mbReadBack: [], writes: [], mbWritten: [] };
    for (const severity of SEVERITIES) {
      const key = { seed: 1, sampleId: 'roundtrips', corruption, severity };
      await corruptImage(face, key, host);   // compiles
      counts.reset();
      await corruptImage(face, key, host);
      got.submits.push(counts.submits); got.readbacks.push(counts.readbacks); got.mbReadBack.push(mb(counts.bytesReadBack));
      got.writes.push(counts.writes); got.mbWritten.push(mb(counts.bytesWritten));
      submits += counts.submits; readbacks += counts.readbacks;
    }
    const want = expected.get(corruption)!;
    for (const k of Object.keys(got) as (keyof CountsRow)[]) {
      if (got[k].join(' ') !== want[k].join(' ')) mismatches.push(`${corruption} ${k}: measured ${got[k].join(' ')}, documented ${want[k].join(' ')}`);
    }
  }
  host.destroy();
  console.log(`85 variants: ${submits} submits, ${readbacks} read-backs`);
  assert.ok(mismatches.length === 0, `Dawn calls differ from docs/backends.md:\n  ${mismatches.join('\n  ')}`);
});

test.run();
