// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const gaussianBlur = defineCorruption<number>({
  name: 'gaussian_blur',
  family: 'blur',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('gaussian_blur: not implemented yet'); },
});
