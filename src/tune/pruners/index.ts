// tune/pruners/: who stops bad trials early.

export { AshaPruner, HyperbandPruner } from './asha.js';
export { MedianPruner } from './median.js';
export type { Pruner } from './pruner.js';
export { bestUpTo } from './pruner.js';
