// How many turns of the event loop had run when each call of a Model method began (a training step,
// Model.trainStepAsync; a forecast, Model.predict), while `run` runs: a loop of calls that never lets the event loop
// turn keeps Ctrl-C's and SIGTERM's handlers from running (on one thread a step settles without a turn), so the
// command cannot be stopped until the loop ends.
import { Model } from '../../src/train/index.js';

type Counted = 'trainStepAsync' | 'predict';

/** The turns at each call of Model.prototype[method] during `run`, and the turns when `run` had ended (`end`). */
export async function callTurns(
  method: Counted,
  run: () => Promise<unknown>,
): Promise<{ calls: number[]; end: number }> {
  let turns = 0,
    stop = false;
  const turn = () => {
    turns++;
    if (!stop) setImmediate(turn);
  };
  const proto = Model.prototype as unknown as Record<Counted, (...a: unknown[]) => unknown>;
  const original = proto[method];
  const calls: number[] = [];
  proto[method] = function (this: Model, ...a: unknown[]) {
    calls.push(turns);
    return original.apply(this, a);
  };
  setImmediate(turn);
  try {
    await run();
  } finally {
    stop = true;
    proto[method] = original;
  }
  return { calls, end: turns };
}

/** The turns at each training step's start while `run` runs. */
export async function stepTurns(run: () => Promise<unknown>): Promise<number[]> {
  return (await callTurns('trainStepAsync', run)).calls;
}
