/**
 * Is this adapter a GPU? Pure functions over what the drivers report, so that
 * `selectBackend('auto')` can be tested without one.
 *
 * A software rasteriser (Mesa llvmpipe/lavapipe/softpipe, SwiftShader, Dawn's
 * null backend, Microsoft Basic Render Driver) runs on the CPU and is slower
 * there than our CPU kernels: it is never taken for a GPU. Neither is an
 * adapter we cannot place (an empty vendor, headless-gl's masked "ANGLE"):
 * `auto` wants evidence of a hardware vendor, not its absence.
 */

/** The fields of a WebGPU `GPUAdapterInfo` we read (Dawn fills all four; browsers may leave some empty). */
export interface WebGpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** true for an adapter the implementation itself calls a fallback (e.g. SwiftShader in Chrome). */
  readonly isFallbackAdapter?: boolean;
}

export type DeviceKind = 'hardware' | 'software' | 'unknown';

export interface DeviceClass {
  readonly kind: DeviceKind;
  /** The device as the log line names it, e.g. "nvidia-h200 (nvidia hopper; NVIDIA: 560.35.03)". */
  readonly name: string;
  /** What decided the kind, e.g. `"llvmpipe" in device`. */
  readonly why: string;
}

/** Names of software rasterisers, as they appear in GL renderer strings and WebGPU adapter info. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swrast|swiftshader|microsoft basic render|basic-render-driver|null-backend|software rasterizer/i;
/**
 * GPU vendors and product lines, by name or PCI vendor id (NVIDIA 10de, AMD 1002, Intel 8086,
 * Apple 106b, Qualcomm 5143, Arm 13b5, Imagination 1010, Samsung 144d, Broadcom 14e4).
 */
const HARDWARE = /nvidia|geforce|quadro|tesla|nouveau|\bamd\b|radeon|\bati\b|intel|apple|qualcomm|adreno|\barm\b|mali|imagination|powervr|samsung|xclipse|broadcom|videocore|0x(?:10de|1002|8086|106b|5143|13b5|1010|144d|14e4)\b/i;

/** Classifies a WebGPU adapter from its `GPUAdapterInfo`. */
export function classifyWebGpuAdapter(info: WebGpuAdapterInfo): DeviceClass {
  const name = webGpuAdapterName(info);
  if (info.isFallbackAdapter) return { kind: 'software', name, why: 'the adapter says it is a fallback adapter' };
  const fields = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  for (const [field, value] of Object.entries(fields)) {
    const m = SOFTWARE.exec(value);
    if (m) return { kind: 'software', name, why: `"${m[0]}" in ${field}` };
  }
  for (const [field, value] of Object.entries(fields)) {
    const m = HARDWARE.exec(value);
    if (m) return { kind: 'hardware', name, why: `"${m[0]}" in ${field}` };
  }
  return { kind: 'unknown', name, why: 'no known GPU vendor in the adapter info' };
}

/**
 * Classifies a GL context from its native GL_RENDERER (and GL_VENDOR) strings. headless-gl's own
 * `getParameter(RENDERER)` answers "ANGLE" whatever runs underneath: pass the native string
 * (see `nativeGlStrings` in backend.ts), or "ANGLE" is classed unknown, never hardware.
 */
export function classifyGlRenderer(renderer: string, vendor = ''): DeviceClass {
  const name = vendor && !renderer.toLowerCase().includes(vendor.toLowerCase()) ? `${renderer} (${vendor})` : renderer;
  const software = SOFTWARE.exec(renderer) ?? SOFTWARE.exec(vendor);
  if (software) return { kind: 'software', name, why: `"${software[0]}" in the GL renderer` };
  if (/^\s*(angle|webkit webgl)?\s*$/i.test(renderer)) return { kind: 'unknown', name: name || '(empty)', why: 'the renderer string names no device' };
  const hardware = HARDWARE.exec(renderer) ?? HARDWARE.exec(vendor);
  if (hardware) return { kind: 'hardware', name, why: `"${hardware[0]}" in the GL renderer` };
  return { kind: 'unknown', name, why: 'no known GPU vendor in the GL renderer' };
}

/** "device (vendor architecture; description)", leaving out what is empty. */
export function webGpuAdapterName(info: WebGpuAdapterInfo): string {
  const maker = [info.vendor, info.architecture].filter((s) => s !== '').join(' ');
  const detail = [maker, info.description].filter((s) => s !== '').join('; ');
  const head = info.device !== '' ? info.device : '(unnamed adapter)';
  return detail ? `${head} (${detail})` : head;
}
