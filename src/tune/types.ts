// The tune: section as the study reads it; settings.ts builds it and the strategies (auto.ts) read it,
// so it lives below both.
import type { Pruner } from './pruners/index.js';
import type { TpeOptions } from './samplers/index.js';
import type { Space } from './space.js';

/** How a study picks its trials. */
export type Strategy = 'auto' | 'ofat' | 'grid' | 'random' | 'tpe';

/** The tune: section of a config, checked and with defaults filled in (tuneSettings in settings.ts). */
export interface TuneSettings {
  strategy: Strategy;
  objective: string;
  /** tune.trials; unset: 20, or no limit (Infinity) when a time budget is set. */
  trials: number;
  timeBudget: number;
  repeats: number;
  jobs: number;
  pruner?: Pruner;
  /** Seconds between two heartbeats of a running trial (tune.heartbeat); stale after 3 without one. */
  heartbeat: number;
  /** Times a stale or interrupted trial is enqueued again (tune.retries). */
  retries: number;
  storage: string;
  space: Space;
  order?: string[];
  /** tune.sampler.tpe: options of the tpe strategy's sampler. */
  tpe?: TpeOptions;
  seed: number;
}
