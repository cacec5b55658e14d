// Evidence that our kernels run on the GPU, for scripts/gpu-check.sh (after `npm run build`):
// every adapter Dawn offers here and how backend choice classes it; the project's choice for `auto`;
// a heavy synthetic kernel and every corruption (severity 3) on webgpu against gpu.js cpu, with parity;
// and, while this process holds its device, what nvidia-smi lists.
//   node scripts/gpu-probe.mjs            (FER_C_WEBGPU=compat: Dawn's OpenGL ES adapter instead)
import { execSync } from 'node:child_process';
import { join } from 'node:path';
const root = new URL('..', import.meta.url).pathname, R = (p) => import(join(root, 'dist', p));
const gpujs = (await import('gpu.js')).default;
const { classifyWebGpuAdapter } = await R('src/gpu/device-class.js');
const { selectBackend, describeChoice } = await R('src/gpu/backend.js');
const { KernelHost } = await R('src/gpu/kernel-host.js');
const { corruptImage } = await R('src/corruptions/engine.js');
const { CORRUPTION_NAMES } = await R('src/corruptions/registry.js');
const { toFloat, readImageFile } = await R('src/image/index.js');
const log = (...a) => console.log('[probe]', ...a);
process.env.EGL_PLATFORM ??= 'surfaceless';   // Dawn's OpenGL ES backend needs no display then

// 1) what Dawn offers, each request in a fresh instance (Dawn's flags are per instance)
const { create } = await import('webgpu');
for (const [label, flags, options] of [
  ['vulkan high-performance', ['backend=vulkan'], { powerPreference: 'high-performance' }],
  ['vulkan low-power', ['backend=vulkan'], { powerPreference: 'low-power' }],
  ['vulkan fallback', ['backend=vulkan'], { forceFallbackAdapter: true }],
  ['opengles compat', ['backend=opengles'], { featureLevel: 'compatibility' }],
  ['default', [], { powerPreference: 'high-performance' }],
]) {
  try {
    const a = await create(flags).requestAdapter(options);
    if (!a) { log(`adapter ${label}: none`); continue; }
    const { vendor, architecture, device, description, isFallbackAdapter } = a.info;
    const cls = classifyWebGpuAdapter({ vendor, architecture, device, description, isFallbackAdapter });
    log(`adapter ${label}: ${JSON.stringify({ vendor, architecture, device, description, isFallbackAdapter })} → ${cls.kind} (${cls.why})`);
  } catch (e) { log(`adapter ${label}: ERROR ${e.message.split('\n')[0]}`); }
}

// 2) the project's own choice; the rest runs on whatever `--backend webgpu` opens (FER_C_WEBGPU decides)
const auto = await selectBackend('auto');
log('auto →', describeChoice(auto));
const wg = await selectBackend('webgpu').catch((e) => { log('webgpu unavailable:', e.message); process.exit(0); });
log('webgpu →', describeChoice(wg));

// 3) a heavy synthetic kernel: N×N matmul, webgpu against gpu.js cpu
const N = Number(process.env.N ?? 1024);
const A = new Float32Array(N * N).map((_, i) => (i % 97) / 97), B = new Float32Array(N * N).map((_, i) => (i % 89) / 89);
function mm(a, b) { let s = 0; for (let k = 0; k < this.constants.n; k++) s += a[this.thread.y * this.constants.n + k] * b[k * this.constants.n + this.thread.x]; return s; }
for (const mode of ['webgpu', 'cpu']) {
  const g = new gpujs.GPU({ mode });
  const k = g.createKernel(mm, { output: [N, N], constants: { n: N }, tactic: 'precision', precision: 'single' });
  let t = performance.now(); let out = await k(A, B); const first = performance.now() - t;
  const reps = mode === 'cpu' ? 0 : 5; t = performance.now(); for (let i = 0; i < reps; i++) out = await k(A, B);   // cpu: once is plenty
  log(`matmul ${N}x${N} mode=${mode} kernel=${k.kernel?.constructor?.mode} first ${first.toFixed(0)} ms${reps ? `, steady ${((performance.now() - t) / reps).toFixed(1)} ms` : ''}, out[7][5]=${out[7][5]}`);
  g.destroy();
}
try {
  log(`pid ${process.pid}; nvidia-smi while this process holds its device:\n` +
    execSync("nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader; nvidia-smi | sed -n '/Processes/,$p'", { encoding: 'utf8' }));
} catch (e) { log('nvidia-smi:', e.message.split('\n')[0]); }

// 4) every corruption at severity 3 on one face: time per variant (steady) and parity against cpu
const host = new KernelHost('webgpu'), cpu = new KernelHost('cpu');
const face = toFloat(readImageFile(join(root, 'test/fixtures/faces/sample1_face0.png')));
let tg = 0, tc = 0, worst = 0; const fails = [];
for (const corruption of CORRUPTION_NAMES) {
  const key = { seed: 5, sampleId: 'probe', corruption, severity: 3 };
  try {
    await corruptImage(face, key, host);   // compiles
    let t = performance.now(); const b = (await corruptImage(face, key, host)).data; const g = performance.now() - t;
    t = performance.now(); const c = (await corruptImage(face, key, cpu)).data; const p = performance.now() - t;
    let s = 0; for (let i = 0; i < c.length; i++) s += Math.abs(c[i] - b[i]);
    tg += g; tc += p; worst = Math.max(worst, s / c.length);
    log(`${corruption.padEnd(18)} webgpu ${g.toFixed(1).padStart(7)} ms  cpu ${p.toFixed(1).padStart(7)} ms  mean|Δ| ${(s / c.length).toFixed(4)}`);
  } catch (e) { fails.push(`${corruption}: ${e.message.split('\n')[0].slice(0, 200)}`); }
}
log(`corruptions on webgpu: ${CORRUPTION_NAMES.length - fails.length}/${CORRUPTION_NAMES.length} ran; ${tg.toFixed(0)} ms against cpu ${tc.toFixed(0)} ms; worst mean|Δ| ${worst.toFixed(4)}`);
for (const f of fails) log('FAIL', f);
process.exit(0);
