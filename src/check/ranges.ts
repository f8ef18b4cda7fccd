// Finding each knob's range before tuning.
// lr-find (Smith's learning-rate range test): raise the rate exponentially over a few hundred steps,
// record the bias-corrected exponentially smoothed loss (beta 0.9: a longer memory lags the sweep by
// decades), stop when it explodes (4x its minimum).
// Suggested range: from the steepest descent to the minimum; best = the geometric mean of the steepest
// descent's rate and a tenth of the minimum's (the minimum itself is already at the edge of divergence,
// the steepest point is often timid).
// Flat: when the smoothed loss never falls below where the sweep started by more than its own noise (the batch
// losses' spread at the start, shrunk by the smoothing) or 5%, the curve says nothing about the rate; the
// suggestion then says so (flat: true) and the auto strategy keeps the diagnosis' rates.
// Batch-size range: one short training per batch size, with the throughput of each; the suggestion is the
// fastest batch size among those that train (per epoch) about as well as the best one, so never one that is
// both slower and worse than another (a larger batch is only worth its worse loss when it is faster).
import { assertPositiveInt, assertRate, expected, ValueError } from '../errors.js';
import { getOptimizer, type OptimizerLike } from '../optim/index.js';
import { type Model, type Samples, sliceSamples } from '../train/index.js';

export interface LrFindResult {
  /** flat: the loss curve stayed within its noise, so min/max/best are no guide. */
  suggested: { min: number; max: number; best: number; flat: boolean };
  /** [learning rate, smoothed loss] per step. */
  points: [number, number][];
  /** Raw batch losses. */
  raw: number[];
  stoppedEarly: boolean;
}

export interface LrFindOptions {
  minLr?: number;
  maxLr?: number;
  steps?: number;
  batchSize?: number;
  beta?: number;
  optimizer?: OptimizerLike;
  seed?: number;
  /** Threads that share each step's batch (fit's `threads`; default 1). */
  threads?: number;
}

/**
 * lr-find's suggestion in words, as `seqtune lr-find` and auto's study print it: `suggested learning rate 0.023
 * (range 0.017 - 0.33)`; a flat curve's pick is no guide (flat): it is named as such, never as a rate to use.
 */
export function lrSuggestionText({ min, max, best, flat }: LrFindResult['suggested']): string {
  if (!flat) return `suggested learning rate ${best} (range ${min} - ${max})`;
  return (
    'the loss curve is flat within its noise: no rate stands out, so none is suggested ' +
    `(its pick, ${best}, is no guide)`
  );
}

/** The batches lr-find raises the rate over, unless told. */
export const LR_FIND_STEPS = 200;

/**
 * The learning-rate range test on a model `makeModel` builds (compiled; a fresh one, which is disposed after): the
 * rate rises exponentially from minLr (1e-7) to maxLr (10) over `steps` (200) batches, the smoothed loss recorded,
 * until it explodes; the suggestion is read off that curve.
 * @example
 * import { dense, gru, lrFind, sequential, tensor } from 'seqtune';
 * const x = tensor(new Float32Array(256 * 24), [256, 24, 1]); // 256 windows of 24 steps, one feature
 * const y = tensor(new Float32Array(256), [256, 1]);
 * const r = await lrFind(() => { const m = sequential([gru({ units: 16, inputShape: [24, 1] }), dense({ units: 1 })]);
 *   m.compile({ loss: 'mse' }); return m; }, x, y);
 * console.log(r.suggested); // { min, max, best, flat }
 */
export async function lrFind(
  makeModel: () => Model,
  x: Samples,
  y: Samples,
  o: LrFindOptions = {},
): Promise<LrFindResult> {
  checkLrFindOptions(o);
  const lo = o.minLr ?? 1e-7;
  const m = makeModel();
  m.compile({ optimizer: getOptimizer(o.optimizer ?? 'adam'), loss: m.loss?.config ?? 'mse' });
  let swept: Omit<LrFindResult, 'suggested'>;
  try {
    await m.openThreads(o.threads ?? 1, Math.min(o.batchSize ?? 32, x.shape[0]!));
    swept = await sweep(m, x, y, o);
  } finally {
    await m.closeThreads();
    m.dispose();
  }
  const { points, raw, stoppedEarly } = swept;
  // The first steps only warm the average up (and a batch that happens to be easy can look like a
  // minimum there), so both the minimum and the steepest descent are looked for after them.
  const skip = Math.min(Math.floor(points.length * 0.15), Math.max(0, points.length - 3));
  let iMin = skip;
  for (let i = skip; i < points.length; i++) if (points[i]![1] < points[iMin]![1]) iMin = i;
  const iSteep = steepestDescent(points, skip, iMin);
  const lrMin = points[iMin]?.[0] ?? lo;
  const lrSteep = points[iSteep]?.[0] ?? lrMin / 10;
  const sig = (v: number) => Number(v.toPrecision(2));
  // within the rates swept: a minimum at the sweep's start put min and best a decade below anything it tried
  const first = points[0]?.[0] ?? lo;
  const within = (v: number) => Math.min(Math.max(v, first), lrMin);
  const low = within(Math.min(lrSteep, lrMin / 10));
  // a loss that only rose (its minimum where the sweep starts, after the warm-up) shows no rate that learns: no guide
  const flat = iMin <= skip || isFlat(points, raw, skip, iMin, o.beta ?? 0.9);
  return {
    suggested: { min: sig(low), max: sig(lrMin), best: sig(within(Math.sqrt(lrSteep * (lrMin / 10)))), flat },
    points,
    raw,
    stoppedEarly,
  };
}

/**
 * Whether the smoothed loss stays within its noise: its fall from the start of the sweep (after the warm-up) to
 * its minimum is under 5% or under three times the noise of the smoothed curve, the relative spread of the batch
 * losses at the start times sqrt((1 - beta) / (1 + beta)) (an exponential average's share of white noise).
 */
function isFlat(points: [number, number][], raw: number[], skip: number, iMin: number, beta: number): boolean {
  const n = Math.max(3, Math.round(points.length * 0.1));
  const head = points.slice(skip, skip + n).map((p) => p[1]),
    rawHead = raw.slice(0, skip + n);
  if (head.length === 0 || rawHead.length < 2) return false;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const start = mean(head),
    rm = mean(rawHead);
  const cv = Math.sqrt(mean(rawHead.map((v) => (v - rm) ** 2))) / Math.max(Math.abs(rm), 1e-12);
  const drop = (start - points[iMin]![1]) / Math.max(Math.abs(start), 1e-12);
  return drop < Math.max(0.05, 3 * cv * Math.sqrt((1 - beta) / (1 + beta)));
}

/** The sweep: one training step per rate, rising exponentially from minLr to maxLr, until the loss explodes. */
/**
 * Each option checked, a ValueError naming it: a sweep between two rates minLr < maxLr over 2 steps at least (one
 * step divided by zero and swept NaN rates; minLr above maxLr swept downwards and suggested nonsense, silently).
 */
function checkLrFindOptions(o: LrFindOptions): void {
  for (const k of ['minLr', 'maxLr'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v)))
      throw new ValueError(expected(`lrFind.${k}`, 'a positive number', v));
  }
  const lo = o.minLr ?? 1e-7,
    hi = o.maxLr ?? 10;
  if (!(lo < hi)) throw new ValueError(expected('lrFind.maxLr', `a rate above minLr (${lo})`, hi));
  if (o.steps !== undefined && !(Number.isInteger(o.steps) && o.steps >= 2))
    throw new ValueError(expected('lrFind.steps', 'an integer >= 2', o.steps));
  if (o.batchSize !== undefined) assertPositiveInt('lrFind.batchSize', o.batchSize);
  if (o.beta !== undefined) assertRate('lrFind.beta', o.beta);
  if (o.threads !== undefined) assertPositiveInt('lrFind.threads', o.threads);
}

async function sweep(m: Model, x: Samples, y: Samples, o: LrFindOptions): Promise<Omit<LrFindResult, 'suggested'>> {
  const lo = o.minLr ?? 1e-7,
    hi = o.maxLr ?? 10,
    steps = o.steps ?? LR_FIND_STEPS,
    beta = o.beta ?? 0.9;
  const N = x.shape[0]!,
    B = Math.min(o.batchSize ?? 32, N);
  const order = m.rng.permutation(N);
  const points: [number, number][] = [],
    raw: number[] = [];
  let avg = 0,
    best = Infinity,
    stoppedEarly = false;
  for (let i = 0, start = 0; i < steps; i++, start += B) {
    if (start + B > N) start = 0;
    const lr = lo * (hi / lo) ** (i / (steps - 1));
    m.optimizer!.learningRate = lr;
    const loss = await m.trainStepAsync(x, y, order, start, B);
    // on one thread a step settles without a turn of the event loop: a sweep of --steps 100000 ignored Ctrl-C and
    // SIGTERM (their handlers never ran) until it ended; fit yields so after each epoch
    await new Promise<void>((r) => setImmediate(r));
    raw.push(loss);
    avg = beta * avg + (1 - beta) * loss;
    const smooth = avg / (1 - beta ** (i + 1));
    if (!Number.isFinite(smooth) || (i > 10 && smooth > 4 * best)) {
      stoppedEarly = true;
      break;
    }
    best = Math.min(best, smooth);
    points.push([lr, smooth]);
  }
  return { points, raw, stoppedEarly };
}

/**
 * Steepest descent of the smoothed loss per decade of rate, before the minimum iMin: a least-squares
 * slope over half a decade on each side, so batch noise on a flat stretch does not pass for a descent.
 */
function steepestDescent(points: [number, number][], skip: number, iMin: number): number {
  const perDecade =
    points.length > 1 ? (points.length - 1) / Math.log10(points[points.length - 1]![0] / points[0]![0]) : 1;
  const W = Math.max(2, Math.round(perDecade / 2));
  let iSteep = skip,
    steepest = Infinity;
  for (let i = skip; i < Math.max(iMin, skip + 1); i++) {
    const a = Math.max(skip, i - W),
      b = Math.min(iMin, i + W);
    if (b - a < 2) continue;
    const g = slope(points, a, b);
    if (g < steepest) {
      steepest = g;
      iSteep = i;
    }
  }
  return iSteep;
}

/** Least-squares slope of the loss over log10(rate), points a..b inclusive. */
function slope(points: [number, number][], a: number, b: number): number {
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    n = 0;
  for (let j = a; j <= b; j++) {
    const x = Math.log10(points[j]![0]),
      y = points[j]![1];
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    n++;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

export interface BatchRangeRow {
  batch_size: number;
  val_loss: number;
  windows_per_second: number;
}
export interface BatchRangeResult {
  suggested: number;
  rows: BatchRangeRow[];
  /** The threads each batch was shared between (fit's, after any fallback; the most any size trained on). */
  threads: number;
}

/** One short training per batch size (fresh model each time, same seed). */
export async function batchSizeRange(
  makeModel: () => Model,
  train: [Samples, Samples],
  val: [Samples, Samples],
  o: { sizes?: number[]; epochs?: number; tolerance?: number; threads?: number } = {},
): Promise<BatchRangeResult> {
  const N = train[0].shape[0]!;
  const sizes = (o.sizes ?? [8, 16, 32, 64, 128, 256, 512, 1024]).filter((b) => b <= N);
  const rows: BatchRangeRow[] = [];
  // One throwaway epoch over a few batches first, so that compiling and warming the code is not charged to the
  // first size measured (it made batch 8 look slower than it is).
  const warm = makeModel(),
    n = Math.min(N, 128);
  await warm.fit(sliceSamples(train[0], 0, n), sliceSamples(train[1], 0, n), {
    epochs: 1,
    batchSize: 32,
    threads: o.threads,
    onWarning: () => {},
  });
  warm.dispose();
  let threads = 1;
  for (const b of sizes) {
    const m = makeModel();
    const t0 = performance.now();
    // on the threads the training will use: measured on one, a large batch's speed-up from sharing it was missed
    const h = await m.fit(train[0], train[1], {
      epochs: o.epochs ?? 1,
      batchSize: b,
      validationData: val,
      threads: o.threads,
      onWarning: () => {},
    });
    threads = Math.max(threads, h.threads ?? 1);
    const sec = (performance.now() - t0) / 1000;
    rows.push({
      batch_size: b,
      val_loss: h.history.val_loss!.at(-1)!,
      windows_per_second: Math.round((N * (o.epochs ?? 1)) / sec),
    });
    m.dispose();
  }
  return { suggested: suggestBatchSize(rows, o.tolerance), rows, threads };
}

/**
 * Among the batch sizes whose validation loss is within `tolerance` (default 10%) of the best, the one with the
 * highest throughput (the larger on a tie). No other row is both faster and better than it.
 * @example
 * import { suggestBatchSize } from 'seqtune/check';
 * suggestBatchSize([{ batch_size: 8, val_loss: 1, windows_per_second: 3894 },
 *   { batch_size: 128, val_loss: 1.08, windows_per_second: 2834 }]) // 8
 */
export function suggestBatchSize(rows: readonly BatchRangeRow[], tolerance = 0.1): number {
  const best = Math.min(...rows.map((r) => r.val_loss));
  const ok = rows.filter((r) => r.val_loss <= best * (1 + tolerance));
  return ok.reduce((a, r) =>
    r.windows_per_second > a.windows_per_second ||
    (r.windows_per_second === a.windows_per_second && r.batch_size > a.batch_size)
      ? r
      : a,
  ).batch_size;
}
