// Verdicts that come before any trend is read: no epochs, a non-finite loss, an explosion (up, or down
// into ever larger negative values, which no loss that is bounded below can do), a loss that never came within
// 100x of a naive baseline's, a run too short to read.
import { minOf } from './stats.js';
import { type Evidence, noProbabilities, type PatternId } from './types.js';

const only = (a: PatternId, pa: number, b: PatternId): Record<PatternId, number> => {
  const p = noProbabilities();
  p[a] = pa;
  p[b] = 1 - pa;
  return p;
};

/**
 * An explosion: orders of magnitude (EXPLOSION x) above the lowest value before it, or down to negative
 * values EXPLOSION_DOWN x the size the run started at (no loss that is bounded below can do that). A loss that
 * grows 30x under a rising learning rate is a rising curve (architecture), not yet an explosion.
 */
export const EXPLOSION = 300;
export const EXPLOSION_DOWN = 100;
/** A ratio as a message says it: 412x, 6.7e+14x (toFixed wrote every digit: "669145297018468x its lowest before"). */
const times = (r: number): string => `${r < 1e6 ? r.toFixed(0) : r.toPrecision(2)}x`;
export function explosion(loss: number[], which: 'training' | 'validation' = 'training'): string | null {
  const n = loss.length;
  if (n < 3) return null;
  let low = Infinity;
  for (let i = 0; i < n; i++) {
    const v = loss[i]!;
    // a validation epoch that was not finite in a run that went on (Evidence.notFinite) is not read
    if (!Number.isFinite(v)) continue;
    if (low > 0 && v > EXPLOSION * low && v > 10 * Math.abs(loss[0]!)) {
      const ratio = times(v / low);
      return `the ${which} loss exploded to ${v.toPrecision(3)} at epoch ${i + 1} (${ratio} its lowest before)`;
    }
    low = Math.min(low, v);
  }
  const start = Math.max(
    ...loss
      .slice(0, Math.max(1, Math.round(n / 10)))
      .filter(Number.isFinite)
      .map(Math.abs),
    1e-300,
  );
  if (low < 0 && -low > EXPLOSION_DOWN * start)
    return (
      `the ${which} loss fell without bound to ${low.toPrecision(3)} ` +
      `(${times(-low / start)} the size it started at)`
    );
  return null;
}

/** A run whose best validation (else training) loss stays this many times a naive baseline's blew up. */
export const ABOVE_BASELINE = 100;
export function aboveBaseline(
  loss: number[],
  val: number[] | null,
  baseline: { name: string; loss: number } | undefined,
): { ratio: number; text: string } | null {
  const curve = val ?? loss;
  if (!baseline || !(baseline.loss > 0) || !curve.length) return null;
  const best = minOf(curve.filter(Number.isFinite));
  const ratio = best / baseline.loss;
  if (!(ratio > ABOVE_BASELINE)) return null;
  const which = val ? 'validation' : 'training';
  const text =
    `the ${which} loss never came near the ${baseline.name} baseline's ${baseline.loss.toPrecision(3)}: ` +
    `its best, ${best.toPrecision(3)}, is ${ratio.toPrecision(2)}x that (the weights blew up)`;
  return { ratio, text };
}

/**
 * Which loss became non-finite at epoch k (0-based), and what it became: "the validation loss became NaN at epoch
 * 30" (the dashboard's note on the curves words it the same way). "the loss became NaN" did not say which, and a
 * validation loss that failed at the last epoch was read as the training loss.
 */
function nonFiniteWords(train: number, val: number | undefined, k: number): string {
  const at = `at epoch ${k + 1}`;
  const valBad = val !== undefined && !Number.isFinite(val);
  if (Number.isFinite(train)) return `the validation loss became ${val} ${at}, the training loss still finite`;
  if (!valBad) return `the training loss became ${train} ${at}`;
  return Object.is(train, val)
    ? `the training and validation losses became ${train} ${at}`
    : `the training loss became ${train} and the validation loss ${val} ${at}`;
}

/** Epochs a run needs before its trends are read (5 strictly falling points give z = 2.20). */
export const SHORT_RUN = 5;

export function earlyVerdict(
  loss: number[],
  val: number[] | null,
  e: Evidence,
  baseline?: { name: string; loss: number },
): { probabilities: Record<PatternId, number>; summary: string } | null {
  const n = loss.length;
  if (n === 0) return { probabilities: only('plateau', 0.5, 'learning'), summary: 'no epochs recorded' };
  const k = e.firstNonFinite;
  if (k !== null)
    return {
      probabilities: only('diverged', 0.99, 'unstable'),
      summary: nonFiniteWords(loss[k]!, val?.[k], k),
    };
  const above = aboveBaseline(loss, val, baseline);
  if (above) e.aboveBaseline = above.ratio;
  const boom = explosion(loss) ?? (val ? explosion(val, 'validation') : null) ?? above?.text;
  if (boom) return { probabilities: only('diverged', 0.95, 'architecture'), summary: boom };
  // the epochs read: those with finite losses (Evidence.notFinite are left out)
  const m = n - (e.notFinite?.length ?? 0);
  // Below SHORT_RUN epochs no trend can pass the test: the Mann-Kendall z of 4 strictly falling points is
  // (6 - 1) / sqrt(4 * 3 * 13 / 18) = 1.70, short of TREND.z (2); 4 epochs falling 30% each read as flat, underfitting
  if (m < SHORT_RUN) {
    const down = loss[n - 1]! < loss[0]!;
    // training fell while validation rose: the first sign of overfitting, not a run where both still fall
    const split = down && m > 1 && val !== null && val[n - 1]! > val.find(Number.isFinite)!;
    return {
      probabilities: split
        ? only('overfitting', 0.6, 'learning')
        : only(down ? 'learning' : 'plateau', 0.5, down ? 'plateau' : 'learning'),
      summary:
        `only ${m} epoch${m === 1 ? '' : 's'}${m < n ? ' with finite losses' : ''}: too short to read much` +
        (split ? '; validation rose while training fell' : ''),
    };
  }
  return null;
}
