// optim/: optimizers, schedules and gradient clipping, and their registries.

export { clipByGlobalNorm, clipByValue } from './clip.js';
export type {
  AdagradOptions,
  AdamOptions,
  OptimizerConfig,
  OptimizerEntry,
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
  optimizerRegistry,
  RMSprop,
  rmsprop,
  SGD,
  sgd,
} from './optimizers.js';
export type { Schedule, ScheduleConfig, ScheduleLike, ScheduleName } from './schedules.js';
export { getSchedule, SCHEDULES, scheduleOption, scheduleRegistry, sgdrPosition } from './schedules.js';
