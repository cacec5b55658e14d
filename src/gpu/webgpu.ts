/**
 * WebGPU in Node through the `webgpu` package (Dawn), opened once per process
 * or worker thread and installed as `navigator.gpu` for gpu.js's webgpu mode.
 *
 * Which adapter: by default Dawn's own choice among its core-feature adapters
 * with `powerPreference: 'high-performance'`: on Linux that is Vulkan, the
 * NVIDIA driver's ICD on a GPU server. `FER_C_WEBGPU=compat` asks instead for
 * Dawn's OpenGL ES backend at the compatibility feature level over EGL
 * (surfaceless): with Mesa that is llvmpipe, a software adapter that runs the
 * same WGSL on the CPU — the parity test's way to check our WGSL without a GPU.
 * Worker threads inherit the variable, so every worker opens the same kind of
 * adapter the main thread chose.
 */
import { isMainThread } from 'node:worker_threads';
import type { WebGpuAdapterInfo } from './device-class.js';

export interface WebGpuRequest {
  /** Dawn toggles passed to `create` (e.g. `backend=opengles`). */
  readonly flags: readonly string[];
  /** Options for `requestAdapter`. */
  readonly options: { readonly powerPreference?: 'high-performance' | 'low-power'; readonly featureLevel?: 'core' | 'compatibility' };
  /** For messages: which request this is. */
  readonly label: string;
}

/** The adapter request `FER_C_WEBGPU` names (unset: the default GPU request). */
export function webGpuRequest(env: NodeJS.ProcessEnv = process.env): WebGpuRequest {
  const mode = env['FER_C_WEBGPU'] ?? '';
  if (mode === '' || mode === 'default') return { flags: [], options: { powerPreference: 'high-performance' }, label: 'default (Vulkan on Linux)' };
  if (mode === 'compat') return { flags: ['backend=opengles'], options: { featureLevel: 'compatibility' }, label: 'compat (OpenGL ES over EGL)' };
  throw new Error(`FER_C_WEBGPU=${mode}: expected "default" or "compat"`);
}

interface DawnGpu {
  requestAdapter(options?: object): Promise<{ readonly info: WebGpuAdapterInfo } | null>;
  getPreferredCanvasFormat?(): string;
  readonly wgslLanguageFeatures?: unknown;
}

export type WebGpuOpening = { readonly info: WebGpuAdapterInfo; readonly request: WebGpuRequest } | { readonly error: string; readonly request: WebGpuRequest };

let opening: Promise<WebGpuOpening> | undefined;

/**
 * Loads Dawn, requests the adapter `webGpuRequest()` describes and installs `navigator.gpu` so that
 * gpu.js's own `requestAdapter()` calls get an adapter of that request. Once per thread; the answer
 * (the adapter's info, or why there is none) is cached.
 */
export function openWebGpu(): Promise<WebGpuOpening> {
  return (opening ??= open());
}

async function open(): Promise<WebGpuOpening> {
  let request: WebGpuRequest;
  try { request = webGpuRequest(); } catch (e) { return { error: (e as Error).message, request: webGpuRequest({}) }; }
  if (request.flags.includes('backend=opengles')) process.env['EGL_PLATFORM'] ??= 'surfaceless';  // no display needed
  let dawn: DawnGpu;
  try {
    const mod = (await import('webgpu')) as unknown as { create: (flags: string[]) => DawnGpu; globals: object };
    Object.assign(globalThis, mod.globals);
    dawn = mod.create([...request.flags]);
  } catch (e) {
    return { error: `the webgpu package does not load: ${loaderReason((e as Error).message)}`, request };
  }
  let adapter: Awaited<ReturnType<DawnGpu['requestAdapter']>>;
  try {
    adapter = await withTimeout(dawn.requestAdapter(request.options), ADAPTER_TIMEOUT_MS, `no answer to requestAdapter within ${ADAPTER_TIMEOUT_MS / 1000} s (a hung driver?)`);
  } catch (e) { return { error: `requestAdapter failed: ${(e as Error).message.split('\n')[0]}`, request }; }
  if (!adapter) return { error: `no WebGPU adapter answered the ${request.label} request`, request };
  const gpu = {
    requestAdapter: (options: object = {}) => dawn.requestAdapter({ ...request.options, ...options }),
    getPreferredCanvasFormat: () => dawn.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
    wgslLanguageFeatures: dawn.wgslLanguageFeatures,
  };
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  if (request.flags.includes('backend=opengles') && isMainThread) {
    try { await holdEglDisplay(gpu); } catch (e) { return { error: `the ${request.label} adapter gives no device: ${(e as Error).message.split('\n')[0]}`, request }; }
  }
  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;
  return { info: { vendor, architecture, device, description, isFallbackAdapter: isFallbackAdapter ?? false }, request };
}

/** Devices kept alive for the life of the process (see holdEglDisplay). */
const held: unknown[] = [];
/**
 * Mesa's EGL display is one per process, shared by every Dawn instance: when a worker thread's
 * instance closes, it terminates the display and the driver is unloaded under the other threads, whose
 * exit then crashes (SIGSEGV in a thread-specific-data destructor; seen with 2 workers on resume).
 * A device the main thread holds for the life of the process keeps the display and driver loaded.
 */
async function holdEglDisplay(gpu: { requestAdapter: (o?: object) => Promise<unknown> }): Promise<void> {
  const adapter = (await gpu.requestAdapter()) as { requestDevice(): Promise<unknown> } | null;
  if (adapter) held.push(await adapter.requestDevice());
}

/** A driver that never answers must not hang `auto`: the probe gives up after this long. */
const ADAPTER_TIMEOUT_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); timer.unref(); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The first line of a loader error, with the missing glibc symbol version named when that is the reason. */
export function loaderReason(message: string): string {
  const first = message.split('\n')[0]!;
  const version = /GLIBC(?:XX)?_[0-9.]+/.exec(first);
  return version ? `its Dawn binary needs ${version[0]}, which this system's C/C++ runtime lacks` : first.slice(0, 200);
}
