// train/: the training loop over the layer stack.
export { Model, sequential } from './model.js';
export type { CompileOptions, FitOptions, History } from './model.js';
export { MetricState, metricName, METRICS } from './metrics.js';
export type { MetricName } from './metrics.js';
