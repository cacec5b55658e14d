// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const pixelate = defineCorruption<number>({
  name: 'pixelate',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('pixelate: not implemented yet'); },
});
