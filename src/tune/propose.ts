// Who proposes the next trial of a study: one interface for every strategy, so that the study loop (loop.ts) never
// asks which strategy it runs. Grid, OFAT, random and TPE are samplers (samplers/), asked with the study's trials;
// auto is a proposer over autoNext, replayed from the same trials (stateless: every process of the study, a
// `seqtune worker` included, replays the same plan). Each answers parameters (and why), 'wait' (nothing to start
// until a trial in flight ends: the values of a sweep are all taken) or null (nothing left).
import type { RawConfig } from '../config/index.js';
import { Rng } from '../nn/random.js';
import type { FrozenTrial, Storage } from '../storage/index.js';
import { type AutoBudget, autoNext } from './auto.js';
import {
  GridSampler,
  inFlight,
  OfatSampler,
  RandomSampler,
  runningWith,
  type Sampler,
  TpeSampler,
} from './samplers/index.js';
import type { Params } from './space.js';
import type { TrialEnv } from './trial.js';
import type { TuneSettings } from './types.js';

/** A trial to create: its parameters and why it runs (auto says; samplers do not). */
export interface Proposal {
  params: Params;
  why: string;
}

export interface Proposer {
  /**
   * Grid, OFAT and auto never repeat a configuration: the loop creates their trials with `unique`, so two processes
   * proposing the same value at the same moment start it once. Random and TPE may draw a finished configuration
   * again, never one in flight ('in-flight'): their draws are a function of the seed and the trials so far, so two
   * processes that read the same trials draw the same (3 workers started on a random study trained its first
   * configuration 3 times); the one refused draws again from the trials as they are then.
   */
  readonly unique: true | 'in-flight';
  /** The next trial, 'wait', or null. A proposal already in flight (another process took it) is 'wait'. */
  next(trials: readonly FrozenTrial[]): Promise<Proposal | 'wait' | null>;
  /** Why the study stops when next() has nothing left and nothing is in flight. */
  exhausted(): string;
}

function samplerOf(s: TuneSettings, base: RawConfig): Sampler {
  switch (s.strategy) {
    case 'grid':
      return new GridSampler();
    case 'random':
      return new RandomSampler();
    case 'tpe':
      return new TpeSampler(s.tpe);
    default:
      return new OfatSampler(s.order, base);
  }
}

/** A sampler as a proposer: its random stream is a function of the seed and the trials so far (reproducible). */
function samplerProposer(s: TuneSettings, base: RawConfig): Proposer {
  const sampler = samplerOf(s, base);
  return {
    unique: s.strategy === 'grid' || s.strategy === 'ofat' ? true : 'in-flight',
    next: async (trials) => {
      const p = sampler.sample(s.space, trials, new Rng(s.seed * 1000003 + trials.length));
      if (p === null || p === 'wait') return p;
      return runningWith(trials, p) ? 'wait' : { params: p, why: '' };
    },
    exhausted: () => 'search space exhausted',
  };
}

/** What auto reads besides the trials: the study's attributes (lr-find's range, the checks) from storage. */
export interface AutoSource {
  env: TrialEnv;
  storage: Storage;
  study: string;
  budget?: AutoBudget;
}

/** Auto as a proposer: autoNext's null is 'wait' while a trial is in flight (its sweep still runs), else the end. */
function autoProposer(s: TuneSettings, a: AutoSource): Proposer {
  return {
    unique: true,
    next: async (trials) => {
      if (a.budget) a.budget.skipped = false;
      const attrs = (await a.storage.getStudy(a.study))?.attrs ?? {};
      const step = await autoNext(a.env, s, trials, attrs, a.budget);
      if (!step) return trials.some(inFlight) ? 'wait' : null;
      return runningWith(trials, step.params) ? 'wait' : step;
    },
    exhausted: () => {
      const notes = a.budget?.notes?.length ? ` (${[...new Set(a.budget.notes)].join('; ')})` : '';
      return a.budget?.skipped
        ? `time budget spent: no trial left in the plan finishes in the time left${notes}`
        : `search space exhausted${notes}`;
    },
  };
}

/** The proposer of the study's strategy. */
export const proposerOf = (s: TuneSettings, auto: AutoSource): Proposer =>
  s.strategy === 'auto' ? autoProposer(s, auto) : samplerProposer(s, auto.env.base);
