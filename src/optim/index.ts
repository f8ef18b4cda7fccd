// optim/: optimizers and gradient clipping.
export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, sgd, adam, adamw, rmsprop, adagrad, getOptimizer, OPTIMIZERS } from './optimizers.js';
export type { OptimizerName, OptimizerConfig, OptimizerLike, SgdOptions, AdamOptions, RmspropOptions, AdagradOptions } from './optimizers.js';
export { clipByGlobalNorm, clipByValue } from './clip.js';
export { getSchedule, sgdrPosition, SCHEDULES } from './schedules.js';
export type { Schedule, ScheduleConfig, ScheduleLike, ScheduleName } from './schedules.js';
