// What a SQL storage instance has read of each study, so that getTrials selects and builds only the rows that can
// have changed since: a finished trial never changes in storage (only a running trial takes reports, and every write
// that ends or claims a trial checks its state in the same statement or transaction), so its frozen record is kept
// and handed out again. One read of a 2,500-trial SQLite study (40 epochs each) allocated ~38 MB, every row selected,
// JSON-parsed and frozen again; now ~0.1 MB once its trials are known (heapUsed around the call, no GC between).
import { type FrozenTrial, StorageError } from './types.js';

/** What was seen of a study at the last read; never changed in place (a read in flight keeps the one it began with). */
export interface Seen {
  /** Tells the study from one made again under its name in its place (see SeenTrials.of). */
  readonly key: string;
  /** The trials that read returned, by number. */
  readonly trials: readonly FrozenTrial[];
  /** The highest trial number seen (-1: none). */
  readonly top: number;
  /** The numbers of the trials that were waiting or running then: they may have changed since. */
  readonly open: readonly number[];
}

/**
 * How many studies an instance keeps what it saw of by default, the last read kept: tune and a worker read one study,
 * and a process that reads many must not keep every trial of the database (a 2,500-trial study's records hold
 * ~8 MB). A process that reads many studies over and over (the dashboard) opens its storage with a larger cap.
 */
const STUDIES_KEPT = 4;

const NOTHING = (key: string): Seen => ({ key, trials: [], top: -1, open: [] });

const unfinished = (t: FrozenTrial) => t.state === 'waiting' || t.state === 'running';

/**
 * The studies a storage instance read last (`kept` of them, STUDIES_KEPT by default), by the study's row id. A read
 * asks `of` what to select (the rows numbered above `top`, the `open` ones and those waiting or running now, with their
 * intermediate values only), builds those rows and gives them to `merge`, which returns what a read of every row would
 * have. The one read longest ago goes first: a process that reads more studies than `kept` in turn reads each in full.
 */
export class SeenTrials {
  private readonly studies = new Map<number, Seen>();

  constructor(private readonly kept = STUDIES_KEPT) {
    if (!Number.isInteger(kept) || kept < 1)
      throw new StorageError(`studiesKept: expected a positive integer, received ${kept}`);
  }

  /**
   * What was seen of the study with row id `id`, or nothing when `key` differs: the study was deleted and one made
   * again under its name (SQLite gives a new row the id of a deleted last row, so the id alone does not tell).
   */
  of(id: number, key: string): Seen {
    const seen = this.studies.get(id);
    return seen?.key === key ? seen : NOTHING(key);
  }

  /**
   * The study's trials by number: `changed` (the rows `seen` said to select, built, in number order) over the finished
   * trials of `seen`, which are the same objects as before. Kept as what was seen for the next read.
   */
  merge(id: number, seen: Seen, changed: readonly FrozenTrial[]): FrozenTrial[] {
    const out: FrozenTrial[] = [];
    const before = seen.trials;
    let i = 0;
    const keepBefore = (below: number) => {
      for (; i < before.length && before[i]!.number < below; i++) if (!unfinished(before[i]!)) out.push(before[i]!);
    };
    for (const t of changed) {
      keepBefore(t.number);
      if (before[i]?.number === t.number) i++;
      out.push(t);
    }
    keepBefore(Number.POSITIVE_INFINITY);
    const open = out.filter(unfinished).map((t) => t.number);
    this.studies.delete(id); // then set again: the Map's order is the order of the last reads
    this.studies.set(id, { key: seen.key, trials: out, top: Math.max(seen.top, out.at(-1)?.number ?? -1), open });
    for (const old of this.studies.keys()) if (this.studies.size > this.kept) this.studies.delete(old);
    return [...out]; // the caller's own array: one that sorts or fills it must not change what is kept
  }

  /** Drops what was seen of a study (this instance deleted it). */
  forget(id: number): void {
    this.studies.delete(id);
  }

  /**
   * Drops what was seen of every study but those with the row ids `ids`, a listing of the storage's studies: one
   * another process deleted is never read again, and an instance that keeps many (the dashboard, which lists the
   * studies at every poll) held its trials until as many others were read (8 deleted studies of 1,000 trials: 24 MB).
   */
  keepOnly(ids: Iterable<number>): void {
    const listed = new Set(ids);
    for (const id of this.studies.keys()) if (!listed.has(id)) this.studies.delete(id);
  }
}

/**
 * The intermediate values of the rows a read selected, by the trial's row id: each in its step's place (a value that
 * was not finite was stored as null and reads as NaN).
 */
export function valuesByTrial(
  steps: readonly { id: number; step: number; value: number | null }[],
): Map<number, number[]> {
  const byTrial = new Map<number, number[]>();
  for (const s of steps) {
    const a = byTrial.get(s.id) ?? [];
    byTrial.set(s.id, a);
    a[s.step] = s.value ?? Number.NaN;
  }
  return byTrial;
}
