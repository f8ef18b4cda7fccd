// Trials that cannot fit in engine memory are never started: the loop (loop.ts) asks stepMemory (trial.ts: the bytes
// fit counts before its first step) of every proposal, as auto's sweeps do (auto-replay.ts), and records one it
// refuses as a failed trial with `not_started`, which no budget counts, and one line. A grid whose every point cannot
// fit ends with a MemoryLimitError (exit 2) instead of a study of trials refused one after another.

import { MEMORY_LIMIT_BYTES } from '../engine/index.js';
import { MemoryLimitError } from '../errors.js';
import { DuplicateTrial, type FrozenTrial, type Owner } from '../storage/index.js';
import { applyParams, type Params } from './space.js';
import type { StudyContext } from './study-context.js';
import { stepMemory, type TrialEnv } from './trial.js';

/** Bytes in MiB, as the engine's messages say them. */
const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** The proposals refused in a row after which a study stops proposing (a random space too large to fit anywhere). */
export const REFUSED_IN_A_ROW = 20;

/** Why a trial with these params is not started (its steps cannot fit), or null. */
export async function tooBigWhy(env: TrialEnv, params: Params): Promise<{ error: string; mib: number } | null> {
  const bytes = await stepMemory(env, applyParams(env.base, params));
  if (bytes <= MEMORY_LIMIT_BYTES) return null;
  return {
    error:
      `not started: its training steps need ${mib(bytes)} MiB, more than the ${mib(MEMORY_LIMIT_BYTES)} MiB of ` +
      'engine memory; use a smaller batch_size, lookback or model',
    mib: mib(bytes),
  };
}

/**
 * A trial the memory check kept from starting (tooBigWhy), or the trial budget (loop.ts pastBudget): no budget counts
 * it.
 */
export const notStarted = (t: FrozenTrial): boolean => t.attrs.not_started !== undefined;

/**
 * Records a proposal whose steps cannot fit as a failed trial that never started (attrs.not_started) and says so in
 * one line; false when it fits (start it). A proposal another process recorded a moment ago is refused all the same.
 */
export async function refuseTooBig(
  c: StudyContext,
  env: TrialEnv,
  next: { params: Params; why: string },
  o: { owner: Owner; unique: true | 'in-flight'; created?: string },
): Promise<boolean> {
  const why = await tooBigWhy(env, next.params);
  if (!why) return false;
  try {
    const t = await c.storage.createTrial(c.name, next.params, next.why ? { why: next.why } : {}, o);
    await c.storage.finishTrial(c.name, t.number, 'failed', null, {
      created: o.created,
      error: why.error,
      attrs: { not_started: 'memory', step_mib: why.mib },
    });
    c.log(`trial ${t.number} ${why.error} ${JSON.stringify(next.params)}`);
  } catch (e) {
    if (!(e instanceof DuplicateTrial)) throw e;
  }
  return true;
}

/**
 * The study's end when every trial it has was kept from starting by the memory check: a MemoryLimitError naming the
 * smallest need (exit 2); nothing when any trial started.
 */
export function assertSomeFit(name: string, trials: readonly FrozenTrial[]): void {
  if (trials.length === 0 || !trials.every(notStarted)) return;
  const least = Math.min(...trials.map((t) => Number(t.attrs.step_mib)));
  throw new MemoryLimitError(
    `study ${name}: no trial started: the training steps of each of its ${trials.length} configurations need more ` +
      `than the ${mib(MEMORY_LIMIT_BYTES)} MiB of engine memory (the smallest ${least} MiB); ` +
      'use a smaller batch_size, lookback or model, or smaller values in tune.space',
  );
}
