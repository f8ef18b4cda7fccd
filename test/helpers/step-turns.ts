// How many turns of the event loop had run when each call of a Model method began (a training step,
// Model.trainStepAsync; a forecast, Model.predict), while `run` runs: a loop of calls that never lets the event loop
// turn keeps Ctrl-C's and SIGTERM's handlers from running (on one thread a step settles without a turn), so the
// command cannot be stopped until the loop ends.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORIGINS_AT_ONCE } from '../../src/run/forecast.js';
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

/**
 * A wave series in `dir` (train.csv) and its config (c.yaml, returned) whose validation and test splits hold more than
 * 2 x ORIGINS_AT_ONCE windows each, so that a forecast of either takes three batches: GRU(8) -> Dense(8), horizon 8.
 */
export function writeWaveSplits(dir: string): string {
  const split = 2 * ORIGINS_AT_ONCE + 100;
  const rows = 300 + 2 * split;
  const wave = Array.from({ length: rows }, (_, i) => `${i},${(10 * Math.sin(i / 5) + (i % 7)).toFixed(3)}`);
  writeFileSync(join(dir, 'train.csv'), `t,y\n${wave.join('\n')}\n`);
  const [a, b] = [300, 300 + split];
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    'name: wave\ndata: {csv: train.csv, drop: [t], target: y, lookback: 32, horizon: 8,\n' +
      `  split: {train: [0, ${a}], val: [${a}, ${b}], test: [${b}, ${rows}]}}\n` +
      'model: {layers: [{gru: {units: 8}}, {dense: {units: 8}}]}\ntrain: {epochs: 1, batch_size: 64}\n' +
      'evaluate: {baselines: [persistence]}\n',
  );
  return file;
}

/**
 * A wave series in `dir` (wide.csv) and its config (wide.yaml, returned) whose linear baseline's fit (lookback 400:
 * the tridiagonal form of a 400 x 400 matrix and Q's products) is several times WORK_AT_ONCE multiply-adds, so that
 * its async fit (steps.ts) turns the event loop a few times; its validation and test splits are one batch of windows
 * each (a model call each): GRU(2) -> Dense(4), horizon 4, one epoch.
 */
export function writeLinearFit(dir: string): string {
  const rows = 2400;
  const wave = Array.from({ length: rows }, (_, i) => `${i},${(10 * Math.sin(i / 5) + (i % 7)).toFixed(3)}`);
  writeFileSync(join(dir, 'wide.csv'), `t,y\n${wave.join('\n')}\n`);
  const file = join(dir, 'wide.yaml');
  writeFileSync(
    file,
    'name: wide\ndata: {csv: wide.csv, drop: [t], target: y, lookback: 400, horizon: 4,\n' +
      '  split: {train: [0, 1600], val: [1600, 2000], test: [2000, 2400]}}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 4}}]}\ntrain: {epochs: 1, batch_size: 256}\n' +
      'evaluate: {baselines: [persistence, linear]}\n',
  );
  return file;
}
