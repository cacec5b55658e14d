// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const brightness = defineCorruption<number>({
  name: 'brightness',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('brightness: not implemented yet'); },
});
