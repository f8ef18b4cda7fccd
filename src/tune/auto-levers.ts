// The levers of the `auto` strategy and their order: the diagnosis' own advice first (ordered by expected
// effect when the curves leave the choice open), then the other levers of the method, the largest expected
// effect first: the data's lookback and the model's size and shape (a linear skip path) before the learning
// rate, the batch size, regularization, schedules, the optimizer and clipping.
import type { RawConfig } from '../config/index.js';
import { type Advice, adviceFor, type Evidence, type PatternId } from '../diagnose/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { getPath } from './space.js';
import type { TrialEnv } from './trial.js';

export interface Diag {
  pattern: string;
  confidence: number;
  advice: Advice[];
}

export interface Lever {
  advice: Advice;
  reason: string;
}

/** Expected effect of a factor, smallest first (measured on ETT: lookback 96 -> 336 mattered most). */
const EFFECT: Record<string, number> = {
  data: 0,
  units: 1,
  layers: 2,
  learning_rate: 3,
  batch_size: 4,
  dropout: 5,
  recurrent_dropout: 5,
  regularization: 5,
  schedule: 6,
  optimizer: 7,
  clipnorm: 8,
  epochs: 9,
};
/**
 * The linear skip comes before every other lever: with it each later trial starts from the ridge model at its own
 * lookback and is judged on what the network adds to it (measured on ETTh1 h48: a GRU alone and a GRU next to a
 * trained linear path both end at about the ridge's validation MSE, the frozen ridge path starts there).
 */
const effectOf = (a: Advice) =>
  a.param === 'model.linear_skip'
    ? -1
    : a.param === 'model.layers' && a.action === 'set'
      ? FRONT
      : (EFFECT[a.factor] ?? 5);
/**
 * The convolutional front comes right after the data: behind it a recurrent layer reads a few segments instead of
 * every step, so each later trial at a long lookback costs a fraction of the time (ETTh1 h96, lookback 336: 7 s
 * instead of 33 s for GRU(64)), and the sweeps after it get more trials from the same budget.
 */
const FRONT = 0.5;
const byEffect = (a: Advice, b: Advice) => effectOf(a) - effectOf(b);

/** Patterns whose advice comes first, in its own order (a diverging or unstable run needs its learning rate first). */
const URGENT = new Set(['diverged', 'unstable', 'overfitting', 'learning']);

/** Advice the tuner can act on by changing one config value (checks and structural additions are for people). */
export function actionable(a: Advice, base: unknown): boolean {
  if (!a.values || a.values.length === 0 || a.param.startsWith('check.') || a.action === 'add') return false;
  if (
    a.param.startsWith('train.optimizer.') ||
    a.param === 'train.optimizer' ||
    a.param === 'train.schedule' ||
    a.param === 'train.clipnorm' ||
    a.param === 'train.epochs' ||
    a.param === 'train.batch_size' ||
    a.param === 'model.linear_skip'
  )
    return true;
  const parent = a.param.slice(0, a.param.lastIndexOf('.'));
  return getPath(base, parent) !== undefined;
}

/**
 * Why the best trial is behind the `linear` baseline on validation (runTrial's linear_val), or null. A network
 * that a ridge model beats gains more from the ridge path than from regularization: on Beijing PM2.5 the seed's
 * GRU(1000) read "overfitting", and its dropout, recurrent dropout and L2 trials took 16 of 30 minutes before the
 * skip, the only trial that beat it, ran.
 */
function behindLinear(t: FrozenTrial): string | null {
  const lin = t.attrs.linear_val as number | undefined;
  if (lin === undefined || t.value === null || !(t.value > lin)) return null;
  return (
    `the best so far (#${t.number}, ${t.value.toPrecision(4)}) does not beat the linear baseline on validation ` +
    `(${lin.toPrecision(4)})`
  );
}

/** A factor is swept once per direction: overfitting's fewer units and underfitting's more units are two sweeps. */
export const sweepKey = (a: Advice): string => `${a.param}:${a.action}`;

/** The convolutional front the conv lever puts before a recurrent first layer (measured on ETTh1 h24, issue 16). */
export const CONV_FRONT = { conv1d: { filters: 32, kernel_size: 4, strides: 4 } };

/**
 * The segment length of the segment front at a lookback: the divisor of the lookback nearest a fourteenth of it
 * (at least 4), so that the recurrent layer reads about 14 segments (SegRNN, Lin et al. 2023, reads 15 of 48 steps
 * at lookback 720): 6 at 96, 12 at 168, 24 at 336, 32 at 512, 48 at 720.
 */
export function segmentLength(lookback: number): number {
  const aim = Math.max(4, lookback / 14);
  let best = 0;
  for (let d = 4; d <= lookback; d++) if (lookback % d === 0 && Math.abs(d - aim) < Math.abs(best - aim)) best = d;
  return best || Math.round(aim);
}

/**
 * The segment front: Conv1D(32, kernel = stride = the segment length, padding same), so the recurrent layer reads
 * one learned summary of each segment of the window. 'same' padding keeps the window's last steps when a later
 * lookback is not a multiple of the segment. On ETTh1 h96 at lookback 336 (issue 16): a GRU(64) behind it trained
 * in 7 s against 33 s behind CONV_FRONT, test MSE 0.0559 against 0.0634 without the linear path.
 */
export const segmentFront = (lookback: number) => {
  const k = segmentLength(lookback);
  return { conv1d: { filters: 32, kernel_size: k, strides: k, padding: 'same' } };
};

const RECURRENT = ['gru', 'lstm', 'simple_rnn', 'bidirectional'];

/**
 * Levers the diagnosis does not name: a linear path from the window to the output when the model ends in a vector;
 * a convolutional front before a recurrent first layer when the lookback is long (96 steps or more), over segments
 * of about a fourteenth of the window or over 4 steps: the recurrent layer then reads one learned summary of each.
 */
function extraLevers(cfg: RawConfig): Advice[] {
  const layers = cfg.model.layers;
  const last = layers.at(-1) ?? {};
  const out: Advice[] = [];
  if (!cfg.model.linear_skip && 'dense' in last)
    out.push({
      param: 'model.linear_skip',
      action: 'set',
      values: ['ridge'],
      factor: 'layers',
      text:
        'add a linear path from the input window to the output: the ridge model of the linear baseline, held ' +
        'fixed, with the network learning what it misses',
    });
  const first = Object.keys(layers[0] ?? {})[0] ?? '';
  const lookback = cfg.data.lookback ?? 1;
  if (RECURRENT.includes(first) && lookback >= 96 && !layers.some((l) => 'conv1d' in l))
    out.push({
      param: 'model.layers',
      action: 'set',
      values: [
        [segmentFront(lookback), ...layers],
        [CONV_FRONT, ...layers],
      ],
      factor: 'layers',
      text:
        `a convolutional front before the recurrent layer, which then reads one summary per segment: ` +
        `Conv1D(32) over segments of ${segmentLength(lookback)} steps, or over 4 steps`,
    });
  return out;
}

/**
 * The next factor to sweep and why: the diagnosis' own advice first; when that is used up (run, or skipped
 * for the reasons the why-lines give), the other levers of the method by expected effect. Null when every
 * lever of this round has been swept.
 */
export function nextLever(
  env: TrialEnv,
  bestTrial: FrozenTrial,
  diag: Diag,
  cfg: RawConfig,
  swept: Set<string>,
  round: number,
): Lever | null {
  const prefix = round > 1 ? `round ${round}: ` : '';
  const open = (a: Advice) => actionable(a, cfg) && !swept.has(sweepKey(a));
  const own = diag.advice.filter(open);
  const hist = bestTrial.attrs.history as { val_loss?: number[] } | undefined;
  const ev = { epochs: hist?.val_loss?.length ?? env.base.train?.epochs ?? 30, bestEpoch: 0 } as Evidence;
  const patterns: PatternId[] = ['underfitting', 'plateau', 'overfitting', 'unstable'];
  const fallback = [...extraLevers(cfg), ...patterns.flatMap((p) => adviceFor(p, ev, { config: cfg }))].filter(
    (a) => open(a) && a.factor !== 'epochs',
  );
  // When the curves leave the choice open, every lever competes by expected effect, the diagnosis' first on ties.
  const ranked = URGENT.has(diag.pattern) ? [...own, ...fallback] : [...own, ...fallback].sort(byEffect);
  const behind = behindLinear(bestTrial);
  const skip = behind && fallback.find((a) => a.param === 'model.linear_skip');
  if (skip && (diag.pattern === 'overfitting' || diag.pattern === 'learning'))
    return { advice: skip, reason: `${prefix}${behind}: the linear skip before the advice for "${diag.pattern}"` };
  const pick = ranked[0];
  if (!pick) return null;
  if (own.includes(pick))
    return { advice: pick, reason: `${prefix}best so far reads "${diag.pattern}" (confidence ${diag.confidence})` };
  const usedUp = URGENT.has(diag.pattern) && own.length === 0;
  const said = usedUp ? `the advice for "${diag.pattern}" is used up (run, or skipped as said); ` : '';
  return { advice: pick, reason: `${prefix}${said}next lever of the method by expected effect` };
}
