// A long computation of the linear baseline (its ridge fit, its forecasts) cut into steps: a generator that yields the
// multiply-adds each step did and returns its result. runSteps runs one to its end at once (config build's
// startFromRidge, which calls the fit synchronously, and in a trial finds the fit made first); runStepsAsync turns the
// event loop after every WORK_AT_ONCE of them, so that Ctrl-C and SIGTERM (handled on a turn: cli/main.ts) stop
// evaluate, check, train, a tune's trials, auto's ranking of lookbacks and study ensemble during the fit, and check's
// progress line moves. Both run the same arithmetic in the same order: the results are the same bits.

/** A computation that yields the multiply-adds (at the fit's tiled rate, linearFitSeconds' FIT_RATE) of each step. */
export type Steps<T> = Generator<number, T, void>;

/**
 * Multiply-adds between two turns of the event loop: about 20 ms of one core at 0.8e9 a second (a loaded 2-core
 * EPYC); the longest single step (a panel of the tridiagonalisation, a block of 64 rows of Gram sums at 2,500
 * inputs) is a few tenths of a second.
 */
export const WORK_AT_ONCE = 2 ** 22;

/** A turn of the event loop, for a signal's handler to run in (here and run/forecast.ts's batches of windows). */
export const turn = () => new Promise<void>((r) => setImmediate(r));

/** The result of `s`, run to its end without a turn. */
export function runSteps<T>(s: Steps<T>): T {
  for (;;) {
    const r = s.next();
    if (r.done) return r.value;
  }
}

/** The result of `s`, with a turn of the event loop after every WORK_AT_ONCE multiply-adds (`onTurn` before each). */
export async function runStepsAsync<T>(s: Steps<T>, onTurn?: () => void): Promise<T> {
  let work = 0;
  for (;;) {
    const r = s.next();
    if (r.done) return r.value;
    work += r.value;
    if (work >= WORK_AT_ONCE) {
      work = 0;
      onTurn?.();
      await turn();
    }
  }
}
