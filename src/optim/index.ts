// optim/: optimizers and gradient clipping.

export { clipByGlobalNorm, clipByValue } from './clip.js';
export type {
  AdagradOptions,
  AdamOptions,
  OptimizerConfig,
  OptimizerLike,
  OptimizerName,
  RmspropOptions,
  SgdOptions,
} from './optimizers.js';
export {
  Adagrad,
  Adam,
  AdamW,
  adagrad,
  adam,
  adamw,
  getOptimizer,
  OPTIMIZERS,
  Optimizer,
  RMSprop,
  rmsprop,
  SGD,
  sgd,
} from './optimizers.js';
export type { Schedule, ScheduleConfig, ScheduleLike, ScheduleName } from './schedules.js';
export { getSchedule, SCHEDULES, sgdrPosition } from './schedules.js';
