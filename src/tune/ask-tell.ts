// The ask/tell interface for library users (as Optuna's): the caller trains, seqtune proposes and
// records. `createStudy` opens (or creates) a study in any storage; `ask` gives the next parameters
// as a running trial; `report` records an intermediate value and says whether to prune; `tell` ends it.
import { expected, ValueError } from '../errors.js';
import { Rng } from '../nn/random.js';
import { didYouMean, nearestName } from '../registry.js';
import {
  DuplicateTrial,
  type EndState,
  type FrozenTrial,
  type MadeStudy,
  MemoryStorage,
  type OfStudy,
  openStorage,
  redactUrl,
  type Storage,
  StorageError,
  storageUrlProblem,
} from '../storage/index.js';
import type { Pruner } from './pruners/index.js';
import type { Sampler } from './samplers/index.js';
import { RandomSampler, TpeSampler } from './samplers/index.js';
import { type Params, parseSpace, type Space } from './space.js';
import { ownerOf } from './stale.js';

export interface StudyOptions {
  name: string;
  /** A storage URL (sqlite:FILE, memory:) or a Storage; default in memory. */
  storage?: string | Storage;
  /** The search space, as in the tune: space: section. */
  space: Record<string, unknown>;
  sampler?: Sampler | 'random' | 'tpe';
  pruner?: Pruner;
  seed?: number;
  /** Continue an existing study of that name (default true). */
  loadIfExists?: boolean;
}

export class Study {
  /** Set by close(): the storage is closed (SQLite's methods then threw a TypeError of better-sqlite3's). */
  private closed = false;

  private constructor(
    readonly name: string,
    readonly storage: Storage,
    readonly space: Space,
    readonly sampler: Sampler,
    readonly pruner: Pruner | undefined,
    readonly seed: number,
    /**
     * The study's creation time as this handle opened it (StudyRecord.created): a study deleted and made again under
     * its name since is another, and every call is refused (StudyRemade) rather than read or written there.
     */
    readonly created: string,
  ) {}

  static async create(o: StudyOptions): Promise<Study> {
    // an empty name made a study that `seqtune study show` and the dashboard cannot name
    if (typeof o.name !== 'string' || o.name.trim() === '')
      throw new ValueError(expected('createStudy: name', 'a non-empty string', o.name));
    const sampler = samplerOf(o.sampler);
    if (o.pruner !== undefined && typeof (o.pruner as Partial<Pruner> | null)?.shouldPrune !== 'function')
      throw new ValueError(expected('createStudy: pruner', 'a Pruner such as new MedianPruner()', o.pruner));
    const space = parseSpace(o.space, 1);
    const storage = storageOf(o.storage);
    let made: MadeStudy;
    try {
      if (o.loadIfExists === false && (await storage.getStudy(o.name)))
        throw new StorageError(
          `createStudy: a study named "${o.name}" already exists in ` +
            `${typeof o.storage === 'string' ? redactUrl(o.storage) : 'the storage given'}; ` +
            'loadIfExists: true (the default) continues it',
        );
      made = await storage.createStudy(o.name, { api: 'ask-tell' }, { loadIfExists: o.loadIfExists ?? true });
    } catch (e) {
      if (storage !== o.storage) await storage.close(); // opened here from a URL: nobody else will close it
      throw e;
    }
    return new Study(o.name, storage, space, sampler, o.pruner, o.seed ?? 42, made.created);
  }

  /**
   * The next trial to run, now running and owned by this process: the oldest enqueued (waiting) trial first, else
   * the sampler's proposal; null when the sampler has nothing left, or nothing until a running trial is told (OFAT's
   * sweep: the sampler said 'wait'; or it proposes parameters a trial in flight already has).
   */
  async ask(): Promise<FrozenTrial | null> {
    this.assertOpen('ask');
    const waiting = await this.storage.claimWaiting(this.name, ownerOf(), this.of());
    if (waiting) return waiting;
    // The draw is a function of the seed and the trials so far: asks that read the same trials (calls at once, other
    // processes) drew the same parameters, and each made a trial of them. A draw that is in flight by then is refused
    // and drawn again from the trials as they are now, while they grow; one in flight before it was read is 'wait'.
    for (let read = -1; ; ) {
      const trials = await this.storage.getTrials(this.name, this.of());
      if (trials.length === read) return null;
      read = trials.length;
      const params = this.sampler.sample(this.space, trials, new Rng(this.seed * 1000003 + trials.length));
      if (!params || params === 'wait') return null;
      try {
        return await this.storage.createTrial(this.name, params, {}, { unique: 'in-flight', ...this.of() });
      } catch (e) {
        if (!(e instanceof DuplicateTrial)) throw e;
      }
    }
  }

  /**
   * Enqueues parameters to try (a waiting trial, as Optuna's enqueue_trial): the next ask() of any process of the
   * study, a `seqtune worker` included, takes it before the sampler proposes anything.
   */
  async enqueue(params: Params, attrs: Record<string, unknown> = {}): Promise<FrozenTrial> {
    this.assertOpen('enqueue');
    return this.storage.createTrial(this.name, params, { why: 'enqueued', ...attrs }, { waiting: true, ...this.of() });
  }

  /** Records the objective at a step; returns true when the pruner says to stop this trial. */
  async report(trial: FrozenTrial, step: number, value: number): Promise<boolean> {
    this.assertOpen('report');
    await this.storage.report(this.name, trial.number, step, value, this.of());
    if (!this.pruner) return false;
    const trials = await this.storage.getTrials(this.name, this.of());
    return this.pruner.shouldPrune(trials.find((t) => t.number === trial.number)!, step, trials);
  }

  /**
   * Ends a trial: a value (complete), or an explicit state (pruned keeps its last value; failed none). A value that
   * is not finite (NaN, Infinity: a diverged objective) fails the trial, as Optuna's tell does, naming the value.
   */
  async tell(trial: FrozenTrial, value: number | null, state?: EndState, error?: string): Promise<FrozenTrial> {
    this.assertOpen('tell');
    if (value !== null && !Number.isFinite(value) && state !== 'pruned')
      return this.storage.finishTrial(this.name, trial.number, 'failed', null, {
        error: error ?? `the objective was ${value}`,
        ...this.of(),
      });
    const end = state ?? (value === null ? 'failed' : 'complete');
    return this.storage.finishTrial(this.name, trial.number, end, value, { ...(error ? { error } : {}), ...this.of() });
  }

  async trials(): Promise<FrozenTrial[]> {
    this.assertOpen('trials');
    return this.storage.getTrials(this.name, this.of());
  }

  async best(): Promise<FrozenTrial | null> {
    return (await this.trials())
      .filter((t) => t.state === 'complete' && t.value !== null)
      .reduce<FrozenTrial | null>((a, t) => (!a || t.value! < a.value! ? t : a), null);
  }

  /** Closes the storage; the study is not used after (its methods refuse it). Again: nothing more. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.storage.close();
  }

  /** The study this handle opened, for every storage call (OfStudy). */
  private of(): OfStudy {
    return { created: this.created };
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new ValueError(`study ${this.name}: ${what} after close(); open it again with createStudy`);
  }
}

/**
 * The storage a study option names (default in memory). A URL is checked here, so that its message names this
 * option rather than the CLI's --storage (openStorage's wording).
 */
function storageOf(storage: StudyOptions['storage']): Storage {
  if (typeof storage !== 'string') return storage ?? new MemoryStorage();
  const problem = storageUrlProblem(storage);
  if (problem) throw new StorageError(`createStudy: storage: ${problem}`);
  return openStorage(storage);
}

/**
 * The sampler a study option names (default TPE). Anything else is refused here: a misspelt name was kept as the
 * sampler and failed at the first ask() with "this.sampler.sample is not a function".
 */
function samplerOf(s: StudyOptions['sampler']): Sampler {
  if (s === 'random') return new RandomSampler();
  if (s === 'tpe' || s === undefined) return new TpeSampler();
  if (typeof (s as Partial<Sampler> | null)?.sample === 'function') return s as Sampler;
  const near = typeof s === 'string' ? nearestName(s, ['random', 'tpe']) : undefined;
  throw new ValueError(
    expected('createStudy: sampler', '"random", "tpe" or a Sampler such as new GridSampler()', s) + didYouMean(near),
  );
}

/**
 * Opens or creates a study.
 * @example
 * import { createStudy } from 'seqtune';
 * const study = await createStudy({ name: 'lr', space: { lr: { loguniform: [1e-4, 1e-1] } } });
 * const t = await study.ask(); // null once the space is exhausted
 * const valLossOf = async (lr: number) => (Math.log10(lr) + 2) ** 2; // train with this rate: the validation loss
 * if (t) await study.tell(t, await valLossOf(t.params.lr as number));
 */
export const createStudy = (o: StudyOptions): Promise<Study> => Study.create(o);
export type { Space };
