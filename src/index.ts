export * from './image/index.js';
export { Rng } from './random/rng.js';
export * from './gpu/backend.js';
export { KernelHost, type KernelSpec, type KernelArg } from './gpu/kernel-host.js';
export * from './corruptions/corruption.js';
export { CORRUPTIONS, getCorruption, isCorruptionName } from './corruptions/registry.js';
export * from './corruptions/engine.js';
