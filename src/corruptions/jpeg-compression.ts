// PLACEHOLDER: replaced by the real implementation.
import { defineCorruption } from './corruption.js';

export const jpegCompression = defineCorruption<number>({
  name: 'jpeg_compression',
  family: 'digital',
  severities: [1, 2, 3, 4, 5],
  async apply() { throw new Error('jpeg_compression: not implemented yet'); },
});
