// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const saturate = defineCorruption<number>({
  name: 'saturate',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('saturate: not implemented yet'); },
});
