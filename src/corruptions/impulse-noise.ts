// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const impulseNoise = defineCorruption<number>({
  name: 'impulse_noise',
  family: 'noise',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('impulse_noise: not implemented yet'); },
});
