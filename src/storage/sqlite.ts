// SQLite storage (better-sqlite3): one file, WAL journal, a versioned schema. Every report is its
// own committed transaction, so a killed process loses at most the epoch it was in; trial numbers are
// assigned inside an IMMEDIATE transaction, so several workers (threads or processes) can share a file.
import Database from 'better-sqlite3';
import {
  type FrozenTrial,
  freezeTrial,
  type Storage,
  StorageError,
  type StudyRecord,
  type TrialState,
} from './types.js';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS seqtune_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL, attrs TEXT NOT NULL,
  created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
  params TEXT NOT NULL, value REAL, attrs TEXT NOT NULL, error TEXT, started TEXT NOT NULL, finished TEXT,
  UNIQUE (study_id, number));
CREATE TABLE IF NOT EXISTS intermediate (
  trial_id INTEGER NOT NULL REFERENCES trials(id), step INTEGER NOT NULL, value REAL, PRIMARY KEY (trial_id, step));
`;

interface TrialRow {
  id: number;
  number: number;
  state: TrialState;
  params: string;
  value: number | null;
  attrs: string;
  error: string | null;
  started: string;
  finished: string | null;
}

export class SqliteStorage implements Storage {
  private db: Database.Database;

  constructor(readonly file: string) {
    try {
      this.db = new Database(file, { timeout: 30000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA);
      const row = this.db.prepare('SELECT version FROM seqtune_schema').get() as { version: number } | undefined;
      if (!row) this.db.prepare('INSERT INTO seqtune_schema (version) VALUES (?)').run(SCHEMA_VERSION);
      else if (row.version !== SCHEMA_VERSION)
        throw new StorageError(
          `${file}: study database schema version ${row.version}; this seqtune reads version ${SCHEMA_VERSION}`,
        );
    } catch (e) {
      if (e instanceof StorageError) throw e;
      throw new StorageError(`${file}: cannot open the study database (${(e as Error).message})`, { cause: e });
    }
  }

  private studyId(name: string): number {
    const r = this.db.prepare('SELECT id FROM studies WHERE name = ?').get(name) as { id: number } | undefined;
    if (!r) throw new StorageError(`no study named "${name}" in ${this.file}`);
    return r.id;
  }

  private toTrial(r: TrialRow): FrozenTrial {
    const steps = this.db
      .prepare('SELECT step, value FROM intermediate WHERE trial_id = ? ORDER BY step')
      .all(r.id) as { step: number; value: number | null }[];
    const intermediate: number[] = [];
    for (const s of steps) intermediate[s.step] = s.value ?? NaN;
    return freezeTrial({
      number: r.number,
      state: r.state,
      params: JSON.parse(r.params),
      value: r.value,
      intermediate,
      attrs: JSON.parse(r.attrs),
      error: r.error,
      started: r.started,
      finished: r.finished,
    });
  }

  private trialRow(study: string, number: number): TrialRow {
    const r = this.db
      .prepare('SELECT * FROM trials WHERE study_id = ? AND number = ?')
      .get(this.studyId(study), number) as TrialRow | undefined;
    if (!r) throw new StorageError(`study "${study}" has no trial ${number}`);
    return r;
  }

  async createStudy(
    name: string,
    attrs: Record<string, unknown>,
    opts: { loadIfExists?: boolean } = {},
  ): Promise<StudyRecord> {
    const existing = await this.getStudy(name);
    if (existing) {
      if (opts.loadIfExists) return existing;
      throw new StorageError(`a study named "${name}" already exists in ${this.file} (use --resume to continue it)`);
    }
    this.db
      .prepare('INSERT INTO studies (name, direction, attrs, created) VALUES (?, ?, ?, ?)')
      .run(name, 'minimize', JSON.stringify(attrs), new Date().toISOString());
    return (await this.getStudy(name))!;
  }
  async getStudy(name: string): Promise<StudyRecord | null> {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as
      | { name: string; attrs: string; created: string }
      | undefined;
    return r
      ? Object.freeze({
          name: r.name,
          direction: 'minimize' as const,
          created: r.created,
          attrs: Object.freeze(JSON.parse(r.attrs)),
        })
      : null;
  }
  async listStudies(): Promise<StudyRecord[]> {
    return (this.db.prepare('SELECT name FROM studies ORDER BY id').all() as { name: string }[]).map((r) =>
      this.getStudySync(r.name),
    );
  }
  private getStudySync(name: string): StudyRecord {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as {
      name: string;
      attrs: string;
      created: string;
    };
    return Object.freeze({
      name: r.name,
      direction: 'minimize' as const,
      created: r.created,
      attrs: Object.freeze(JSON.parse(r.attrs)),
    });
  }
  async setStudyAttr(name: string, key: string, value: unknown): Promise<void> {
    this.db
      .transaction(() => {
        const r = this.db.prepare('SELECT attrs FROM studies WHERE name = ?').get(name) as
          | { attrs: string }
          | undefined;
        if (!r) throw new StorageError(`no study named "${name}"`);
        this.db
          .prepare('UPDATE studies SET attrs = ? WHERE name = ?')
          .run(JSON.stringify({ ...JSON.parse(r.attrs), [key]: value }), name);
      })
      .immediate();
  }
  async createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs: Record<string, unknown> = {},
  ): Promise<FrozenTrial> {
    const sid = this.studyId(study);
    const number = this.db
      .transaction(() => {
        const n = (
          this.db.prepare('SELECT COALESCE(MAX(number), -1) + 1 AS n FROM trials WHERE study_id = ?').get(sid) as {
            n: number;
          }
        ).n;
        this.db
          .prepare('INSERT INTO trials (study_id, number, state, params, attrs, started) VALUES (?, ?, ?, ?, ?, ?)')
          .run(sid, n, 'running', JSON.stringify(params), JSON.stringify(attrs), new Date().toISOString());
        return n;
      })
      .immediate();
    return this.toTrial(this.trialRow(study, number));
  }
  async report(study: string, number: number, step: number, value: number): Promise<void> {
    const t = this.trialRow(study, number);
    if (t.state !== 'running')
      throw new StorageError(`trial ${number} of "${study}" is ${t.state}; only a running trial takes reports`);
    this.db
      .prepare('INSERT OR REPLACE INTO intermediate (trial_id, step, value) VALUES (?, ?, ?)')
      .run(t.id, step, Number.isFinite(value) ? value : null);
  }
  async finishTrial(
    study: string,
    number: number,
    state: Exclude<TrialState, 'running'>,
    value: number | null,
    extra: { error?: string; attrs?: Record<string, unknown> } = {},
  ): Promise<FrozenTrial> {
    this.db
      .transaction(() => {
        const t = this.trialRow(study, number);
        if (t.state !== 'running') throw new StorageError(`trial ${number} of "${study}" is already ${t.state}`);
        this.db
          .prepare('UPDATE trials SET state = ?, value = ?, error = ?, attrs = ?, finished = ? WHERE id = ?')
          .run(
            state,
            value !== null && Number.isFinite(value) ? value : null,
            extra.error ?? null,
            JSON.stringify({ ...JSON.parse(t.attrs), ...(extra.attrs ?? {}) }),
            new Date().toISOString(),
            t.id,
          );
      })
      .immediate();
    return this.toTrial(this.trialRow(study, number));
  }
  async getTrials(study: string): Promise<FrozenTrial[]> {
    const sid = this.studyId(study);
    const rows = this.db.prepare('SELECT * FROM trials WHERE study_id = ? ORDER BY number').all(sid) as TrialRow[];
    // All intermediate values of the study in one query (a study of hundreds of trials is read every rung).
    const steps = this.db
      .prepare(
        'SELECT i.trial_id AS id, i.step AS step, i.value AS value ' +
          'FROM intermediate i JOIN trials t ON t.id = i.trial_id WHERE t.study_id = ?',
      )
      .all(sid) as { id: number; step: number; value: number | null }[];
    const byTrial = new Map<number, number[]>();
    for (const s of steps) {
      let a = byTrial.get(s.id);
      if (!a) {
        a = [];
        byTrial.set(s.id, a);
      }
      a[s.step] = s.value ?? NaN;
    }
    return rows.map((r) =>
      freezeTrial({
        number: r.number,
        state: r.state,
        params: JSON.parse(r.params),
        value: r.value,
        intermediate: byTrial.get(r.id) ?? [],
        attrs: JSON.parse(r.attrs),
        error: r.error,
        started: r.started,
        finished: r.finished,
      }),
    );
  }
  async failRunning(study: string, reason: string): Promise<number[]> {
    return this.db
      .transaction(() => {
        const sid = this.studyId(study);
        const numbers = (
          this.db
            .prepare("SELECT number FROM trials WHERE study_id = ? AND state = 'running' ORDER BY number")
            .all(sid) as { number: number }[]
        ).map((r) => r.number);
        this.db
          .prepare(
            "UPDATE trials SET state = 'failed', error = ?, finished = ? WHERE study_id = ? AND state = 'running'",
          )
          .run(reason, new Date().toISOString(), sid);
        return numbers;
      })
      .immediate();
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
