// What the fit loop (model.ts) shares with the code it calls: the callbacks' hooks, the progress
// display, the start-of-fit warnings and the model writer. It lives below all of them, so model.ts
// imports those files and none of them needs to import model.ts (arrows point one way).
import type { Loss, Stack } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import type { MetricName } from './metrics.js';

/** Values by name for one epoch or one batch: loss, val_loss, the metrics, lr (size for a batch). */
export type Logs = Record<string, number>;

/**
 * The hooks fit calls on each of its callbacks, in this order: setModel, onTrainBegin, then per epoch
 * onEpochBegin, onBatchEnd after every batch and onEpochEnd, and last onTrainEnd. Every hook may be
 * async; fit awaits it. `Callback` implements it for a `Model` and is the class to extend.
 */
export interface FitCallback<M = unknown> {
  setModel(model: M): void;
  onTrainBegin(logs?: Logs): void | Promise<void>;
  onTrainEnd(logs?: Logs): void | Promise<void>;
  onEpochBegin(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd(epoch: number, logs: Logs): void | Promise<void>;
  onBatchEnd(batch: number, logs: Logs): void | Promise<void>;
  /**
   * Floats of engine memory the callback takes during a fit of `model` (a copy of its weights), counted by fit's
   * memory check before the first step (Model.stepBytes); none when absent.
   */
  engineFloats?(model: M): number;
}

/** A layer stack with its compile settings: what the fit warnings and the model writer read of a `Model`. */
export interface CompiledStack extends Stack {
  optimizer?: Optimizer;
  /** The learning rate a schedule starts from (the compiled one, or the last set by a callback). */
  baseLearningRate?: number;
  loss?: Loss;
  clipnorm?: number;
  clipvalue?: number;
  metrics: MetricName[];
}
