// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const motionBlur = defineCorruption<number>({
  name: 'motion_blur',
  family: 'blur',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('motion_blur: not implemented yet'); },
});
