// A study's options, result and the context every step of it shares (study-open.ts opens or creates it, loop.ts
// runs its trials, study.ts is the door).
import type { LoadedConfig, RawConfig } from '../config/index.js';
import type { FrozenTrial, Storage } from '../storage/index.js';
import type { BestRun } from './best.js';
import type { TuneSettings } from './types.js';

export interface StudyResult {
  name: string;
  trials: FrozenTrial[];
  best: FrozenTrial | null;
  /** The best trial's run folder: its model as the trial trained it (no retraining). */
  bestRun?: BestRun;
  /** How the best was chosen when not by its own value (auto: `by the mean over 3 seeds`). */
  bestBy?: string;
  stopReason: string;
  /** Set when a resumed study had already finished: the one line that says so (nothing was trained). */
  finished?: string;
  /** The storage URL the study lives in (a relative SQLite file in the config resolved beside it). */
  storage: string;
  /** Trials this run started (trained, or began to): of a study other processes run too, the share of this one. */
  trained?: number;
}

export interface TuneOptions {
  resume?: boolean;
  /**
   * With resume: run the interrupted trials again (same parameters, new trial numbers) before anything new, even
   * when tune.retries is 0.
   */
  rerunInterrupted?: boolean;
  /** With resume: go on although the config differs from the one the study was created with. */
  force?: boolean;
  /** `seqtune study create`: the study is made and nothing run (an existing one is refused: create has no --resume). */
  createOnly?: boolean;
  storage?: string;
  trials?: number;
  timeBudget?: number;
  /** Where the study's report goes, a line at a time (what `seqtune tune` prints); default nowhere. */
  log?: (l: string) => void;
  /**
   * Trials at once, each in its own worker thread (default: tune.jobs, else the number of cores; 1 with memory
   * storage).
   */
  jobs?: number;
  /** The running trial's epoch on stderr, one line redrawn in place (default false; `seqtune tune` on a terminal). */
  progress?: boolean;
  /** One line per epoch of a trial run in this process, through `log` (instead of the terminal's progress line). */
  verbose?: boolean;
  /** Called with the study's trials whenever the loop reads them or starts one (what an interruption would keep). */
  onTrials?: (trials: readonly FrozenTrial[], study: { name: string; storage: string }) => void;
  /**
   * Each completed trial keeps its model in a run folder, and the study points at the best one (default true); off,
   * the trials keep nothing.
   */
  saveBest?: boolean;
  /** The folder of the trials' run folders (default: runs/<study name> beside the config). */
  out?: string;
  /** The module of the trial threads (default worker.ts; tests swap in one that crashes on purpose). */
  workerScript?: URL;
  /**
   * Aborted (its reason the signal's name, `SIGINT`): the trial threads stop, this process's running trials are
   * failed as interrupted (interrupt.ts) and runStudy rejects with StudyInterrupted. Aborted during auto's end step
   * (the trials done), the step stops and runStudy resolves with the best trial, the step left for `--resume`.
   */
  signal?: AbortSignal;
}

/** What every step of a study shares. */
export interface StudyContext {
  loaded: LoadedConfig;
  base: RawConfig;
  s: TuneSettings;
  storage: Storage;
  /** The storage URL. */
  url: string;
  /** The SQLite file this command creates (it did not exist before), else null: removed when no study was stored. */
  fresh?: string | null;
  /**
   * Once the study is in the fresh file: the file is kept on a signal (until then, Ctrl-C during the checks or
   * lr-find removes it with the run folders being written, as nothing of the user's is in it).
   */
  keepFresh?: () => void;
  name: string;
  /**
   * The study's creation time as storage gave it once this process opened it (openStudy): a study deleted and made
   * again under its name has another, and is not this process's (loop.ts, studyNow).
   */
  created?: string;
  o: TuneOptions;
  log: (l: string) => void;
  /** The time budget's end (Date.now() milliseconds), once the trial loop started with one: the end step's too. */
  endAt?: number;
  /** Seconds the trial loop kept from its trials for auto's end step (endStepReserve, as it last computed it). */
  reserve?: number;
  /** Trials this run started (StudyResult.trained). */
  trained?: number;
}

/** How often a trial whose process died (or that was interrupted) is enqueued again. */
export const retriesOf = (c: StudyContext): number => (c.o.rerunInterrupted ? Math.max(1, c.s.retries) : c.s.retries);
