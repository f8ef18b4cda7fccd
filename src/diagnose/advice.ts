// What to try next, by pattern, following the method; concrete when the run's config is known.
// Each piece is machine-readable (a config key path, a direction, suggested values) so the `auto`
// tuning strategy can act on it, and readable (text).
import type { Evidence, PatternId } from './types.js';

/** Enough of a run's config (snake_case, as in the YAML file) to make advice concrete. */
export interface RunContext {
  config?: {
    model?: { layers?: Record<string, unknown>[] };
    train?: {
      epochs?: number;
      batch_size?: number;
      optimizer?: unknown;
      clipnorm?: number;
      schedule?: unknown;
      callbacks?: readonly unknown[];
    };
    data?: { scale?: string; lookback?: number };
  };
  /**
   * The validation loss of the worst naive baseline (persistence, the training mean, seasonal naive) on the loss's
   * own scale, when known: a run whose validation loss never comes within 100x of it blew up, whatever its curves do.
   */
  baseline?: { name: string; loss: number };
}

export interface Advice {
  /**
   * Config key path to change (as in a tune: space), or a check to make ('check.*'). Without the run's config (a
   * bare history) it is the lever in general terms, its factor ('learning_rate', 'units', 'dropout'...): a key path
   * would name an optimizer or a layer (train.optimizer.adam..., model.layers[0].gru...) the history does not say.
   */
  param: string;
  action: 'increase' | 'decrease' | 'set' | 'add' | 'remove' | 'check';
  /**
   * Suggested values to try (one factor at a time). For `add`, what to add to the list at `param`; another recurrent
   * layer is given as the whole `model.layers` list with it (the layer below it changes too: return_sequences).
   */
  values?: unknown[];
  /**
   * Other config keys (key path -> value) to set together with each of the values, where the change works only
   * jointly: more epochs for a run that early stopping ended at its last epoch also take more patience, since either
   * alone trains the same model. Absent for a change of one key.
   */
  also?: Record<string, unknown>;
  /** Which factor family it belongs to (the auto strategy sweeps these). */
  factor:
    | 'epochs'
    | 'learning_rate'
    | 'optimizer'
    | 'schedule'
    | 'clipnorm'
    | 'batch_size'
    | 'units'
    | 'layers'
    | 'dropout'
    | 'recurrent_dropout'
    | 'regularization'
    | 'batch_norm'
    | 'early_stopping'
    | 'data';
  text: string;
}

const RECURRENT = ['gru', 'lstm', 'simple_rnn'];
const round = (v: number) => Number(v.toPrecision(2));

function recurrentLayer(ctx: RunContext): { index: number; kind: string; opts: Record<string, unknown> } | null {
  const layers = ctx.config?.model?.layers ?? [];
  for (let i = 0; i < layers.length; i++) {
    const [kind, o] = Object.entries(layers[i]!)[0] ?? [];
    if (kind !== undefined && RECURRENT.includes(kind))
      return { index: i, kind, opts: (o ?? {}) as Record<string, unknown> };
    if (kind === 'bidirectional') {
      const [k2, o2] = Object.entries((o ?? {}) as object)[0] ?? [];
      if (k2 !== undefined && RECURRENT.includes(k2))
        return { index: i, kind: `bidirectional.${k2}`, opts: (o2 ?? {}) as Record<string, unknown> };
    }
  }
  return null;
}

/** An optimizer's usual learning rate, its default: 0.01 for SGD and Adagrad, 0.001 for the others. */
const usualRate = (name: string) => (name === 'sgd' || name === 'adagrad' ? 0.01 : 0.001);

function optimizerOf(ctx: RunContext): { name: string; lr: number } {
  const o = ctx.config?.train?.optimizer;
  if (typeof o === 'string') return { name: o, lr: usualRate(o) };
  if (o && typeof o === 'object') {
    const [name, c] = Object.entries(o)[0]!;
    const lr = (c as { learning_rate?: number } | null)?.learning_rate;
    return { name, lr: lr ?? usualRate(name) };
  }
  return { name: 'adam', lr: 0.001 };
}

/**
 * How far below its optimizer's usual rate a known learning rate is, where it is 100x or more (SGD at 1e-7 against
 * 0.01: 1e5), else undefined: ten times such a rate is still far too low (SGD 1e-7 -> 1e-6 gained under 1% on nine
 * plateaus), so the advice names the usual rate first.
 */
function farBelow(f: Facts): number | undefined {
  const k = usualRate(f.opt) / f.lr;
  return f.known && k >= 100 ? k : undefined;
}

export function adviceFor(pattern: PatternId, ev: Evidence, ctx: RunContext): Advice[] {
  const f = factsOf(ev, ctx);
  // Values scaled from a setting the advice does not know (64 units, lr 0.001, batch 32 are guesses
  // for a plain history file, and "another optimizer" than a guessed Adam) would state that guess: such advice
  // keeps its direction, not the values.
  const guessed = (a: Advice) =>
    (a.factor === 'units' && !f.knownUnits) ||
    ((a.factor === 'learning_rate' || a.factor === 'batch_size' || a.factor === 'optimizer') && !f.known);
  return ADVICE[pattern](f, ev).map((a) => {
    const b = { ...a };
    if (guessed(a)) delete b.values;
    // without the config no key path is known (Advice.param): the lever in general terms
    return !f.known && !a.param.startsWith('check.') ? inGeneralTerms(b) : b;
  });
}

/**
 * Advice named by its lever (Advice.param is its factor), with the values that say more than the lever does: a
 * config entry named for the lever (`{early_stopping: {...}}` under early_stopping) gives its options, and a name
 * that starts with the lever's ('batch_normalization' under batch_norm) says nothing more and is left out.
 * `[early_stopping: {"early_stopping":{...}}]` named the lever twice.
 */
function inGeneralTerms(a: Advice): Advice {
  const lever = a.factor;
  const values = a.values
    ?.filter((v) => !(typeof v === 'string' && v.startsWith(lever)))
    .map((v) => {
      const entries = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : [];
      return entries.length === 1 && entries[0]![0] === lever ? entries[0]![1] : v;
    });
  const b: Advice = { ...a, param: lever, values };
  if (!values?.length) delete b.values;
  return b;
}

/** What the advice says concretely: the run's values (or the defaults) of the knobs it names. */
interface Facts {
  /** Key path of the (first) recurrent layer's options. */
  L: string;
  units: number;
  dropout: number;
  rdrop: number;
  /** The key paths and rates of the config's dropout layers ({dropout: {rate}}), those of rate above 0. */
  dropoutLayers: { param: string; rate: number }[];
  opt: string;
  lr: number;
  /** Key path of the learning rate. */
  LR: string;
  epochs: number;
  batch: number;
  lookback: number | undefined;
  /** The best epoch, 1-based. */
  best: number;
  /** Whether the run's config is known: without it (a plain history file) lr, dropout and batch are guesses. */
  known: boolean;
  /** Whether the recurrent layer's units are known (not a guess of 64). */
  knownUnits: boolean;
  /** data.scale, if the config is known. */
  scale: string | undefined;
  /** The run stops early on val_loss and keeps its best epoch's weights (so its model is that epoch's already). */
  restoresBest: boolean;
  /** The config's early stopping on val_loss: the key path of its options and its patience, where it has one. */
  stopping: { path: string; patience: number } | undefined;
  /** The config's layers with the recurrent layer stacked on itself (stackAdvice), when the layers are known. */
  stacked: Record<string, unknown>[] | undefined;
  /**
   * The config's layers with batch normalization after the recurrent layer (normalizedLayers), when the layers are
   * known; null when they have it already (no advice to add it).
   */
  normalized: Record<string, unknown>[] | null | undefined;
}

/** Whether the config's callbacks stop early on val_loss with restore_best_weights. */
function restoresBest(ctx: RunContext): boolean {
  return (ctx.config?.train?.callbacks ?? []).some((c) => {
    const es = (c as { early_stopping?: { monitor?: string; restore_best_weights?: boolean } } | null)?.early_stopping;
    return es?.restore_best_weights === true && (es.monitor ?? 'val_loss') === 'val_loss';
  });
}

/** The config's early stopping on val_loss (EarlyStopping's patience is 0 where not given), or undefined. */
function stoppingOf(ctx: RunContext): Facts['stopping'] {
  const callbacks = ctx.config?.train?.callbacks ?? [];
  for (let i = 0; i < callbacks.length; i++) {
    const es = (callbacks[i] as { early_stopping?: { monitor?: string; patience?: number } } | null)?.early_stopping;
    if (es && (es.monitor ?? 'val_loss') === 'val_loss')
      return { path: `train.callbacks[${i}].early_stopping`, patience: es.patience ?? 0 };
  }
  return undefined;
}

function factsOf(ev: Evidence, ctx: RunContext): Facts {
  const rec = recurrentLayer(ctx);
  const { name: opt, lr } = optimizerOf(ctx);
  return {
    L: rec ? `model.layers[${rec.index}].${rec.kind}` : 'model.layers[0].gru',
    units: (rec?.opts.units as number | undefined) ?? 64,
    dropout: (rec?.opts.dropout as number | undefined) ?? 0,
    rdrop: (rec?.opts.recurrent_dropout as number | undefined) ?? 0,
    dropoutLayers: (ctx.config?.model?.layers ?? []).flatMap((l, i) => {
      const rate = (l.dropout as { rate?: unknown } | undefined)?.rate;
      return typeof rate === 'number' && rate > 0 ? [{ param: `model.layers[${i}].dropout.rate`, rate }] : [];
    }),
    opt,
    lr,
    LR: `train.optimizer.${opt}.learning_rate`,
    epochs: ctx.config?.train?.epochs ?? ev.epochs,
    batch: ctx.config?.train?.batch_size ?? 32,
    lookback: ctx.config?.data?.lookback,
    best: ev.bestEpoch + 1,
    scale: ctx.config?.data?.scale,
    known: ctx.config !== undefined,
    knownUnits: typeof rec?.opts.units === 'number',
    restoresBest: restoresBest(ctx),
    stopping: stoppingOf(ctx),
    stacked: rec ? stackedLayers(ctx.config!.model!.layers!, rec.index) : undefined,
    normalized: rec ? normalizedLayers(ctx.config!.model!.layers!, rec.index) : undefined,
  };
}

/**
 * The layers with a copy of layer i (a recurrent layer, or a bidirectional one) below it: the copy returns sequences
 * for layer i to read, and has no `name` (two layers of one name clash).
 * For instance, stackedLayers([{ gru: { units: 8 } }, { dense: { units: 1 } }], 0) is
 * [{ gru: { units: 8, return_sequences: true } }, { gru: { units: 8 } }, { dense: { units: 1 } }]
 */
function stackedLayers(layers: readonly Record<string, unknown>[], i: number): Record<string, unknown>[] {
  const [kind, o] = Object.entries(layers[i]!)[0]!;
  const wrapped = kind === 'bidirectional';
  const [inner, io] = wrapped ? Object.entries((o ?? {}) as object)[0]! : [kind, o];
  const { name: _, ...opts } = (io ?? {}) as Record<string, unknown>;
  const cell = { [inner]: { ...opts, return_sequences: true } };
  return [...layers.slice(0, i), wrapped ? { bidirectional: cell } : cell, ...layers.slice(i)];
}

/**
 * The layers with batch normalization after layer i (the recurrent layer), or null when a layer of theirs is one.
 * For instance, normalizedLayers([{ gru: { units: 8 } }, { dense: { units: 1 } }], 0) is
 * [{ gru: { units: 8 } }, { batch_normalization: {} }, { dense: { units: 1 } }]
 */
function normalizedLayers(layers: readonly Record<string, unknown>[], i: number): Record<string, unknown>[] | null {
  if (layers.some((l) => 'batch_normalization' in l || 'batchNormalization' in l)) return null;
  return [...layers.slice(0, i + 1), { batch_normalization: {} }, ...layers.slice(i + 1)];
}

/** ' (a -> b)' when the current value a is known, else nothing: advice never states a guessed setting. */
const change = (known: boolean, a: unknown, b: unknown) => (known ? ` (${a} -> ${b})` : '');

// Two pieces of advice that several patterns share.
const lrDown = ({ LR, lr, known }: Facts): Advice => ({
  param: LR,
  action: 'decrease',
  values: [round(lr / 3), round(lr / 10)],
  factor: 'learning_rate',
  text: known
    ? `lower the learning rate from ${lr} to ${round(lr / 3)} or ${round(lr / 10)}`
    : 'lower the learning rate (to a third or a tenth)',
});
const clip = (): Advice => ({
  param: 'train.clipnorm',
  action: 'set',
  values: [5, 15],
  factor: 'clipnorm',
  text: 'clip gradients by global norm (clipnorm 5 or 15)',
});

/**
 * A schedule that raised the learning rate above the config's own rate where the loss rose or swung (Evidence.lr, the
 * recent window): the schedule, not the base rate, is the first suspect, and a constant schedule keeps the base rate.
 * Lowering the base rate 3x left Adam at 1e-3 x 1.2 per epoch to pass 0.1 by epoch 35 all the same (the helpers'
 * walk: 3 of 6 such runs ended worse, one diverged). A warmup climbs to the base rate, not above it: lower that.
 */
function scheduleUp(f: Facts, ev: Evidence): Advice[] {
  const r = ev.lr;
  if (!f.known || !r || !(r.last > r.from * 1.000001 && r.last > f.lr * 1.000001)) return [];
  const [a, b] = ev.window;
  return [
    {
      param: 'train.schedule',
      action: 'set',
      values: [{ constant: {} }],
      factor: 'schedule',
      text:
        `the schedule raised the learning rate from ${round(r.from)} to ${round(r.last)} over epochs ${a + 1}-${b}, ` +
        `above its base ${f.lr}: keep it constant`,
    },
  ];
}

function learningAdvice(f: Facts, ev: Evidence): Advice[] {
  const { lr, LR, epochs, known } = f;
  const stopped = stoppedByPatience(f, ev);
  const longer: Advice = {
    param: 'train.epochs',
    action: 'increase',
    values: [epochs * 2, epochs * 4],
    factor: 'epochs',
    // One epoch has no trend to speak of: it is too short, not still falling.
    text:
      (ev.epochs === 1
        ? 'train longer: one epoch shows no trend yet '
        : `train longer: both losses were still falling at epoch ${ev.epochs} `) +
      `(try ${epochs * 2} epochs with early stopping)`,
  };
  return [
    ...(stopped ? morePatience(f, ev, stopped) : [longer]),
    farBelow(f) === undefined
      ? {
          param: LR,
          action: 'increase',
          values: [round(lr * 3), round(lr * 10)],
          factor: 'learning_rate',
          text: `or a higher learning rate (${known ? round(lr * 3) : '3x'}) to get there sooner`,
        }
      : {
          param: LR,
          action: 'increase',
          values: [usualRate(f.opt), round(lr * 10)],
          factor: 'learning_rate',
          text:
            `or ${f.opt}'s usual learning rate (${usualRate(f.opt)}; ${lr} is ${round(farBelow(f)!)}x below it) ` +
            'to get there sooner',
        },
  ];
}

/** Stop at the best epoch: early stopping that restores that epoch's weights. */
const stopEarly = ({ best }: Facts, ev: Evidence): Advice => ({
  param: 'train.callbacks',
  action: 'add',
  values: [
    {
      early_stopping: {
        monitor: 'val_loss',
        patience: Math.max(3, Math.round(ev.epochs / 10)),
        restore_best_weights: true,
      },
    },
  ],
  factor: 'early_stopping',
  text:
    `stop early: validation loss was best at epoch ${best} ` +
    `(early_stopping with restore_best_weights, or epochs: ${best})`,
});

function overfittingAdvice(f: Facts, ev: Evidence): Advice[] {
  const { L, units, dropout, rdrop } = f;
  return [
    // a run that already stops early and restores its best epoch's weights has that epoch's model
    ...(f.restoresBest ? [] : [stopEarly(f, ev)]),
    {
      param: `${L}.dropout`,
      action: 'increase',
      values: [round(dropout + 0.1), round(dropout + 0.2), round(dropout + 0.3)].filter((v) => v < 0.8),
      factor: 'dropout',
      text: `add dropout on the recurrent layer's inputs${change(f.known, dropout, round(dropout + 0.2))}`,
    },
    {
      param: `${L}.recurrent_dropout`,
      action: 'increase',
      values: [round(rdrop + 0.1), round(rdrop + 0.2)],
      factor: 'recurrent_dropout',
      text: 'add recurrent dropout (one mask per sequence, training only)',
    },
    {
      param: `${L}.kernel_regularizer`,
      action: 'set',
      values: [{ l2: 1e-4 }, { l2: 1e-3 }, { l2: 1e-2 }],
      factor: 'regularization',
      text: 'add L2 weight regularization (1e-4 to 1e-2)',
    },
    {
      param: `${L}.units`,
      action: 'decrease',
      values: [Math.max(1, Math.round(units / 2)), Math.max(1, Math.round(units / 4))],
      factor: 'units',
      text: `use fewer units${change(f.knownUnits, units, Math.round(units / 2))} or fewer layers`,
    },
    // the layers as the config would list them (`[model.layers: batch_normalization]` was a word no config takes);
    // none where a layer is batch normalization already
    ...(f.normalized === null
      ? []
      : [
          {
            param: 'model.layers',
            action: 'add' as const,
            ...(f.normalized ? { values: [f.normalized] } : {}),
            factor: 'batch_norm' as const,
            text: 'try batch normalization between layers',
          },
        ]),
  ];
}

/**
 * Lower each dropout rate in use, the recurrent layer's and the dropout layers' (a sweep of dropout 0 on a layer
 * without dropout would repeat the baseline).
 */
function lessDropout(f: Facts): Advice[] {
  const lower = (param: string, rate: number, factor: 'dropout' | 'recurrent_dropout', text: string): Advice[] =>
    rate > 0 ? [{ param, action: 'decrease', values: [0, round(rate / 2)], factor, text }] : [];
  return [
    ...lower(`${f.L}.dropout`, f.dropout, 'dropout', 'use less regularization (dropout/recurrent dropout/L2)'),
    ...lower(`${f.L}.recurrent_dropout`, f.rdrop, 'recurrent_dropout', 'use less recurrent dropout'),
    ...f.dropoutLayers.flatMap((d) => lower(d.param, d.rate, 'dropout', `use less dropout (${d.param} ${d.rate})`)),
  ];
}

/**
 * The config's early stopping where it ended the run, or would have at its last epoch: its last `patience` epochs (at
 * least one) brought no better validation loss (a run stopped for another reason, a tune's time budget, is not
 * taken for it). More epochs alone then train the same model: airline passengers' GRU(8) read "still learning" at
 * epoch 100 of 100 (best at 90, patience 10), and the 200 epochs advised stopped at epoch 100 again, same weights.
 */
function stoppedByPatience(f: Facts, ev: Evidence): Facts['stopping'] {
  if (!f.stopping || ev.epochs < 2) return undefined;
  return ev.epochs - f.best >= Math.max(1, f.stopping.patience) ? f.stopping : undefined;
}

/**
 * More patience for a run early stopping ended while it still learned. Where the run also used all its epochs, either
 * change alone trains the same model: the advice is then more epochs with more patience, one lever whose values are
 * the epochs, each with the patience (`also`: the tuner sets both; with the epochs alone it trained the same model).
 */
function morePatience(f: Facts, ev: Evidence, stopping: { path: string; patience: number }): Advice[] {
  const { path, patience } = stopping;
  const { more, also, change } = patienceUp(stopping);
  const ended =
    `both losses were still falling slowly, but early stopping ended the run at epoch ${ev.epochs}, ` +
    `${ev.epochs - f.best} epochs after the best validation loss (epoch ${f.best})`;
  if (ev.epochs >= f.epochs)
    return [
      {
        param: 'train.epochs',
        action: 'increase',
        values: [f.epochs * 2, f.epochs * 4],
        also,
        factor: 'epochs',
        text:
          `train longer with more patience: ${ended}, its last of ${f.epochs}; more epochs or more patience ` +
          `alone train the same model (try ${f.epochs * 2} epochs with ${change})`,
      },
    ];
  return [
    {
      param: `${path}.patience`,
      action: 'increase',
      values: [more, 2 * more],
      factor: 'early_stopping',
      text: `more patience: ${ended}, so more epochs alone train the same model (patience ${patience} -> ${more})`,
    },
  ];
}

/**
 * Train longer, for a run that used all its epochs: twice the epochs, with twice the patience (at least 5) where its
 * early stopping's patience ran out at that last epoch (stoppedByPatience), since more epochs alone stop there again.
 */
function longerAtLimit(f: Facts, ev: Evidence): Advice {
  const longer: Advice = {
    param: 'train.epochs',
    action: 'increase',
    values: [f.epochs * 2],
    factor: 'epochs',
    text: '',
  };
  const stopped = stoppedByPatience(f, ev);
  if (!stopped) return { ...longer, text: 'train longer' };
  const { also, change } = patienceUp(stopped);
  return {
    ...longer,
    also,
    text:
      `train longer with more patience: early stopping would have ended the run at its last epoch, ` +
      `${ev.epochs - f.best} epochs after the best validation loss (epoch ${f.best}) ` +
      `(${f.epochs * 2} epochs with ${change})`,
  };
}

/**
 * The patience advised with more epochs (morePatience, longerAtLimit): twice the config's, at least 5; as the key the
 * tuner sets with them (Advice.also), and as the advice's text names the change.
 */
function patienceUp({ path, patience }: { path: string; patience: number }) {
  const more = Math.max(2 * patience, 5);
  return { more, also: { [`${path}.patience`]: more }, change: `${path}.patience ${patience} -> ${more}` };
}

function underfittingAdvice(f: Facts, ev: Evidence): Advice[] {
  const { L, units, epochs, lookback } = f;
  return [
    ...lessDropout(f),
    {
      param: `${L}.units`,
      action: 'increase',
      values: [units * 2, units * 4],
      factor: 'units',
      text: `use more units${change(f.knownUnits, units, units * 2)}`,
    },
    stackAdvice(f),
    // More epochs change nothing when the run ended before its limit (early stopping), nor alone when early stopping
    // would have ended it at its limit: there they take more patience with them.
    ...(ev.epochs >= epochs ? [longerAtLimit(f, ev)] : []),
    ...(lookback
      ? [
          {
            param: 'data.lookback',
            action: 'increase' as const,
            values: [lookback * 2],
            factor: 'data' as const,
            text: `give each forecast a longer history (lookback ${lookback} -> ${lookback * 2})`,
          },
        ]
      : []),
    {
      param: 'check.data',
      action: 'check',
      factor: 'data',
      text: 'more data (a longer history, more features) helps an underfitting model most',
    },
  ];
}

/**
 * Another recurrent layer on the first: its value, the layers as the config would list them with the layer stacked
 * on a copy of itself (stackedLayers), what a user writes. None when the layers are
 * not known: the bracket printed `[model.layers: stacked]`, a word no config takes.
 */
function stackAdvice(f: Facts): Advice {
  return {
    param: 'model.layers',
    action: 'add',
    ...(f.stacked ? { values: [f.stacked] } : {}),
    factor: 'layers',
    text: 'stack another recurrent layer (return_sequences on the one below)',
  };
}

function plateauAdvice(f: Facts, ev: Evidence): Advice[] {
  const { lr, LR, known } = f;
  const far = farBelow(f);
  const lrFar: Advice =
    far === undefined
      ? {
          param: LR,
          action: 'set',
          values: [round(lr * 10), round(lr * 3), round(lr / 10)],
          factor: 'learning_rate',
          text: known
            ? `the learning rate may be far off: try ${round(lr * 10)} and ${round(lr / 10)} (or run seqtune lr-find)`
            : 'the learning rate may be far off: try 10x and a tenth of it (or run seqtune lr-find)',
        }
      : {
          param: LR,
          action: 'set',
          values: [usualRate(f.opt), round(lr * 10)],
          factor: 'learning_rate',
          text:
            `the learning rate ${lr} is ${round(far)}x below ${f.opt}'s usual ${usualRate(f.opt)}: try ` +
            `${usualRate(f.opt)} (or run seqtune lr-find)`,
        };
  // Nothing moved over the whole run (not even at the start), or a rate far below the usual: the rate is the first
  // suspect.
  const still = far !== undefined || (ev.whole ? Math.abs(ev.whole.train.change) < 0.05 : false);
  const rest = plateauRest(f, lrFar);
  return still ? [lrFar, ...rest.filter((a) => a !== lrFar)] : rest;
}

function plateauRest(f: Facts, lrFar: Advice): Advice[] {
  const { opt, epochs, scale, L, units } = f;
  const said = f.known ? `data.scale is ${scale ?? 'unknown'}` : 'the history does not say how the data were scaled';
  return [
    {
      param: 'train.schedule',
      action: 'set',
      values: [
        { cosine: { t_max: epochs } },
        { cosine_restarts: { t_0: Math.max(2, Math.round(epochs / 8)), t_mult: 2 } },
      ],
      factor: 'schedule',
      text: 'use a learning-rate schedule: cosine annealing or warm restarts',
    },
    lrFar,
    {
      param: 'train.optimizer',
      action: 'set',
      values: opt === 'adam' ? ['rmsprop', { sgd: { learning_rate: 0.01, momentum: 0.9, nesterov: true } }] : ['adam'],
      factor: 'optimizer',
      text: 'try another optimizer',
    },
    {
      // a bottleneck of capacity: GRU(1) sat on a plateau that no rate or optimizer moved, GRU(16) went 13% lower
      param: `${L}.units`,
      action: 'increase',
      values: [units * 2, units * 4],
      factor: 'units',
      text: `the model may be too small to go lower: use more units${change(f.knownUnits, units, units * 2)}`,
    },
    // only where the data may not be on unit scale: data.scale none, or not known (a bare history)
    ...(scale === undefined || scale === 'none'
      ? [
          {
            param: 'check.scaling',
            action: 'check',
            factor: 'data',
            text: `check the data scaling (${said}; inputs and targets should be on unit scale)`,
          } satisfies Advice,
        ]
      : []),
  ];
}

function divergedAdvice(f: Facts, ev: Evidence): Advice[] {
  // A loss that is NaN within the first two epochs, or that never came within 100x of a naive baseline, is off by
  // orders of magnitude, not by 3x.
  const early = (ev.firstNonFinite !== null && ev.firstNonFinite <= 1) || ev.aboveBaseline !== undefined;
  const { LR, lr, known } = f;
  const failed = ev.aboveBaseline !== undefined ? 'it never came near a naive forecast' : 'it failed at once';
  const down: Advice = early
    ? {
        param: LR,
        action: 'decrease',
        values: [round(lr / 100), round(lr / 10)],
        factor: 'learning_rate',
        text: known
          ? `lower the learning rate from ${lr} to ${round(lr / 100)} or ${round(lr / 10)} (${failed})`
          : `lower the learning rate by 100x or 10x (${failed})`,
      }
    : lrDown(f);
  return [
    // a run that failed at once: its schedule had not moved the rate yet
    ...(early ? [] : scheduleUp(f, ev)),
    down,
    clip(),
    {
      param: 'check.inputs',
      action: 'check',
      factor: 'data',
      text: `check inputs and targets for NaN/Inf and their scale${f.known ? ' (data.missing, data.scale)' : ''}`,
    },
  ];
}

function unstableAdvice(f: Facts, ev: Evidence): Advice[] {
  const { epochs, batch } = f;
  return [
    ...scheduleUp(f, ev),
    lrDown(f),
    clip(),
    {
      param: 'train.batch_size',
      action: 'increase',
      values: [batch * 2, batch * 4],
      factor: 'batch_size',
      text: `larger batches average out gradient noise${change(f.known, batch, batch * 2)}`,
    },
    {
      param: 'train.schedule',
      action: 'set',
      values: [{ exponential: { rate: 0.95 } }, { cosine: { t_max: epochs } }],
      factor: 'schedule',
      text: 'decay the learning rate',
    },
  ];
}

function architectureAdvice(f: Facts, ev: Evidence): Advice[] {
  return [
    ...scheduleUp(f, ev),
    lrDown(f),
    clip(),
    {
      param: 'check.model',
      action: 'check',
      factor: 'data',
      text:
        'both losses rise: check the loss matches the target, the output layer is linear with the right width, ' +
        'and the recurrent kernel is orthogonal',
    },
  ];
}

function dataAdvice(f: Facts): Advice[] {
  const why =
    'heavy dropout or regularization (active only in training) can make training loss sit above validation loss';
  return [
    {
      param: 'check.split',
      action: 'check',
      factor: 'data',
      text:
        'validation improves while training worsens: check the validation set is representative and split ' +
        'chronologically, and that scaling is fitted on training data only',
    },
    // With the config known, the dropout it has (none: nothing to lower; a sweep of dropout 0 on a layer without
    // dropout would train the same run again); a bare history's dropout is not known, so the lever in general.
    ...(f.known
      ? lessDropout(f).map((a) => ({ ...a, text: `${why}: ${a.text}` }))
      : [{ param: `${f.L}.dropout`, action: 'decrease' as const, values: [0], factor: 'dropout' as const, text: why }]),
  ];
}

/** The advice for each pattern, in the order to try it. */
const ADVICE: Record<PatternId, (f: Facts, ev: Evidence) => Advice[]> = {
  learning: learningAdvice,
  overfitting: overfittingAdvice,
  underfitting: underfittingAdvice,
  plateau: plateauAdvice,
  diverged: divergedAdvice,
  unstable: unstableAdvice,
  architecture: architectureAdvice,
  data: dataAdvice,
};
