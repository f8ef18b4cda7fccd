// A study's trials read from a SQLite file for the pages, on a read-only connection: the same records as the
// storage's getTrials, except that each trial's attributes come without `history` (the per-epoch train and
// validation losses, most of a trial's bytes; GET /api/studies/NAME/trials/N reads it from the storage). The study
// JSON does not use it, so the pages of a study of thousands of trials load in a fraction of the time.

import Database from 'better-sqlite3';
import {
  type FrozenTrial,
  SeenTrials,
  type SqliteStudyRow,
  type SqliteTrialRow,
  sqliteSeenKey,
  sqliteTrialOf,
  type TrialsAt,
} from '../storage/index.js';

const trialsSql = (has: (column: string) => boolean) => {
  // a file an older seqtune wrote (schema version 1) has no owner, worker or heartbeat: those read as null, as
  // the storage reads them
  const or = (column: string) => (has(column) ? `t.${column}` : `NULL AS ${column}`);
  return `SELECT t.id, t.number, t.state, t.params, t.value, json_remove(t.attrs, '$.history') AS attrs, t.error,
  t.started, t.finished, ${['owner', 'worker', 'heartbeat'].map(or).join(', ')}
  FROM trials t WHERE t.study_id = ? AND (t.number > ? OR t.state IN ('waiting', 'running')
    OR t.number IN (SELECT value FROM json_each(?))) ORDER BY t.number`;
};
// One JSON array of values per trial in step order (SQLite builds it; 500,000 row objects would cost seconds), for
// the rows read (their ids as a JSON array).
const STEPS = `SELECT trial_id AS id, json_group_array(value ORDER BY step) AS values_, count(*) AS n, max(step) AS last
  FROM intermediate WHERE trial_id IN (SELECT value FROM json_each(?)) GROUP BY trial_id`;
const STEPS_OF = 'SELECT step, value FROM intermediate WHERE trial_id = ?';

interface Steps {
  id: number;
  values_: string;
  n: number;
  last: number;
}

export class SqliteTrials {
  private db: Database.Database;
  /** The last study read and the file's data_version then: read again only after another connection wrote. */
  private last: { study: string; version: number; trials: FrozenTrial[] } | null = null;

  /** The trials query for the file's columns, and the schema_version it was made for (trialsQuery). */
  private trials: { schema: number; sql: string } | null = null;
  /**
   * The trials read so far, by study: a read selects only the rows that can have changed since (the storage's own
   * rule, storage/seen-trials.ts). A running study writes at every epoch, so the file's data_version alone had every
   * poll read every trial again.
   */
  private readonly seen: SeenTrials;

  /** `studiesKept`: how many studies' trials are kept for the next read (OpenOptions.studiesKept). */
  constructor(file: string, o: { studiesKept?: number } = {}) {
    this.seen = new SeenTrials(o.studiesKept);
    this.db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  }

  /**
   * The trials query for the file's columns as they are now. A file an older seqtune wrote gains the owner columns
   * when a tune of this seqtune opens it (and migrates it) while the dashboard reads it: a query made once, at open,
   * read them as null for good, and the study page said of every running trial past the grace since its start that
   * its process may be dead (no heartbeat), though it beat all along.
   */
  private trialsQuery(): string {
    const schema = this.db.pragma('schema_version', { simple: true }) as number;
    if (this.trials?.schema !== schema) {
      const columns = new Set((this.db.pragma('table_info(trials)') as { name: string }[]).map((c) => c.name));
      this.trials = { schema, sql: trialsSql((c) => columns.has(c)) };
    }
    return this.trials.sql;
  }

  /** The trials of a study by number, without their attributes' history (none when there is no such study). */
  async getTrials(study: string): Promise<FrozenTrial[]> {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (this.last?.study === study && this.last.version === version) return this.last.trials;
    const trials = this.read(study);
    this.last = { study, version, trials };
    return trials;
  }

  /**
   * Drops what was kept of the studies deleted since they were read (SeenTrials.keepOnly), as the storage's
   * listStudies does: the dashboard calls it when it lists them.
   */
  keepListed(): void {
    this.seen.keepOnly(this.db.prepare('SELECT id FROM studies').pluck().all() as number[]);
  }

  /** getTrials with this machine's clock, the file's writers' (as the storage's getTrialsAt). */
  async getTrialsAt(study: string): Promise<TrialsAt> {
    return { trials: await this.getTrials(study), now: Date.now() };
  }

  private read(study: string): FrozenTrial[] {
    const read = this.db.transaction(() => {
      const s = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(study) as SqliteStudyRow | undefined;
      if (!s) return [];
      const seen = this.seen.of(s.id, sqliteSeenKey(s));
      const rows = this.db
        .prepare(this.trialsQuery())
        .all(s.id, seen.top, JSON.stringify(seen.open)) as SqliteTrialRow[];
      const byTrial = new Map<number, number[]>();
      const ids = JSON.stringify(rows.map((r) => r.id));
      if (rows.length) for (const x of this.db.prepare(STEPS).all(ids) as Steps[]) byTrial.set(x.id, this.valuesOf(x));
      return this.seen.merge(
        s.id,
        seen,
        rows.map((r) => sqliteTrialOf(r, byTrial.get(r.id) ?? [])),
      );
    });
    return read();
  }

  /** A trial's values by step (null, a non-finite value, read as NaN, as the storage does). */
  private valuesOf(s: Steps): number[] {
    if (s.last === s.n - 1) return (JSON.parse(s.values_) as (number | null)[]).map((v) => v ?? NaN);
    const out: number[] = []; // steps with gaps: placed one by one
    for (const r of this.db.prepare(STEPS_OF).all(s.id) as { step: number; value: number | null }[])
      out[r.step] = r.value ?? NaN;
    return out;
  }

  close(): void {
    this.db.close();
  }
}
