/**
 * Backend choice's "is this a GPU?" on the strings drivers really report, without a GPU.
 * Sources of the strings: "measured" = printed by `webgpu` 0.6.2 / Mesa 22.3.6 on this project's
 * Debian 12 machine; the others follow the formats Dawn (GPUAdapterInfo: vendor and architecture
 * names, the adapter's device name, "<driverName>: <driverInfo>" as description), Chrome's WebGL
 * UNMASKED_RENDERER and Mesa/NVIDIA GL_RENDERER use, and are written both normalised
 * ("nvidia-h200") and raw ("NVIDIA H200") where an implementation may give either.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyGlRenderer, classifyWebGpuAdapter, webGpuAdapterName, type WebGpuAdapterInfo } from '../src/gpu/device-class.js';
import { describeChoice, shouldProbeGl, shouldProbeWebGpu } from '../src/gpu/backend.js';
import { loaderReason, webGpuRequest } from '../src/gpu/webgpu.js';

const info = (vendor: string, architecture: string, device: string, description: string, isFallbackAdapter = false): WebGpuAdapterInfo =>
  ({ vendor, architecture, device, description, isFallbackAdapter });

const WEBGPU: readonly [string, WebGpuAdapterInfo, 'hardware' | 'software' | 'unknown'][] = [
  ['NVIDIA H200, Vulkan, normalised name', info('nvidia', 'hopper', 'nvidia-h200', 'NVIDIA: 560.35.03 560.35.3.0'), 'hardware'],
  ['NVIDIA A100, Vulkan, raw name, no architecture', info('nvidia', '', 'NVIDIA A100-SXM4-80GB', 'NVIDIA: 535.183.01'), 'hardware'],
  ['NVIDIA by PCI id only', info('0x10de', '', '', ''), 'hardware'],
  ['AMD RDNA2, Vulkan (RADV)', info('amd', 'rdna-2', 'AMD Radeon RX 6800 XT (RADV NAVI21)', 'radv: Mesa 22.3.6'), 'hardware'],
  ['Intel UHD 630, Vulkan (ANV)', info('intel', 'gen-9', 'Intel(R) UHD Graphics 630 (CFL GT2)', 'Intel open-source Mesa driver: Mesa 22.3.6'), 'hardware'],
  ['Apple M1 Max, Metal', info('apple', 'metal-3', 'apple-m1-max', ''), 'hardware'],
  ['measured: Dawn OpenGL ES compat adapter over llvmpipe (not flagged fallback)',
    info('', '', 'llvmpipe-llvm-15-0-6-256-bits-', 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6'), 'software'],
  ['measured: Dawn null backend', info('', '', 'null-backend', ''), 'software'],
  ['lavapipe, Vulkan (Mesa vendor)', info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'llvmpipe: Mesa 22.3.6 (LLVM 15.0.6)'), 'software'],
  ['SwiftShader, Vulkan, flagged fallback', info('google', 'swiftshader', 'swiftshader-device-subzero', 'Google SwiftShader driver', true), 'software'],
  ['SwiftShader, not flagged', info('google', 'swiftshader', 'SwiftShader Device (Subzero)', 'Google SwiftShader driver'), 'software'],
  ['Microsoft Basic Render Driver (WARP), D3D12', info('microsoft', '', 'microsoft-basic-render-driver', 'Microsoft Basic Render Driver'), 'software'],
  ['an NVIDIA adapter the implementation itself calls a fallback', info('nvidia', 'ampere', 'nvidia-a10', 'NVIDIA: 550.54', true), 'software'],
  ['a browser that masks everything', info('', '', '', ''), 'unknown'],
  ['a vendor we do not know', info('acme', '', 'acme-npu-1', 'Acme driver 1.0'), 'unknown'],
];

for (const [what, adapter, kind] of WEBGPU) {
  test(`webgpu adapter: ${what} → ${kind}`, () => {
    const cls = classifyWebGpuAdapter(adapter);
    assert.is(cls.kind, kind, `${cls.kind} (${cls.why})`);
    if (adapter.device) assert.ok(cls.name.includes(adapter.device), `the name ${cls.name} carries the device`);
  });
}

const GL: readonly [string, string, string, 'hardware' | 'software' | 'unknown'][] = [
  ['measured: headless-gl 8 (native GL_RENDERER) under Xvfb, Mesa 22.3.6', 'ANGLE (Mesa/X.org llvmpipe (LLVM 15.0.6, 256 bits) OpenGL 4.5 core)', 'Google Inc.', 'software'],
  ['headless-gl 8 (native, same format) on the NVIDIA driver\'s GLX', 'ANGLE (NVIDIA Corporation NVIDIA H200/PCIe/SSE2 OpenGL 4.5.0 NVIDIA 580.159.03)', 'Google Inc.', 'hardware'],
  ['Mesa llvmpipe, plain GL', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa', 'software'],
  ['Mesa softpipe', 'softpipe', 'Mesa', 'software'],
  ['SwiftShader GL', 'Google SwiftShader', 'Google Inc.', 'software'],
  ['ANGLE over SwiftShader (Chrome, unmasked)', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'Google Inc. (Google)', 'software'],
  ['WSL/D3D12 over WARP', 'D3D12 (Microsoft Basic Render Driver)', 'Microsoft Corporation', 'software'],
  ['headless-gl\'s masked JS answer', 'ANGLE', '', 'unknown'],
  ['an empty renderer', '', '', 'unknown'],
  ['NVIDIA proprietary GL', 'NVIDIA H200/PCIe/SSE2', 'NVIDIA Corporation', 'hardware'],
  ['ANGLE over an NVIDIA GPU (Chrome, unmasked)', 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)', 'Google Inc. (NVIDIA)', 'hardware'],
  ['radeonsi: "LLVM" in a hardware renderer', 'AMD Radeon RX 6800 XT (navi21, LLVM 15.0.6, DRM 3.49, 6.1.0-18-amd64)', 'AMD', 'hardware'],
  ['Mesa iris', 'Mesa Intel(R) UHD Graphics 630 (CFL GT2)', 'Intel', 'hardware'],
  ['virgl (a paravirtual GPU we cannot place)', 'virgl', 'Mesa/X.org', 'unknown'],
];

for (const [what, renderer, vendor, kind] of GL) {
  test(`GL renderer: ${what} → ${kind}`, () => {
    const cls = classifyGlRenderer(renderer, vendor);
    assert.is(cls.kind, kind, `${cls.kind} (${cls.why})`);
  });
}

test('the adapter name carries device, vendor, architecture and driver, without empty parts', () => {
  assert.is(webGpuAdapterName(info('nvidia', 'hopper', 'nvidia-h200', 'NVIDIA: 560.35.03')), 'nvidia-h200 (nvidia hopper; NVIDIA: 560.35.03)');
  assert.is(webGpuAdapterName(info('', '', 'llvmpipe-llvm-15-0-6-256-bits-', '')), 'llvmpipe-llvm-15-0-6-256-bits-');
  assert.is(webGpuAdapterName(info('', '', '', '')), '(unnamed adapter)');
});

test('the log line names the device', () => {
  const line = describeChoice({ backend: 'webgpu', reason: 'a hardware WebGPU adapter ("nvidia" in vendor)', device: 'nvidia-h200 (nvidia hopper; NVIDIA: 560.35.03)', deviceKind: 'hardware' });
  assert.match(line, /^gpu\.js backend: webgpu on nvidia-h200 \(nvidia hopper; NVIDIA: 560\.35\.03\) \(a hardware WebGPU adapter/);
  assert.is(describeChoice({ backend: 'cpu', reason: 'requested' }), 'gpu.js backend: cpu (requested)');
});

test('FER_C_WEBGPU picks the adapter request; anything else is refused by name', () => {
  assert.equal(webGpuRequest({}).flags, []);
  assert.is(webGpuRequest({}).options.powerPreference, 'high-performance');
  const compat = webGpuRequest({ FER_C_WEBGPU: 'compat' });
  assert.equal(compat.flags, ['backend=opengles']);
  assert.is(compat.options.featureLevel, 'compatibility');
  assert.throws(() => webGpuRequest({ FER_C_WEBGPU: 'vulkan' }), /FER_C_WEBGPU=vulkan: expected "default" or "compat"/);
});

test('a Dawn binary built against a newer C++ runtime is reported by the symbol version it lacks', () => {
  // the loader's message for webgpu 0.2.9 (gpu.js's pin) on Debian 12
  const message = "/work/node_modules/webgpu/dist/linux-x64/dawn.node: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /work/node_modules/webgpu/dist/linux-x64/dawn.node)";
  assert.is(loaderReason(message), "its Dawn binary needs GLIBCXX_3.4.32, which this system's C/C++ runtime lacks");
  assert.is(loaderReason('Cannot find package \'webgpu\'\nstack'), "Cannot find package 'webgpu'");
});

test('auto looks for a WebGPU adapter only where a GPU could be; a device node is a reason to look, not a GPU', () => {
  assert.is(shouldProbeWebGpu('linux', {}, []).probe, false);
  assert.match(shouldProbeWebGpu('linux', {}, []).why, /no GPU device node/);
  assert.equal(shouldProbeWebGpu('linux', {}, ['/dev/nvidia0']), { probe: true, why: '/dev/nvidia0' });
  assert.is(shouldProbeWebGpu('linux', {}, ['/dev/dri/renderD128']).probe, true);
  assert.is(shouldProbeWebGpu('linux', { FER_C_WEBGPU: 'compat' }, []).probe, true);
  assert.is(shouldProbeWebGpu('darwin', {}, []).probe, true);
});

test('auto tries headless-gl on Linux only with an X display (its only path there is GLX)', () => {
  assert.is(shouldProbeGl('linux', {}).probe, false);
  assert.match(shouldProbeGl('linux', {}).why, /DISPLAY unset/);
  assert.equal(shouldProbeGl('linux', { DISPLAY: ':99' }), { probe: true, why: 'DISPLAY=:99' });
  assert.is(shouldProbeGl('darwin', {}).probe, true);
  assert.is(shouldProbeGl('win32', {}).probe, true);
});

test.run();
