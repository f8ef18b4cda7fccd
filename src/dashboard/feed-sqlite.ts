// The feed's queries on a SQLite study file, through a read-only connection of its own (the file must exist; it is
// never created or written). `PRAGMA data_version` changes when another connection commits, so a poll while nothing
// is written costs one pragma.

import Database from 'better-sqlite3';
import type { FeedSource, StudyRowLite, TrialRowLite } from './feed.js';

const TRIALS = `SELECT t.id, t.study_id AS studyId, s.name AS study, t.number, t.state, t.value
  FROM trials t JOIN studies s ON s.id = t.study_id
  WHERE t.id > ? OR t.state IN ('waiting', 'running') OR t.id IN (SELECT value FROM json_each(?))`;
const EPOCHS = `SELECT trial_id AS trial, step, value FROM intermediate
  WHERE trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id, step`;

export class SqliteFeed implements FeedSource {
  private db: Database.Database;
  private version = -1;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  }

  async changed(): Promise<boolean> {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    const changed = v !== this.version;
    this.version = v;
    return changed;
  }
  async maxTrialId(): Promise<number> {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS m FROM trials').get() as { m: number }).m;
  }
  async studies(): Promise<StudyRowLite[]> {
    return this.db.prepare('SELECT id, name, attrs, created FROM studies ORDER BY id').all() as StudyRowLite[];
  }
  async lastTrials(): Promise<{ study: number; trial: number }[]> {
    return this.db.prepare('SELECT study_id AS study, max(id) AS trial FROM trials GROUP BY study_id').all() as {
      study: number;
      trial: number;
    }[];
  }
  async trials(after: number, ids: readonly number[]): Promise<TrialRowLite[]> {
    return this.db.prepare(TRIALS).all(after, JSON.stringify(ids)) as TrialRowLite[];
  }
  async epochs(ids: readonly number[]): Promise<{ trial: number; step: number; value: number | null }[]> {
    if (!ids.length) return [];
    return this.db.prepare(EPOCHS).all(JSON.stringify(ids)) as { trial: number; step: number; value: number | null }[];
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
