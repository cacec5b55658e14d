// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const elasticTransform = defineCorruption<number>({
  name: 'elastic_transform',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('elastic_transform: not implemented yet'); },
});
