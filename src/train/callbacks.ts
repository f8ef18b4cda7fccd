// Callbacks with Keras' hooks. Every hook may be async; fit awaits it. A callback stops training by
// setting model.stopTraining (and may say why in model.stopReason).

import { z } from 'zod';
import { type Buf, blockFloats } from '../engine/index.js';
import { expected, ValueError } from '../errors.js';
import {
  bool,
  camelKeys,
  type Entry,
  e,
  nonNeg,
  nonNegInt,
  num,
  oneOf,
  optionsObject,
  Registry,
  withDefault,
} from '../registry.js';
import type { Model } from './model.js';
import type { FitCallback, Logs } from './types.js';

/** The base of every callback: override the hooks you need; `this.model` is the model being fitted. */
export abstract class Callback implements FitCallback<Model> {
  model!: Model;
  setModel(model: Model): void {
    this.model = model;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Floats of engine memory the callback takes during a fit (fit's memory check counts them); none unless said. */
  engineFloats(_model: Model): number {
    return 0;
  }
}

type Mode = 'min' | 'max' | 'auto';
const modeOf = (mode: Mode, monitor: string): 'min' | 'max' =>
  mode !== 'auto' ? mode : /acc|r2/.test(monitor) ? 'max' : 'min';

/** Copy of the model's weights (trainable and moving statistics) in engine memory, made once and reused. */
class WeightSnapshot {
  /** The floats of engine memory a copy of the model's weights takes (its two blocks). */
  static floats(model: Model): number {
    return blockFloats(model.params.length) + blockFloats(model.state.length);
  }
  private bufs?: [Buf, Buf];
  save(model: Model): void {
    this.bufs ??= [model.engine.alloc(model.params.length), model.engine.alloc(model.state.length)];
    model.engine.view(this.bufs[0]).set(model.engine.view(model.params));
    model.engine.view(this.bufs[1]).set(model.engine.view(model.state));
  }
  restore(model: Model): boolean {
    if (!this.bufs) return false;
    model.engine.view(model.params).set(model.engine.view(this.bufs[0]));
    model.engine.view(model.state).set(model.engine.view(this.bufs[1]));
    return true;
  }
  release(model: Model): void {
    if (this.bufs) for (const b of this.bufs) model.engine.release(b);
    this.bufs = undefined;
  }
}

export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  /** A value the monitored quantity must improve on; null or undefined: none (Keras' None). */
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/**
 * Stops when `monitor` has not improved by more than minDelta for `patience` epochs (Keras 3 semantics). With a
 * baseline, the patience counts the epochs since one last beat both the best so far and the baseline (an epoch
 * that beats only the best is still the best epoch). With restoreBestWeights the best epoch's weights are put back
 * at the end of training whether it stopped early or not (as Keras 3; Keras 2 restored them only when it stopped
 * early): the weights a run keeps are those of the epoch it reports.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  private readonly mode: Mode;
  private readonly baseline?: number;
  private best = Infinity;
  private wait = 0;
  private sign = 1;
  bestEpoch = -1;
  stoppedEpoch = -1;
  private lastEpoch = -1;
  private snapshot = new WeightSnapshot();

  constructor(o: EarlyStoppingOptions = {}) {
    super();
    this.monitor = o.monitor ?? 'val_loss';
    this.minDelta = Math.abs(o.minDelta ?? 0);
    this.patience = o.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new ValueError(expected('EarlyStopping.patience', 'a non-negative integer', o.patience));
    this.mode = o.mode ?? 'auto';
    if (!['min', 'max', 'auto'].includes(this.mode))
      throw new ValueError(expected('EarlyStopping.mode', 'min, max or auto', o.mode));
    this.baseline = o.baseline ?? undefined;
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = o.startFromEpoch ?? 0;
  }

  /** The best epoch's weights with restoreBestWeights (a copy in engine memory), else none. */
  override engineFloats(model: Model): number {
    return this.restoreBestWeights ? WeightSnapshot.floats(model) : 0;
  }

  override onTrainBegin(): void {
    this.sign = modeOf(this.mode, this.monitor) === 'min' ? 1 : -1;
    this.best = Infinity;
    this.wait = 0;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.lastEpoch = -1;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const v = logs[this.monitor];
    if (v === undefined)
      throw new ValueError(
        `EarlyStopping: monitor "${this.monitor}" is not in the logs (${Object.keys(logs).join(', ')})`,
      );
    this.lastEpoch = epoch;
    if (epoch < this.startFromEpoch) return;
    const s = this.sign * v;
    this.wait++;
    if (this.improves(s, this.best)) {
      this.best = s;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.snapshot.save(this.model);
      // as Keras: the wait starts again only at a value that beats the baseline as well
      if (this.baseline === undefined || this.improves(s, this.sign * this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      // no epoch beat the start (+-Infinity): each value was NaN or that infinity, and there is no best to name
      if (this.bestEpoch < 0) {
        this.model.stopReason =
          `early stopping: ${this.monitor} was NaN or ${this.sign * Infinity} in all ${this.wait} epochs ` +
          'it watched (no best epoch)';
        return;
      }
      const unbeaten = this.baseline !== undefined && !this.improves(this.best, this.sign * this.baseline);
      const missed = unbeaten ? `did not beat the baseline ${this.baseline} in` : 'did not improve for';
      this.model.stopReason =
        `early stopping: ${this.monitor} ${missed} ${this.wait} epochs ` +
        `(best ${(this.sign * this.best).toPrecision(5)} at epoch ${this.bestEpoch + 1})`;
    }
  }

  /** Whether the signed value s beats the signed reference by more than minDelta. */
  private improves(s: number, reference: number): boolean {
    return s < reference - this.minDelta;
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestEpoch !== this.lastEpoch && this.snapshot.restore(this.model)) {
      const best = `${this.monitor} ${(this.sign * this.best).toPrecision(5)}`;
      restored(this.model, `restored the weights of epoch ${this.bestEpoch + 1} (best ${best})`);
    }
    this.snapshot.release(this.model);
  }
}

/** Adds what a callback did at the end of training to the model's stop reason. */
function restored(model: Model, note: string): void {
  model.stopReason = model.stopReason ? `${model.stopReason}; ${note}` : note;
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  factor?: number;
  patience?: number;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  mode?: Mode;
}

/**
 * Multiplies the learning rate by `factor` when `monitor` stalls for `patience` epochs, never below `minLr`. Under a
 * fit schedule the reductions scale each epoch's scheduled rate (their product, applied as the epoch begins), and
 * min_lr is their floor there too: an epoch's rate is the scheduled one times the reductions, or the lower of the
 * scheduled rate and min_lr where that is more (the schedule's own decay may go below min_lr; its eta_min is its
 * floor). Scaling the schedule's base rate instead let a step decay take a reduced rate below min_lr, and under a
 * cosine with eta_min the rate climbed back toward eta_min after a reduction.
 */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly mode: Mode;
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;
  private sign = 1;
  /** The reductions so far, as the factor on a fit schedule's rates. */
  private scale = 1;

  constructor(o: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = o.monitor ?? 'val_loss';
    this.factor = o.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1))
      throw new ValueError(expected('ReduceLROnPlateau.factor', 'a number in (0, 1)', o.factor));
    this.patience = o.patience ?? 10;
    this.minDelta = o.minDelta ?? 1e-4;
    this.cooldown = o.cooldown ?? 0;
    this.minLr = o.minLr ?? 0;
    this.mode = o.mode ?? 'auto';
  }
  override onTrainBegin(): void {
    this.sign = modeOf(this.mode, this.monitor) === 'min' ? 1 : -1;
    this.best = Infinity;
    this.wait = 0;
    this.cooldownLeft = 0;
    this.scale = 1;
  }
  /** Under a schedule: the epoch's scheduled rate (set as the epoch began) times the reductions, floored at min_lr. */
  override onEpochBegin(): void {
    const opt = this.model.optimizer!;
    if (this.model.scheduled && this.scale < 1)
      opt.learningRate = Math.max(opt.learningRate * this.scale, Math.min(opt.learningRate, this.minLr));
  }
  override onEpochEnd(_epoch: number, logs: Logs): void {
    const v = logs[this.monitor];
    if (v === undefined)
      throw new ValueError(
        `ReduceLROnPlateau: monitor "${this.monitor}" is not in the logs (${Object.keys(logs).join(', ')})`,
      );
    if (this.cooldownLeft > 0) this.cooldownLeft--;
    const s = this.sign * v;
    if (s < this.best - this.minDelta) {
      this.best = s;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    if (++this.wait >= this.patience) {
      const m = this.model,
        opt = m.optimizer!;
      const next = Math.max(opt.learningRate * this.factor, this.minLr);
      if (next < opt.learningRate) {
        this.scale *= next / opt.learningRate;
        opt.learningRate = next;
      }
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }
}

/** Sets the learning rate at the start of every epoch from a pure function of (epoch, current rate). */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model.optimizer!;
    const lr = this.schedule(epoch, opt.learningRate);
    if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr)))
      throw new ValueError(expected(`LearningRateScheduler(epoch ${epoch})`, 'a positive learning rate', lr));
    opt.learningRate = lr;
    this.model.baseLearningRate = lr;
  }
}

/**
 * Stops as soon as a batch loss is NaN or infinite (or the weights stop being finite), marks the run diverged,
 * and puts back the last finite weights.
 */
export class TerminateOnNaN extends Callback {
  private snapshot = new WeightSnapshot();
  /** The last finite weights (a copy in engine memory). */
  override engineFloats(model: Model): number {
    return WeightSnapshot.floats(model);
  }
  override onTrainBegin(): void {
    this.snapshot.save(this.model);
  }
  override onBatchEnd(batch: number, logs: Logs): void {
    const m = this.model;
    if (Number.isFinite(logs.loss) && m.ops.allFinite(m.params)) {
      this.snapshot.save(m);
      return;
    }
    this.snapshot.restore(m);
    m.stopTraining = true;
    m.diverged = true;
    m.stopReason = `terminated on NaN: batch ${batch + 1} gave loss ${logs.loss}; the last finite weights were kept`;
  }
  override onTrainEnd(): void {
    this.snapshot.release(this.model);
  }
}

export interface ModelCheckpointOptions {
  monitor?: string;
  mode?: Mode;
  saveBestOnly?: boolean;
}

/** Saves the model to `dir` at the end of each epoch, or only when `monitor` improves (saveBestOnly, the default). */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  private readonly mode: Mode;
  private best = Infinity;
  private sign = 1;
  bestEpoch = -1;
  constructor(
    readonly dir: string,
    o: ModelCheckpointOptions = {},
  ) {
    super();
    this.monitor = o.monitor ?? 'val_loss';
    this.mode = o.mode ?? 'auto';
    this.saveBestOnly = o.saveBestOnly ?? true;
  }
  override onTrainBegin(): void {
    this.sign = modeOf(this.mode, this.monitor) === 'min' ? 1 : -1;
    this.best = Infinity;
    this.bestEpoch = -1;
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const v = logs[this.monitor];
    if (v === undefined)
      throw new ValueError(
        `ModelCheckpoint: monitor "${this.monitor}" is not in the logs (${Object.keys(logs).join(', ')})`,
      );
    if (this.saveBestOnly && !(this.sign * v < this.best)) return;
    this.best = this.sign * v;
    this.bestEpoch = epoch;
    await this.model.save(this.dir);
  }
}

/** Collects per-batch losses (the finer curve some diagnoses want). */
export class BatchLogger extends Callback {
  readonly losses: number[] = [];
  override onBatchEnd(_b: number, logs: Logs): void {
    this.losses.push(logs.loss!);
  }
}

/** A callback a config file can name (`train.callbacks`). */
export interface CallbackEntry<S extends z.ZodObject = z.ZodObject> extends Entry {
  readonly className: string;
  readonly options: S;
  readonly doc: string;
  build(options: z.output<S>): Callback;
}
const entry = <S extends z.ZodObject>(x: CallbackEntry<S>): CallbackEntry<S> => x;
/** The options of a callback that watches a metric, with its defaults (the constructors': Keras'). */
const watch = (patience: number, minDelta: number) => ({
  monitor: withDefault(z.string(e('a key of the logs, such as val_loss')).optional(), 'val_loss'),
  mode: withDefault(oneOf(['min', 'max', 'auto']).optional(), 'auto'),
  patience: withDefault(nonNegInt().optional(), patience),
  min_delta: withDefault(nonNeg().optional(), minDelta),
});
const fraction = 'a number in (0, 1)';

export const callbackRegistry = new Registry<CallbackEntry>(
  {
    kind: 'callback',
    title: 'callbacks',
    note:
      'in TypeScript also `LearningRateScheduler((epoch, lr) => lr)`, `ModelCheckpoint` (best only) ' +
      'and a progress bar on a terminal',
  },
  [
    entry({
      name: 'early_stopping',
      className: 'EarlyStopping',
      doc:
        "monitor, min_delta, patience, mode, baseline, restore_best_weights (the best epoch's weights at the end, " +
        'stopped early or not), start_from_epoch',
      options: optionsObject({
        ...watch(0, 0),
        baseline: withDefault(num().nullable().optional(), null), // null: Keras' None
        restore_best_weights: withDefault(bool().optional(), false),
        start_from_epoch: withDefault(nonNegInt().optional(), 0),
      }),
      build: (o) => new EarlyStopping(camelKeys(o)),
    }),
    entry({
      name: 'reduce_lr_on_plateau',
      className: 'ReduceLROnPlateau',
      doc:
        'factor, patience, cooldown, min_lr (the floor of its reductions); with train.schedule, the scheduled rate ' +
        'times factor from then on, not below min_lr (the schedule alone may go lower)',
      options: optionsObject({
        ...watch(10, 1e-4),
        factor: withDefault(z.number(e(fraction)).gt(0, e(fraction)).lt(1, e(fraction)).optional(), 0.1),
        cooldown: withDefault(nonNegInt().optional(), 0),
        min_lr: withDefault(nonNeg().optional(), 0),
      }),
      build: (o) => new ReduceLROnPlateau(camelKeys(o)),
    }),
    entry({
      name: 'terminate_on_nan',
      className: 'TerminateOnNaN',
      doc: 'marks the run diverged, keeps the last finite weights',
      options: optionsObject({}),
      build: () => new TerminateOnNaN(),
    }),
  ],
);
