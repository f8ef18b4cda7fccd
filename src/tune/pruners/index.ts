// tune/pruners/: who stops bad trials early.
export type { Pruner } from './pruner.js';
export { bestUpTo } from './pruner.js';
export { MedianPruner } from './median.js';
export { AshaPruner, HyperbandPruner } from './asha.js';
