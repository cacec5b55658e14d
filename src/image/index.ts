export * from './rgb-image.js';
export * from './io.js';
export * from './dimensions.js';
