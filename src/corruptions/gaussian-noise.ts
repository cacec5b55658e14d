// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const gaussianNoise = defineCorruption<number>({
  name: 'gaussian_noise',
  family: 'noise',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('gaussian_noise: not implemented yet'); },
});
