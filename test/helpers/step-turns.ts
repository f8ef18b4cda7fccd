// How many turns of the event loop had run when each training step (Model.trainStepAsync) began, while `run` runs:
// a loop of steps that never lets the event loop turn keeps Ctrl-C's and SIGTERM's handlers from running (on one
// thread a step settles without a turn), so the command cannot be stopped until the loop ends.
import { Model } from '../../src/train/index.js';

export async function stepTurns(run: () => Promise<unknown>): Promise<number[]> {
  let turns = 0,
    stop = false;
  const turn = () => {
    turns++;
    if (!stop) setImmediate(turn);
  };
  const step = Model.prototype.trainStepAsync;
  const seen: number[] = [];
  Model.prototype.trainStepAsync = function (this: Model, ...a: Parameters<typeof step>) {
    seen.push(turns);
    return step.apply(this, a);
  };
  setImmediate(turn);
  try {
    await run();
  } finally {
    stop = true;
    Model.prototype.trainStepAsync = step;
  }
  return seen;
}
