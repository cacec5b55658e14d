/**
 * The corruptions' public face: the contract every corruption implements
 * (corruption.ts) and the list of them (registry.ts). The contract does not
 * import the list, so a corruption's file, the contract and the list form no
 * cycle; code outside this folder imports from here.
 */
export * from './corruption.js';
export { CORRUPTIONS, CORRUPTION_NAMES, getCorruption, isCorruptionName, type CorruptionName } from './registry.js';
