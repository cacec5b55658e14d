// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const spatter = defineCorruption<number>({
  name: 'spatter',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('spatter: not implemented yet'); },
});
