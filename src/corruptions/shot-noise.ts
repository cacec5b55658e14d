// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const shotNoise = defineCorruption<number>({
  name: 'shot_noise',
  family: 'noise',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('shot_noise: not implemented yet'); },
});
