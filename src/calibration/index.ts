export { goldenSectionMinimize, type Minimum } from './golden-section.js';
export { fitTemperature, temperatureNll, type TemperatureFit, type TemperatureFitOptions } from './temperature-scaling.js';
