// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const contrast = defineCorruption<number>({
  name: 'contrast',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('contrast: not implemented yet'); },
});
