// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const speckleNoise = defineCorruption<number>({
  name: 'speckle_noise',
  family: 'noise',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('speckle_noise: not implemented yet'); },
});
