/**
 * gpu.js backend selection, done once per process and logged.
 *
 * Order (DEVELOPERS.md): webgpu where an adapter answers → headlessgl on a
 * hardware GPU → a CPU mode (below). Mesa's llvmpipe/softpipe is software GL:
 * usable on request (`--backend headlessgl`, the CI parity test) but never
 * chosen automatically. Between gpu.js's `cpu` (transpiled JS) and `webasm`
 * (wasm SIMD) modes, `npm run bench` measures both on our kernels
 * (bench/results/corrupt-throughput.json, corrupt-memory.json). webasm is
 * the faster (about 1.5× on the corruptions alone), and since a KernelHost's
 * webasm kernels share one WebAssembly memory (kernel-host.ts) it fits the
 * 400 MB budget too, so it is the CPU default; `--backend cpu` remains.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import gpujs from 'gpu.js';

export const BACKENDS = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why it was chosen, and what was passed over (for the log line). */
  readonly reason: string;
  /** GL renderer string when headlessgl is used, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly renderer?: string;
}

const CPU_DEFAULT: BackendName = 'webasm';
const SOFTWARE_GL = /llvmpipe|softpipe|swiftshader|software/i;

export function isBackendRequest(s: string): s is BackendRequest {
  return s === 'auto' || (BACKENDS as readonly string[]).includes(s);
}

/** Installs the `webgpu` package's navigator.gpu in Node; throws with the loader's reason if it cannot. */
async function installWebGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const mod = (await import('webgpu' as string)) as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, mod.globals);
  const nav = g.navigator ?? {};
  Object.defineProperty(nav, 'gpu', { value: mod.create([]), configurable: true });
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true });
}

/** The GL renderer headless-gl would use, or the reason it cannot run. */
export function probeHeadlessGl(): { renderer: string } | { error: string } {
  try {
    const require = createRequire(import.meta.url);
    const createGl = require('gl') as (w: number, h: number) => WebGLRenderingContext | null;
    const gl = createGl(1, 1);
    if (!gl) return { error: 'gl could not create a context (no display? run under xvfb-run)' };
    const renderer = String(gl.getParameter(gl.RENDERER));
    gl.getExtension('STACKGL_destroy_context')?.destroy();
    return { renderer };
  } catch (e) {
    return { error: `gl module unavailable: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * headless-gl 8 renders through ANGLE and reports only "ANGLE" as its renderer,
 * so the GL strings cannot tell llvmpipe from a GPU. A GPU device node is the
 * evidence we use instead: /dev/nvidia0 or a DRM render node.
 */
export function gpuDeviceNode(): string | undefined {
  if (existsSync('/dev/nvidia0')) return '/dev/nvidia0';
  try {
    const render = readdirSync('/dev/dri').find((n) => n.startsWith('renderD'));
    return render ? `/dev/dri/${render}` : undefined;
  } catch {
    return undefined;
  }
}

export async function selectBackend(request: BackendRequest = 'auto'): Promise<BackendChoice> {
  if (request === 'cpu' || request === 'webasm') return { backend: request, reason: 'requested' };
  if (request === 'headlessgl') {
    const probe = probeHeadlessGl();
    if ('error' in probe) throw new Error(`--backend headlessgl: ${probe.error}`);
    return { backend: 'headlessgl', reason: 'requested', renderer: probe.renderer };
  }
  if (request === 'webgpu') {
    await installWebGpu().catch((e: Error) => { throw new Error(`--backend webgpu: the webgpu package does not load: ${e.message.split('\n')[0]}`); });
    if (!(await gpujs.GPU.isWebGPUAvailable())) throw new Error('--backend webgpu: no WebGPU adapter answered');
    return { backend: 'webgpu', reason: 'requested' };
  }
  const passed: string[] = [];
  try {
    await installWebGpu();
    if (await gpujs.GPU.isWebGPUAvailable()) return { backend: 'webgpu', reason: 'a WebGPU adapter answered' };
    passed.push('webgpu: no adapter');
  } catch (e) {
    passed.push(`webgpu: ${shortReason((e as Error).message)}`);
  }
  const probe = probeHeadlessGl();
  const device = gpuDeviceNode();
  if ('renderer' in probe && !SOFTWARE_GL.test(probe.renderer) && device) {
    return { backend: 'headlessgl', reason: `GL context on a GPU (${device})`, renderer: probe.renderer };
  }
  passed.push('error' in probe ? `headlessgl: ${probe.error}`
    : SOFTWARE_GL.test(probe.renderer) ? `headlessgl: software renderer ${probe.renderer}`
    : 'headlessgl: a GL context opens but no GPU device exists (software GL)');
  return { backend: CPU_DEFAULT, reason: `CPU default (webasm: wasm SIMD, the faster CPU mode); passed over ${passed.join('; ')}` };
}

function shortReason(message: string): string {
  const first = message.split('\n')[0]!;
  const glibcxx = /GLIBCXX_[0-9.]+/.exec(first);
  return glibcxx ? `the webgpu package's Dawn binary needs ${glibcxx[0]}` : first.slice(0, 160);
}

export function describeChoice(choice: BackendChoice): string {
  return `gpu.js backend: ${choice.backend}${choice.renderer ? ` [${choice.renderer}]` : ''} (${choice.reason})`;
}
