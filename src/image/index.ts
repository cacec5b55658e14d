export * from './rgb-image.js';
export * from './io.js';
export { deflateScanlines } from './png-deflate.js';
export * from './dimensions.js';
