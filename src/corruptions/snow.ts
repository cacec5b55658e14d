// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const snow = defineCorruption<number>({
  name: 'snow',
  family: 'weather',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('snow: not implemented yet'); },
});
