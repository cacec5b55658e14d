// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const zoomBlur = defineCorruption<number>({
  name: 'zoom_blur',
  family: 'blur',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('zoom_blur: not implemented yet'); },
});
