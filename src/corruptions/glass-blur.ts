// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const glassBlur = defineCorruption<number>({
  name: 'glass_blur',
  family: 'blur',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('glass_blur: not implemented yet'); },
});
