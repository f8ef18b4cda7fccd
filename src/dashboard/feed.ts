// What changed in the storage since the last look, as the dashboard's events: a study created, updated (its stored
// attributes: the result an auto study's end step writes) or deleted, a trial created, a waiting trial started (a
// worker claimed it), an epoch reported, a trial finished. A source answers a few cheap queries (the studies, new
// trials by id, the trials still open, the epochs of those); the feed keeps the ids and epoch counts it has seen and
// turns the answers into events. It never reads a finished trial twice, so a study of thousands of trials costs what
// its running ones do.

/** One event of GET /api/events; `at` is when the dashboard saw it (ISO 8601). */
export type FeedEvent =
  | { type: 'study-created'; study: string; at: string }
  | { type: 'study-deleted'; study: string; at: string }
  | { type: 'study-updated'; study: string; at: string }
  | { type: 'trial-created'; study: string; number: number; state: string; at: string }
  | { type: 'trial-started'; study: string; number: number; state: string; at: string }
  | { type: 'epoch'; study: string; number: number; step: number; epochs: number; value: number | null; at: string }
  | { type: 'trial-finished'; study: string; number: number; state: string; value: number | null; at: string };

export interface TrialRowLite {
  id: number;
  /** The study's row id (studies().id). */
  studyId: number;
  study: string;
  number: number;
  state: string;
  value: number | null;
}

/**
 * A study as the feed tells studies apart: by its id and its creation time, because a study deleted and made again
 * under its name may get the deleted one's id (SQLite gives a new row the highest id plus one), as its trials may.
 */
export interface StudyRowLite {
  id: number;
  name: string;
  attrs: string;
  created: string;
}

/** The queries a storage answers for the feed (feed-sqlite.ts, feed-pg.ts). */
export interface FeedSource {
  /** False when nothing was written since the last call (a cheap check); a source without one always says true. */
  changed(): Promise<boolean>;
  /** The highest trial id (0: none). */
  maxTrialId(): Promise<number>;
  /** Every study with its attributes' text (a few rows: what was created, changed or deleted comes from it). */
  studies(): Promise<StudyRowLite[]>;
  /** Each study's highest trial id (studies without trials left out). */
  lastTrials(): Promise<{ study: number; trial: number }[]>;
  /** Trials with an id above `after`, or waiting or running, or one of `ids`. */
  trials(after: number, ids: readonly number[]): Promise<TrialRowLite[]>;
  /** Every stored epoch (step, value) of these trials. */
  epochs(ids: readonly number[]): Promise<{ trial: number; step: number; value: number | null }[]>;
  close(): Promise<void>;
}

const OPEN = new Set(['waiting', 'running']);

export class Feed {
  /** The highest trial id seen: trials above it are new. */
  private lastTrial = 0;
  /** Each study's highest trial id seen, by study id: lastTrial goes back to the highest of those left (`forget`). */
  private lastTrialOf = new Map<number, number>();
  /** The studies there at the last look, by id. */
  private studies = new Map<number, StudyRowLite>();
  /** Open trials by id: what they are and how many epochs of theirs were seen. */
  private open = new Map<number, TrialRowLite & { seen: number }>();
  private started = false;
  /**
   * The last poll failed partway (a query refused, the connection lost): the next reads again without asking the
   * source whether anything changed, which that poll's question already answered (and SQLite's data_version moved on).
   */
  private failed = false;

  constructor(private source: FeedSource) {}

  /** Remembers what is there now: the first poll reports only what comes after. */
  async start(): Promise<void> {
    this.open.clear();
    this.lastTrial = await this.source.maxTrialId();
    this.studies = new Map((await this.source.studies()).map((s) => [s.id, s]));
    this.lastTrialOf = new Map((await this.source.lastTrials()).map((r) => [r.study, r.trial]));
    const rows = await this.source.trials(this.lastTrial, []);
    await this.track(rows.filter((r) => OPEN.has(r.state)));
    this.started = true;
  }

  private async track(rows: TrialRowLite[]): Promise<void> {
    const counts = new Map<number, number>();
    for (const e of await this.source.epochs(rows.map((r) => r.id)))
      counts.set(e.trial, (counts.get(e.trial) ?? 0) + 1);
    for (const r of rows) this.open.set(r.id, { ...r, seen: counts.get(r.id) ?? 0 });
  }

  /**
   * The events since the last poll, in the order they happened as far as the storage tells. A poll that fails partway
   * leaves what the feed knows as it was (its cursors, the studies, the epochs seen), so that the next poll tells what
   * this one read: they were lost, the cursors already past them.
   */
  async poll(): Promise<FeedEvent[]> {
    if (!this.started) await this.start();
    if (!this.failed && !(await this.source.changed())) return [];
    const kept = this.known();
    this.failed = true;
    try {
      const out = await this.read();
      this.failed = false;
      return out;
    } catch (e) {
      Object.assign(this, kept);
      throw e;
    }
  }

  /** What the feed knows, as a copy that a failed poll puts back (the open trials' epoch counts change in place). */
  private known() {
    const open = new Map([...this.open].map(([id, t]) => [id, { ...t }]));
    return { lastTrial: this.lastTrial, lastTrialOf: new Map(this.lastTrialOf), studies: this.studies, open };
  }

  private async read(): Promise<FeedEvent[]> {
    const at = new Date().toISOString();
    const out: FeedEvent[] = [];
    out.push(...(await this.studyEvents(at)));
    const rows = await this.source.trials(this.lastTrial, [...this.open.keys()]);
    // an open trial the storage no longer has went with its study
    const there = new Set(rows.map((r) => r.id));
    for (const id of this.open.keys()) if (!there.has(id)) this.open.delete(id);
    for (const r of rows.filter((r) => r.id > this.lastTrial).sort((a, b) => a.id - b.id)) {
      out.push({ type: 'trial-created', study: r.study, number: r.number, state: r.state, at });
      this.open.set(r.id, { ...r, seen: 0 });
      this.lastTrial = r.id;
      this.lastTrialOf.set(r.studyId, r.id);
    }
    // a waiting trial a worker claimed: the page showed it waiting until its first epoch (its new state is kept with
    // the others' below)
    for (const r of rows) {
      const was = this.open.get(r.id);
      if (was && OPEN.has(r.state) && was.state !== r.state)
        out.push({ type: 'trial-started', study: r.study, number: r.number, state: r.state, at });
    }
    out.push(...(await this.newEpochs(rows, at)));
    for (const r of rows) {
      if (OPEN.has(r.state)) this.open.set(r.id, { ...r, seen: this.open.get(r.id)?.seen ?? 0 });
      else if (this.open.delete(r.id))
        out.push({ type: 'trial-finished', study: r.study, number: r.number, state: r.state, value: r.value, at });
    }
    return out;
  }

  /**
   * Studies deleted, changed and created since the last look. A study is told by its id and creation time: a name
   * deleted and made again is a new study, even with the deleted one's id. SQLite gives that id again, and the ids
   * of the deleted study's trials to the next trials: a study deleted and made again under its name read as the old
   * one changed, with no trial of it created and the epochs of its trials counted on from the old ones' (an `epoch`
   * of step 1 first), and a study or trial made after one was deleted was never told at all (its id was not above
   * the highest seen).
   */
  private async studyEvents(at: string): Promise<FeedEvent[]> {
    const out: FeedEvent[] = [];
    const now = await this.source.studies();
    const byId = new Map(now.map((s) => [s.id, s]));
    const same = (s: StudyRowLite) => this.studies.get(s.id)?.created === s.created;
    const gone = [...this.studies.values()].filter((s) => byId.get(s.id)?.created !== s.created);
    for (const s of gone) out.push({ type: 'study-deleted', study: s.name, at });
    for (const s of now)
      if (same(s) && this.studies.get(s.id)!.attrs !== s.attrs) out.push({ type: 'study-updated', study: s.name, at });
    for (const s of now.filter((s) => !same(s)).sort((a, b) => a.id - b.id))
      out.push({ type: 'study-created', study: s.name, at });
    this.studies = byId;
    if (gone.length) this.forget(new Set(gone.map((s) => s.id)));
    return out;
  }

  /**
   * Forgets the trials of deleted studies: their open ones, and the trial cursor goes back to the highest trial id of
   * the studies left, above which every trial made since lies (a new row's id is above every id there).
   */
  private forget(gone: ReadonlySet<number>): void {
    for (const [id, t] of this.open) if (gone.has(t.studyId)) this.open.delete(id);
    for (const id of gone) this.lastTrialOf.delete(id);
    this.lastTrial = Math.max(0, ...this.lastTrialOf.values());
  }

  /** The epochs of the open trials (and of those that just ended) that were not seen yet. */
  private async newEpochs(rows: readonly TrialRowLite[], at: string): Promise<FeedEvent[]> {
    const ids = rows.filter((r) => this.open.has(r.id)).map((r) => r.id);
    if (!ids.length) return [];
    const all = await this.source.epochs(ids);
    const out: FeedEvent[] = [];
    for (const id of ids) {
      const t = this.open.get(id)!;
      const mine = all.filter((e) => e.trial === id).sort((a, b) => a.step - b.step);
      for (let i = t.seen; i < mine.length; i++) {
        const e = mine[i]!;
        out.push({ type: 'epoch', study: t.study, number: t.number, step: e.step, epochs: i + 1, value: e.value, at });
      }
      t.seen = Math.max(t.seen, mine.length);
    }
    return out;
  }

  /**
   * Reads `source` from now on, in place of the storage read so far (a study file replaced by another): the studies
   * read so far are deleted and those of the new storage created, as events, and what it holds then is known.
   */
  async replace(source: FeedSource): Promise<FeedEvent[]> {
    const at = new Date().toISOString();
    const gone = [...this.studies.values()].map((s): FeedEvent => ({ type: 'study-deleted', study: s.name, at }));
    await this.source.close().catch(() => {});
    this.source = source;
    this.open.clear();
    this.started = false;
    await this.start();
    const made = [...this.studies.values()].map((s): FeedEvent => ({ type: 'study-created', study: s.name, at }));
    return [...gone, ...made];
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
