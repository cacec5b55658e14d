// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const defocusBlur = defineCorruption<number>({
  name: 'defocus_blur',
  family: 'blur',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('defocus_blur: not implemented yet'); },
});
