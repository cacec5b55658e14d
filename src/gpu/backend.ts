/**
 * gpu.js backend selection, done once per process and logged
 * (docs/backends.md has the whole story).
 *
 * `auto`: webgpu on a hardware adapter → headlessgl on a hardware GPU → a CPU
 * mode. "Hardware" is read from what the drivers report (device-class.ts):
 * the WebGPU adapter's info (vendor, architecture, device, description,
 * isFallbackAdapter) and, for headless-gl, the native GL_RENDERER string
 * (headless-gl's JS getParameter masks it as "ANGLE"). A software rasteriser
 * (llvmpipe, lavapipe, SwiftShader, Dawn's compat adapter over llvmpipe,
 * Microsoft Basic Render) or an adapter we cannot place is never taken for a
 * GPU; a device node such as /dev/nvidia0 is no evidence that a GL context
 * runs on it. Asked for by name (`--backend webgpu|headlessgl`), a software
 * adapter is used, and the log line says it is software.
 *
 * Between gpu.js's `cpu` (transpiled JS) and `webasm` (wasm SIMD) modes,
 * `npm run bench` measures both on our kernels (bench/results/corrupt-throughput.json,
 * corrupt-memory.json). webasm is the faster (about 1.5× on the corruptions
 * alone), and since a KernelHost's webasm kernels share one WebAssembly memory
 * (kernel-host.ts) it fits the 400 MB budget too, so it is the CPU default;
 * `--backend cpu` remains.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { classifyGlRenderer, classifyWebGpuAdapter, type DeviceClass, type DeviceKind } from './device-class.js';
import { openWebGpu } from './webgpu.js';

export const BACKENDS = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why it was chosen, and what was passed over (for the log line). */
  readonly reason: string;
  /** The device the kernels run on (webgpu, headlessgl), e.g. "nvidia-h200 (nvidia hopper; NVIDIA: 560.35.03)". */
  readonly device?: string;
  /** Whether that device is a hardware GPU, a software rasteriser or unplaced. */
  readonly deviceKind?: DeviceKind;
  /** headlessgl: the native GL_RENDERER string, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly renderer?: string;
}

const CPU_DEFAULT: BackendName = 'webasm';

export function isBackendRequest(s: string): s is BackendRequest {
  return s === 'auto' || (BACKENDS as readonly string[]).includes(s);
}

/** The native GL strings of a headless-gl context, or why there is none. */
export function nativeGlStrings(): { renderer: string; vendor: string; version: string } | { error: string } {
  try {
    const require = createRequire(import.meta.url);
    const createGl = require('gl') as (w: number, h: number) => WebGLRenderingContext | null;
    // headless-gl's JS getParameter answers "ANGLE" for RENDERER; its native binding tells the truth.
    const native = (require('gl/src/javascript/native-gl.js') as { gl: { getParameter: (this: WebGLRenderingContext, p: number) => unknown } }).gl;
    const gl = createGl(1, 1);
    if (!gl) return { error: `gl could not create a context (DISPLAY=${process.env['DISPLAY'] ?? 'unset'}; run under xvfb-run)` };
    const read = (p: number): string => String(native.getParameter.call(gl, p) ?? '');
    const strings = { renderer: read(0x1F01), vendor: read(0x1F00), version: read(0x1F02) };
    gl.getExtension('STACKGL_destroy_context')?.destroy();
    return strings;
  } catch (e) {
    return { error: `gl module unavailable: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The WebGPU adapter this process opens, classified; or why there is none. */
export async function probeWebGpu(): Promise<DeviceClass | { error: string }> {
  const opened = await openWebGpu();
  if ('error' in opened) return { error: opened.error };
  // gpu.js (~0.1 s to load) only when a WebGPU adapter is there to check: `fer-c corrupt` on the CPU
  // starts its workers that much sooner, and they load it themselves.
  const gpujs = (await import('gpu.js')).default;
  if (!(await gpujs.GPU.isWebGPUAvailable())) return { error: 'gpu.js sees no WebGPU adapter' };
  return classifyWebGpuAdapter(opened.info);
}

const chosen = new Map<BackendRequest, Promise<BackendChoice>>();

/** Chooses the backend for `request`; the probe runs once per process and request, later calls get the same answer. */
export function selectBackend(request: BackendRequest = 'auto'): Promise<BackendChoice> {
  let choice = chosen.get(request);
  if (!choice) {
    choice = choose(request);
    chosen.set(request, choice);
    choice.catch(() => chosen.delete(request));
  }
  return choice;
}

async function choose(request: BackendRequest): Promise<BackendChoice> {
  if (request === 'cpu' || request === 'webasm') return { backend: request, reason: 'requested' };
  if (request === 'webgpu') {
    const probe = await probeWebGpu();
    if ('error' in probe) throw new Error(`--backend webgpu: ${probe.error}`);
    return { backend: 'webgpu', reason: `requested${kindNote(probe)}`, device: probe.name, deviceKind: probe.kind };
  }
  if (request === 'headlessgl') {
    const gl = nativeGlStrings();
    if ('error' in gl) throw new Error(`--backend headlessgl: ${gl.error}`);
    const cls = classifyGlRenderer(gl.renderer, gl.vendor);
    return { backend: 'headlessgl', reason: `requested${kindNote(cls)}`, device: cls.name, deviceKind: cls.kind, renderer: gl.renderer };
  }
  return chooseAuto();
}

/**
 * Whether `auto` should load Dawn at all. On Linux a GPU shows as a device node (/dev/nvidia0,
 * /dev/dri/renderD*); without one, Dawn can only find software adapters, and loading it costs time
 * and prints Vulkan/EGL warnings on every run. A node is a reason to look, never evidence of a GPU:
 * the adapter's info decides. FER_C_WEBGPU set, or another platform: always look.
 */
export function shouldProbeWebGpu(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, deviceNodes: readonly string[]): { probe: boolean; why: string } {
  if (env['FER_C_WEBGPU']) return { probe: true, why: `FER_C_WEBGPU=${env['FER_C_WEBGPU']}` };
  if (platform !== 'linux') return { probe: true, why: platform };
  return deviceNodes.length > 0 ? { probe: true, why: deviceNodes.join(', ') } : { probe: false, why: 'no GPU device node (/dev/nvidia*, /dev/dri/renderD*)' };
}

/**
 * Whether `auto` should try headless-gl. On Linux it has only a GLX path, so without an X display
 * (DISPLAY unset) it cannot make a context: trying costs a failed native-module load (~50 ms
 * before a CPU run's workers start) to learn that. Elsewhere, or with a display: look.
 */
export function shouldProbeGl(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): { probe: boolean; why: string } {
  if (platform !== 'linux' || env['DISPLAY']) return { probe: true, why: platform === 'linux' ? `DISPLAY=${env['DISPLAY']}` : platform };
  return { probe: false, why: 'no X display (DISPLAY unset; headless-gl has only a GLX path on Linux)' };
}

/** GPU device nodes on this machine: /dev/nvidia0…, /dev/dri/renderD…. */
export function gpuDeviceNodes(): string[] {
  const list = (dir: string, pattern: RegExp): string[] => {
    try { return readdirSync(dir).filter((n) => pattern.test(n)).map((n) => `${dir}/${n}`); } catch { return []; }
  };
  return [...list('/dev', /^nvidia\d+$/), ...(existsSync('/dev/dri') ? list('/dev/dri', /^renderD\d+$/) : [])];
}

async function chooseAuto(): Promise<BackendChoice> {
  const passed: string[] = [];
  const look = shouldProbeWebGpu(process.platform, process.env, gpuDeviceNodes());
  const wg = look.probe ? await probeWebGpu() : { error: `not probed: ${look.why}` };
  if (!('error' in wg) && wg.kind === 'hardware') {
    return { backend: 'webgpu', reason: `a hardware WebGPU adapter (${wg.why})`, device: wg.name, deviceKind: wg.kind };
  }
  passed.push('error' in wg ? `webgpu: ${wg.error}` : `webgpu: ${wg.kind} adapter ${wg.name} (${wg.why})`);
  const lookGl = shouldProbeGl(process.platform, process.env);
  const gl = lookGl.probe ? nativeGlStrings() : { error: `not probed: ${lookGl.why}` };
  const cls = 'error' in gl ? undefined : classifyGlRenderer(gl.renderer, gl.vendor);
  if (cls?.kind === 'hardware' && !('error' in gl)) {
    return { backend: 'headlessgl', reason: `GL on a hardware GPU (${cls.why})`, device: cls.name, deviceKind: cls.kind, renderer: gl.renderer };
  }
  passed.push('error' in gl ? `headlessgl: ${gl.error}` : `headlessgl: ${cls!.kind} renderer ${cls!.name} (${cls!.why})`);
  return { backend: CPU_DEFAULT, reason: `CPU default (webasm: every kernel's twin, typed-array and WebAssembly SIMD loops); passed over ${passed.join('; ')}` };
}

function kindNote(cls: DeviceClass): string {
  return cls.kind === 'hardware' ? '' : cls.kind === 'software' ? `; a software adapter (${cls.why}): it runs on the CPU` : `; not known to be a GPU (${cls.why})`;
}

/** The log line: backend, the device it runs on, and why. */
export function describeChoice(choice: BackendChoice): string {
  return `gpu.js backend: ${choice.backend}${choice.device ? ` on ${choice.device}` : ''} (${choice.reason})`;
}
