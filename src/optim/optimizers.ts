// Optimizers with PyTorch's update rules (see src/engine/assembly/optim.ts for the formulas),
// stepping the model's whole flat parameter vector in one kernel call. A registry: a name, a saved
// { className, config } or a config file's { adam: { learning_rate: 0.001 } } resolves to an
// optimizer, and getConfig writes it back.

import { z } from 'zod';
import { type Buf, blockFloats, type ElementwiseCall, type Ops, runElementwise } from '../engine/index.js';
import { expected, ValueError } from '../errors.js';
import {
  type Bookkeeping,
  bool,
  camelKeys,
  type Entry,
  e,
  type NamedForm,
  type NamedOf,
  optionsObject,
  posNum,
  Registry,
  rate,
  refuseUnknownOptions,
  refuseUnused,
  spellAs,
  withDefault,
} from '../registry.js';

export interface SgdOptions {
  learningRate?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}
export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}
export interface RmspropOptions {
  learningRate?: number;
  rho?: number;
  epsilon?: number;
  momentum?: number;
  centered?: boolean;
  weightDecay?: number;
}
export interface AdagradOptions {
  learningRate?: number;
  epsilon?: number;
  lrDecay?: number;
  initialAccumulatorValue?: number;
  weightDecay?: number;
}

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export interface OptimizerConfig {
  className: OptimizerName;
  config: Record<string, number | boolean>;
}
/** A name, a saved `{ className, config }` (either key spelling), a config file's `{ adam: {...} }`, an instance. */
export type OptimizerLike = OptimizerName | OptimizerConfig | Optimizer | NamedOf<OptimizerName, NamedForm | null>;

/**
 * Every option's default, as a config file spells the option, and whose it is where Keras 3 and PyTorch differ: the
 * constructors take them from here and docs/config.md shows them (the option schemas' meta, optionDefaults). They
 * are mixed, each framework's where its own optimizer was followed (rmsprop Keras' rho, PyTorch's epsilon), and
 * kept so: a changed default changes every run that leaves the option out.
 */
const DEFAULTS = {
  sgd: {
    learning_rate: [0.01, "Keras'; PyTorch's SGD has none"],
    weight_decay: [0],
    momentum: [0],
    dampening: [0, "PyTorch's; Keras has no dampening"],
    nesterov: [false],
  },
  adam: {
    learning_rate: [0.001],
    weight_decay: [0],
    beta_1: [0.9],
    beta_2: [0.999],
    epsilon: [1e-8, "PyTorch's; Keras' 1e-7"],
  },
  adamw: {
    learning_rate: [0.001],
    weight_decay: [0.01, "PyTorch's; Keras' 0.004"],
    beta_1: [0.9],
    beta_2: [0.999],
    epsilon: [1e-8, "PyTorch's; Keras' 1e-7"],
  },
  rmsprop: {
    learning_rate: [0.001, "Keras'; PyTorch's 0.01"],
    weight_decay: [0],
    rho: [0.9, "Keras'; PyTorch's alpha 0.99"],
    epsilon: [1e-8, "PyTorch's; Keras' 1e-7"],
    momentum: [0],
    centered: [false],
  },
  adagrad: {
    learning_rate: [0.01, "PyTorch's; Keras' 0.001"],
    weight_decay: [0],
    epsilon: [1e-10, "PyTorch's; Keras' 1e-7"],
    lr_decay: [0, "PyTorch's; Keras has none"],
    initial_accumulator_value: [0, "PyTorch's; Keras' 0.1"],
  },
} as const satisfies Record<OptimizerName, Record<string, readonly [number | boolean, string?]>>;

export abstract class Optimizer {
  abstract readonly className: OptimizerName;
  /** Current learning rate; schedules and callbacks set it between steps. */
  learningRate: number;
  /** Steps taken. */
  iterations = 0;
  protected state: Buf[] = [];
  /**
   * L2 penalty (AdamW: decoupled decay). Without it a weight whose gradient is always zero never moves (its state
   * stays zero and every rule's update is zero), so a model may step only the weights a backward pass writes.
   */
  abstract readonly weightDecay: number;

  constructor(lr: number, defaultLr: number) {
    this.learningRate = lr ?? defaultLr;
    if (!(typeof this.learningRate === 'number' && this.learningRate > 0 && Number.isFinite(this.learningRate))) {
      throw new ValueError(expected('optimizer.learningRate', 'a positive number', lr));
    }
  }

  /** One update of params (n floats) from grads. */
  step(ops: Ops, params: Buf, grads: Buf): void {
    runElementwise(ops.engine, this.prepare(ops, params, grads));
  }

  /**
   * Counts the step and returns its kernel call without running it: the training threads run it in slices
   * (src/train/threads), with the same result as step.
   */
  prepare(ops: Ops, params: Buf, grads: Buf): ElementwiseCall {
    if (this.state.length === 0) this.state = this.makeState(ops, params.length);
    this.iterations++;
    return this.call(params, grads);
  }

  /**
   * Floats of the state its first step makes for `n` weights (its buffers of n floats each: Adam's two moments,
   * RMSprop's three, SGD's and Adagrad's one); 0 once made. What a fit counts before its first step (Model.stepBytes).
   */
  stateFloats(n: number): number {
    return this.state.length ? 0 : blockFloats(n) * this.slots;
  }

  /** Gives the optimizer's state buffers back to the engine (the next step starts fresh). */
  dispose(ops: Ops): void {
    for (const b of this.state) ops.engine.release(b);
    this.state = [];
  }

  /** Buffers of n floats (one float a weight each) its state holds. */
  protected abstract readonly slots: number;
  protected makeState(ops: Ops, n: number): Buf[] {
    return zeroState(ops, n, this.slots);
  }
  /** The update of this step (iterations already counted) as one element-wise kernel call. */
  protected abstract call(params: Buf, grads: Buf): ElementwiseCall;
  abstract getConfig(): OptimizerConfig;
}

const num = (key: string, v: number | undefined, def: number, lo = 0, hi = Infinity): number => {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x >= lo && x <= hi))
    throw new ValueError(expected(key, `a number in [${lo}, ${hi}]`, v));
  return x;
};
const zeroState = (ops: Ops, n: number, count: number, fill = 0): Buf[] =>
  Array.from({ length: count }, () => {
    const b = ops.engine.alloc(n, true);
    if (fill) ops.engine.view(b).fill(fill);
    return b;
  });

export class SGD extends Optimizer {
  readonly className = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(o: SgdOptions = {}) {
    const d = DEFAULTS.sgd;
    super(o.learningRate!, d.learning_rate[0]);
    this.momentum = num('sgd.momentum', o.momentum, d.momentum[0]);
    this.dampening = num('sgd.dampening', o.dampening, d.dampening[0], 0, 1);
    this.nesterov = o.nesterov ?? d.nesterov[0];
    this.weightDecay = num('sgd.weightDecay', o.weightDecay, d.weight_decay[0]);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0))
      throw new ValueError(
        'sgd.nesterov: expected momentum > 0 and dampening 0 beside it, ' +
          `received momentum ${this.momentum} and dampening ${this.dampening}`,
      );
  }
  protected readonly slots = 1;
  protected call(p: Buf, g: Buf): ElementwiseCall {
    return {
      kernel: 'sgd_step',
      ptrs: [p.ptr, g.ptr, this.state[0]!.ptr],
      n: p.length,
      scalars: [
        this.learningRate,
        this.momentum,
        this.dampening,
        +this.nesterov,
        this.weightDecay,
        +(this.iterations === 1),
      ],
    };
  }
  getConfig(): OptimizerConfig {
    return {
      className: 'sgd',
      config: {
        learningRate: this.learningRate,
        momentum: this.momentum,
        dampening: this.dampening,
        nesterov: this.nesterov,
        weightDecay: this.weightDecay,
      },
    };
  }
}

export class Adam extends Optimizer {
  readonly className: 'adam' | 'adamw' = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  protected decoupled = false;
  constructor(o: AdamOptions = {}, d: (typeof DEFAULTS)['adam' | 'adamw'] = DEFAULTS.adam) {
    super(o.learningRate!, d.learning_rate[0]);
    this.beta1 = num('adam.beta1', o.beta1, d.beta_1[0], 0, 0.999999);
    this.beta2 = num('adam.beta2', o.beta2, d.beta_2[0], 0, 0.999999);
    this.epsilon = num('adam.epsilon', o.epsilon, d.epsilon[0]);
    this.weightDecay = num('adam.weightDecay', o.weightDecay, d.weight_decay[0]);
  }
  protected readonly slots = 2;
  protected call(p: Buf, g: Buf): ElementwiseCall {
    const t = this.iterations;
    return {
      kernel: 'adam_step',
      ptrs: [p.ptr, g.ptr, this.state[0]!.ptr, this.state[1]!.ptr],
      n: p.length,
      scalars: [
        this.learningRate,
        this.beta1,
        this.beta2,
        this.epsilon,
        1 - this.beta1 ** t,
        1 - this.beta2 ** t,
        this.weightDecay,
        +this.decoupled,
      ],
    };
  }
  getConfig(): OptimizerConfig {
    return {
      className: this.className,
      config: {
        learningRate: this.learningRate,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        weightDecay: this.weightDecay,
      },
    };
  }
}

export class AdamW extends Adam {
  override readonly className = 'adamw';
  constructor(o: AdamOptions = {}) {
    super(o, DEFAULTS.adamw);
    this.decoupled = true;
  }
}

export class RMSprop extends Optimizer {
  readonly className = 'rmsprop';
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly weightDecay: number;
  constructor(o: RmspropOptions & { alpha?: number } = {}) {
    const d = DEFAULTS.rmsprop;
    super(o.learningRate!, d.learning_rate[0]);
    this.rho = num('rmsprop.rho', o.rho ?? o.alpha, d.rho[0], 0, 1);
    this.epsilon = num('rmsprop.epsilon', o.epsilon, d.epsilon[0]);
    this.momentum = num('rmsprop.momentum', o.momentum, d.momentum[0]);
    this.centered = o.centered ?? d.centered[0];
    this.weightDecay = num('rmsprop.weightDecay', o.weightDecay, d.weight_decay[0]);
  }
  protected readonly slots = 3;
  protected call(p: Buf, g: Buf): ElementwiseCall {
    const [sq, buf, ga] = this.state;
    return {
      kernel: 'rmsprop_step',
      ptrs: [p.ptr, g.ptr, sq!.ptr, buf!.ptr, ga!.ptr],
      n: p.length,
      scalars: [this.learningRate, this.rho, this.epsilon, this.momentum, +this.centered, this.weightDecay],
    };
  }
  getConfig(): OptimizerConfig {
    return {
      className: 'rmsprop',
      config: {
        learningRate: this.learningRate,
        rho: this.rho,
        epsilon: this.epsilon,
        momentum: this.momentum,
        centered: this.centered,
        weightDecay: this.weightDecay,
      },
    };
  }
}

export class Adagrad extends Optimizer {
  readonly className = 'adagrad';
  readonly epsilon: number;
  readonly lrDecay: number;
  readonly initialAccumulatorValue: number;
  readonly weightDecay: number;
  constructor(o: AdagradOptions = {}) {
    const d = DEFAULTS.adagrad;
    super(o.learningRate!, d.learning_rate[0]);
    this.epsilon = num('adagrad.epsilon', o.epsilon, d.epsilon[0]);
    this.lrDecay = num('adagrad.lrDecay', o.lrDecay, d.lr_decay[0]);
    this.initialAccumulatorValue = num(
      'adagrad.initialAccumulatorValue',
      o.initialAccumulatorValue,
      d.initial_accumulator_value[0],
    );
    this.weightDecay = num('adagrad.weightDecay', o.weightDecay, d.weight_decay[0]);
  }
  protected readonly slots = 1;
  protected override makeState(ops: Ops, n: number): Buf[] {
    return zeroState(ops, n, this.slots, this.initialAccumulatorValue);
  }
  protected call(p: Buf, g: Buf): ElementwiseCall {
    const clr = this.learningRate / (1 + (this.iterations - 1) * this.lrDecay);
    return {
      kernel: 'adagrad_step',
      ptrs: [p.ptr, g.ptr, this.state[0]!.ptr],
      n: p.length,
      scalars: [clr, this.epsilon, this.weightDecay],
    };
  }
  getConfig(): OptimizerConfig {
    return {
      className: 'adagrad',
      config: {
        learningRate: this.learningRate,
        epsilon: this.epsilon,
        lrDecay: this.lrDecay,
        initialAccumulatorValue: this.initialAccumulatorValue,
        weightDecay: this.weightDecay,
      },
    };
  }
}

/**
 * @example
 * import { sgd } from 'seqtune';
 * sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true })
 */
export const sgd = (o?: SgdOptions): SGD => new SGD(o);
/**
 * @example
 * import { adam } from 'seqtune';
 * adam({ learningRate: 1e-3 })
 */
export const adam = (o?: AdamOptions): Adam => new Adam(o);
export const adamw = (o?: AdamOptions): AdamW => new AdamW(o);
export const rmsprop = (o?: RmspropOptions & { alpha?: number }): RMSprop => new RMSprop(o);
export const adagrad = (o?: AdagradOptions): Adagrad => new Adagrad(o);

const atLeast0 = () => z.number(e('a number >= 0')).nonnegative(e('a number >= 0'));
const lr = { learning_rate: posNum().optional(), weight_decay: atLeast0().optional() };
const adamShape = { ...lr, beta_1: rate().optional(), beta_2: rate().optional(), epsilon: posNum().optional() };

/**
 * An optimizer's option schemas with each one's default (and whose it is) as their meta, which JSON Schema carries
 * as `default` and `whose`: what docs/config.md shows beside the option. Parsing is unchanged (nothing filled in).
 */
function optionDefaults<S extends Record<string, z.ZodType>>(name: OptimizerName, shape: S): S {
  const d: Readonly<Record<string, readonly [number | boolean, string?]>> = DEFAULTS[name];
  return Object.fromEntries(
    Object.entries(shape).map(([k, schema]) => {
      const [value, whose] = d[k] ?? [];
      if (value === undefined) throw new Error(`optimizer ${name}: no default for ${k} (DEFAULTS)`);
      return [k, withDefault(schema, value, whose)];
    }),
  ) as S;
}

interface OptimizerEntryOf<N extends string> extends Entry {
  readonly name: N;
  readonly options: z.ZodObject;
  readonly doc: string;
  /** The optimizer from its TypeScript options (camelCase); the constructor checks every value. */
  create(options: Record<string, unknown>): Optimizer;
}

const entries = [
  {
    name: 'sgd',
    doc: 'momentum, nesterov, dampening, weight_decay',
    options: optionsObject(
      optionDefaults('sgd', {
        ...lr,
        momentum: atLeast0().optional(),
        // torch checks none: 1 - dampening is the gradient's share of the momentum buffer, and above 1 it would
        // step up the gradient
        dampening: z
          .number(e('a number in [0, 1]'))
          .min(0, e('a number in [0, 1]'))
          .max(1, e('a number in [0, 1]'))
          .optional(),
        nesterov: bool().optional(),
      }),
      'an options object such as {learning_rate: 0.01}',
    ),
    create: (o) => new SGD(o),
  },
  {
    name: 'adam',
    doc: 'beta_1, beta_2, epsilon, weight_decay',
    options: optionsObject(optionDefaults('adam', adamShape), 'an options object such as {learning_rate: 0.001}'),
    create: (o) => new Adam(o),
  },
  {
    name: 'adamw',
    doc: 'as adam, weight_decay decoupled: the weights times 1 - learning_rate x weight_decay each step',
    options: optionsObject(optionDefaults('adamw', adamShape), 'an options object such as {learning_rate: 0.001}'),
    create: (o) => new AdamW(o),
  },
  {
    name: 'rmsprop',
    doc: 'rho, momentum, centered',
    options: optionsObject(
      optionDefaults('rmsprop', {
        ...lr,
        rho: rate().optional(),
        epsilon: posNum().optional(),
        momentum: atLeast0().optional(),
        centered: bool().optional(),
      }),
      'an options object such as {learning_rate: 0.001}',
    ),
    create: (o) => new RMSprop(o),
  },
  {
    name: 'adagrad',
    doc: 'lr_decay, initial_accumulator_value',
    options: optionsObject(
      optionDefaults('adagrad', {
        ...lr,
        epsilon: posNum().optional(),
        lr_decay: atLeast0().optional(),
        initial_accumulator_value: atLeast0().optional(),
      }),
      'an options object such as {learning_rate: 0.01}',
    ),
    create: (o) => new Adagrad(o),
  },
] as const satisfies readonly OptimizerEntryOf<OptimizerName>[];
// Every name of the type has its entry (the classes' className needs the type before the entries exist).
const complete: [Exclude<OptimizerName, (typeof entries)[number]['name']>] extends [never] ? true : never = true;
void complete;

export type OptimizerEntry = OptimizerEntryOf<OptimizerName>;
export const optimizerRegistry = new Registry<OptimizerEntry>(
  {
    kind: 'optimizer',
    title: 'optimizers',
    note:
      "PyTorch's update rules (weight_decay an L2 term added to the gradient, as PyTorch's, where Keras 3 decays the " +
      "weights apart; adamw's decoupled as both); `clipnorm` (global norm, as `clip_grad_norm_`) and `clipvalue`",
  },
  entries,
);
export const OPTIMIZERS: readonly OptimizerName[] = optimizerRegistry.names;

/**
 * Keys a Keras optimizer's get_config writes that no seqtune optimizer has, with the values that leave them out of the
 * update (what Keras writes by default): a saved `{ className, config }` is read past them at those values; at any
 * other (amsgrad: true, clipnorm: 1) it is refused, as is a key of neither kind (PyTorch's eps), rather than trained
 * without it.
 */
const KERAS_BOOKKEEPING: Bookkeeping = {
  name: [() => true, ''],
  amsgrad: [(v) => v === false, 'false'],
  use_ema: [(v) => v === false, 'false'],
  ema_momentum: [() => true, ''], // read only with use_ema
  ema_overwrite_frequency: [(v) => v == null, 'null'],
  clipnorm: [(v) => v == null, 'null', "compile's clipnorm (train.clipnorm) clips"],
  global_clipnorm: [(v) => v == null, 'null', "compile's clipnorm (train.clipnorm) clips to a global norm"],
  clipvalue: [(v) => v == null, 'null', "compile's clipvalue (train.clipvalue) clips"],
  loss_scale_factor: [(v) => v == null, 'null'],
  gradient_accumulation_steps: [(v) => v == null, 'null'],
  jit_compile: [() => true, ''],
  is_legacy_optimizer: [() => true, ''],
  decay: [(v) => v == null || v === 0, '0'],
};

/** Resolves a name, a { className, config } (camelCase or Keras snake_case keys), `{ adam: {...} }` or an instance. */
export function getOptimizer(like: OptimizerLike, key = 'optimizer'): Optimizer {
  if (like instanceof Optimizer) return like;
  const { entry, options } = optimizerRegistry.resolve(like, key);
  const known = Object.keys(entry.options.shape);
  const spelled = spellAs(options, known, { lr: 'learning_rate' });
  refuseUnknownOptions(like, spelled, known, `${key}.${entry.name}`);
  refuseUnused(like, spelled, known, `${key}.${entry.name}`, KERAS_BOOKKEEPING);
  const used = Object.fromEntries(Object.entries(spelled).filter(([k]) => known.includes(k)));
  return entry.create(camelKeys(used));
}
