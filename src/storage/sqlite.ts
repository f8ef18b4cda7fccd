// SQLite storage (better-sqlite3): one file, WAL journal, a versioned schema (sqlite-schema.ts, migrated on
// open). Every report is its own committed transaction, so a killed process loses at most the epoch it was in;
// trial numbers, claims of waiting trials and stale-trial handling run inside IMMEDIATE transactions, so several
// workers (threads or processes) can share a file and never take one trial twice.
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrationsFrom, refuseNewer, SCHEMA_VERSION } from './schema.js';
import { SeenTrials, valuesByTrial } from './seen-trials.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import {
  duplicateOf,
  type EndState,
  type FrozenTrial,
  freezeTrial,
  isStale,
  type MadeStudy,
  type NewTrial,
  NOTHING_DELETED,
  NOTHING_READ,
  type OfStudy,
  type Owner,
  ownerAttrs,
  ownerText,
  remadeError,
  type StaleResult,
  type StaleRule,
  type Storage,
  StorageError,
  type StudyRecord,
  staleOutcome,
  type TrialState,
  type TrialsAt,
} from './types.js';

/** A row of the trials table as better-sqlite3 returns it (the dashboard's read-only reader shares it). */
export interface TrialRow {
  id: number;
  number: number;
  state: TrialState;
  params: string;
  value: number | null;
  attrs: string;
  error: string | null;
  started: string;
  finished: string | null;
  owner: string | null;
  worker: number | null;
  heartbeat: string | null;
}

const now = () => new Date().toISOString();

/** The frozen trial of a trials row and its intermediate values (a version 1 file's row has no owner columns). */
export function trialOf(r: TrialRow, intermediate: number[]): FrozenTrial {
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
    owner: r.owner ?? null,
    worker: r.worker ?? null,
    heartbeat: r.heartbeat ?? null,
  });
}

/** A studies row as seenKey reads it (a file an older seqtune wrote may have no token column). */
export interface SqliteStudyRow {
  id: number;
  created: string;
  token?: string | null;
}

/**
 * A study's key for what a reader saw of it (SeenTrials.of): its id with its creation time and token, because a study
 * made again under the name of a deleted one may get the deleted one's id (SQLite gives a new row the highest id plus
 * one). Studies in a file an older seqtune wrote have no token.
 */
export const seenKey = (r: SqliteStudyRow): string => `${r.id} ${r.created} ${r.token ?? ''}`;

/** Whether seqtune's tables are in the file (its schema version table). */
const hasSchema = (db: Database.Database) =>
  Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'seqtune_schema'").get());
const noStudies = (file: string) =>
  new StorageError(`${file}: no seqtune studies in this file (it has no seqtune tables; none were made)`);

/**
 * Opens the file as it is, for reading only: a file an older seqtune wrote is read in its schema, not migrated (nor its
 * journal mode set, nor a write lock taken), so that showing a study never changes the user's file. `query_only`
 * refuses any write; a connection opened `readonly` would do the same but leave an empty -wal and -shm beside the file,
 * which only a connection that may write removes when it closes.
 */
function openReadOnly(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true, timeout: 30000 });
  try {
    db.pragma('query_only = ON');
    if (!hasSchema(db)) throw noStudies(file);
    const found = db.prepare('SELECT version FROM seqtune_schema').get() as { version: number } | undefined;
    if (!found) throw noStudies(file);
    refuseNewer(file, found.version);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * The refusal of a file with tables of its own and none of seqtune's: another program's database, which seqtune's
 * tables would be made in beside its own (and its journal mode changed), a table of its named `studies` given a
 * column; null when the file is seqtune's, new or empty.
 */
function notOurs(db: Database.Database, file: string): StorageError | null {
  if (hasSchema(db)) return null;
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' ORDER BY name")
    .all() as { name: string }[];
  if (!tables.length) return null;
  const names = tables.map((t) => t.name);
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return new StorageError(
    `${file}: not a seqtune study file: it holds tables of its own (${shown}) and none of seqtune's; ` +
      'seqtune makes its tables only in a new or empty file (name another with --storage or tune.storage)',
  );
}

/** Opens the file and brings its schema to SCHEMA_VERSION (one process at a time: an IMMEDIATE transaction). */
function openDatabase(file: string, existing = false): Database.Database {
  const db = new Database(file, { timeout: 30000 });
  try {
    // A read-only open never makes seqtune's tables in a file it did not write (nor changes its journal mode).
    if (existing && !hasSchema(db)) throw noStudies(file);
    const foreign = notOurs(db, file);
    if (foreign) throw foreign;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF'); // better-sqlite3 turns them on; a table rebuild needs them off
    db.exec('CREATE TABLE IF NOT EXISTS seqtune_schema (version INTEGER NOT NULL)');
    db.transaction(() => {
      const row = db.prepare('SELECT version FROM seqtune_schema').get() as { version: number } | undefined;
      const todo = migrationsFrom(file, row?.version ?? 0, SQLITE_MIGRATIONS);
      for (const m of todo) db.exec(m.sql);
      if (!row) db.prepare('INSERT INTO seqtune_schema (version) VALUES (?)').run(SCHEMA_VERSION);
      else if (todo.length) db.prepare('UPDATE seqtune_schema SET version = ?').run(SCHEMA_VERSION);
    }).immediate();
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why SQLite could not write the file: the file or its folder read-only, or its -wal or -shm made by another user's
 * read (a dashboard or study ls of a file it cannot write leaves them, owned by that user, where the folder lets it),
 * which the file's owner cannot write. That last one was said to be the file or its folder, which the owner could
 * write; only removing the two files, or making them writable, lets a tune or worker write there again.
 */
function readOnlyWhy(file: string): string {
  const journal = [`${file}-wal`, `${file}-shm`].filter((f) => existsSync(f) && !writable(f));
  if (journal.length && writable(file) && writable(dirname(file))) {
    const owners = journal.map((f) => `${basename(f)}: uid ${statSync(f).uid}, mode ${modeOf(f)}`).join('; ');
    return (
      `this user cannot write its journal (${owners}), which another user's read (a dashboard, study ls) of a file ` +
      `it could not write leaves behind; once no process has the file open, remove ${basename(file)}-wal and ` +
      `${basename(file)}-shm (SQLite makes them again), or make them writable by this user`
    );
  }
  return (
    'the file or its folder is read-only, and SQLite writes its journal (the -wal and -shm files beside it) even ' +
    'to read; copy it to a folder you can write to'
  );
}

const modeOf = (f: string) => (statSync(f).mode & 0o777).toString(8).padStart(4, '0');

export class SqliteStorage implements Storage {
  private db: Database.Database;
  /** The file's inode when it was opened: close() tells whether the path still names it. */
  private readonly inode: number;

  private readonly readOnly: boolean;
  /** The finished trials read so far, by study: getTrials selects only the rows that can have changed since. */
  private readonly seen: SeenTrials;

  /**
   * `existing`: a file without seqtune's tables is an error, and none are made in it. `readOnly`: that, and the file
   * is never written (an older schema is read as it is; a write fails). `studiesKept`: how many studies' trials are
   * kept for the next read (OpenOptions.studiesKept).
   */
  constructor(
    readonly file: string,
    o: { existing?: boolean; readOnly?: boolean; studiesKept?: number } = {},
  ) {
    this.seen = new SeenTrials(o.studiesKept);
    this.readOnly = o.readOnly ?? false;
    try {
      this.db = this.readOnly ? openReadOnly(file) : openDatabase(file, o.existing);
    } catch (e) {
      if (e instanceof StorageError) throw e;
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))
        throw new StorageError(`${file}: cannot open the study database: ${readOnlyWhy(file)}`, { cause: e });
      throw new StorageError(`${file}: cannot open the study database (${(e as Error).message})`, { cause: e });
    }
    this.inode = statSync(file).ino;
  }

  /**
   * The study's row id; with `of.created`, of that study only (StudyRemade else). Read it in the transaction that
   * writes by it: SQLite may give a study made again under the name the deleted one's id.
   */
  private studyId(name: string, of: OfStudy = {}): number {
    const r = this.db.prepare('SELECT id, created FROM studies WHERE name = ?').get(name) as
      | { id: number; created: string }
      | undefined;
    if (!r) throw new StorageError(`no study named "${name}" in ${this.file}`);
    const remade = remadeError(name, this.file, r.created, of);
    if (remade) throw remade;
    return r.id;
  }

  private toTrial(r: TrialRow): FrozenTrial {
    const steps = this.db
      .prepare('SELECT step, value FROM intermediate WHERE trial_id = ? ORDER BY step')
      .all(r.id) as { step: number; value: number | null }[];
    const intermediate: number[] = [];
    for (const s of steps) intermediate[s.step] = s.value ?? NaN;
    return trialOf(r, intermediate);
  }

  private trialRow(study: string, number: number, of: OfStudy = {}): TrialRow {
    const r = this.db
      .prepare('SELECT * FROM trials WHERE study_id = ? AND number = ?')
      .get(this.studyId(study, of), number) as TrialRow | undefined;
    if (!r) throw new StorageError(`study "${study}" has no trial ${number}`);
    return r;
  }

  async createStudy(
    name: string,
    attrs: Record<string, unknown>,
    opts: { loadIfExists?: boolean } = {},
  ): Promise<MadeStudy> {
    // One statement decides who creates: a second creator at the same moment finds the name taken. The token tells
    // this study from one deleted before it, whose row id SQLite may give it (studyKey).
    const made = this.db
      .prepare(
        'INSERT INTO studies (name, direction, attrs, created, token) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(name, 'minimize', JSON.stringify(attrs), now(), randomUUID());
    if (!made.changes && !opts.loadIfExists)
      throw new StorageError(`a study named "${name}" already exists in ${this.file} (use --resume to continue it)`);
    return Object.freeze({ ...(await this.getStudy(name))!, made: made.changes > 0 });
  }
  async getStudy(name: string): Promise<StudyRecord | null> {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as
      | { name: string; attrs: string; created: string }
      | undefined;
    return r ? this.studyOf(r) : null;
  }
  private studyOf(r: { name: string; attrs: string; created: string }): StudyRecord {
    return Object.freeze({
      name: r.name,
      direction: 'minimize' as const,
      created: r.created,
      attrs: Object.freeze(JSON.parse(r.attrs)),
    });
  }
  async listStudies(): Promise<StudyRecord[]> {
    const rows = this.db.prepare('SELECT * FROM studies ORDER BY id').all() as {
      id: number;
      name: string;
      attrs: string;
      created: string;
    }[];
    this.seen.keepOnly(rows.map((r) => r.id)); // a study deleted since it was read: its trials go
    return rows.map((r) => this.studyOf(r));
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
  async deleteStudy(name: string, of: OfStudy = {}): Promise<boolean> {
    return this.db
      .transaction(() => {
        const r = this.db.prepare('SELECT id, created FROM studies WHERE name = ?').get(name) as
          | { id: number; created: string }
          | undefined;
        if (!r) return false;
        const remade = remadeError(name, this.file, r.created, of, NOTHING_DELETED);
        if (remade) throw remade;
        this.db
          .prepare('DELETE FROM intermediate WHERE trial_id IN (SELECT id FROM trials WHERE study_id = ?)')
          .run(r.id);
        this.db.prepare('DELETE FROM trials WHERE study_id = ?').run(r.id);
        this.db.prepare('DELETE FROM studies WHERE id = ?').run(r.id);
        this.seen.forget(r.id);
        return true;
      })
      .immediate();
  }
  /** Inserts a trial with the study's next number; call inside an IMMEDIATE transaction. */
  private insertTrial(
    sid: number,
    params: Record<string, unknown>,
    attrs: Record<string, unknown>,
    opts: NewTrial,
  ): number {
    const n = (
      this.db.prepare('SELECT COALESCE(MAX(number), -1) + 1 AS n FROM trials WHERE study_id = ?').get(sid) as {
        n: number;
      }
    ).n;
    const owner = !opts.waiting ? opts.owner : undefined;
    const at = now();
    this.db
      .prepare(
        'INSERT INTO trials (study_id, number, state, params, attrs, started, owner, worker, heartbeat) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        sid,
        n,
        opts.waiting ? 'waiting' : 'running',
        JSON.stringify(params),
        JSON.stringify(owner ? { ...attrs, ...ownerAttrs(owner) } : attrs),
        at,
        owner ? ownerText(owner) : null,
        owner ? owner.worker : null,
        owner ? at : null,
      );
    return n;
  }
  async createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs: Record<string, unknown> = {},
    opts: NewTrial = {},
  ): Promise<FrozenTrial> {
    return this.db
      .transaction(() => {
        const sid = this.studyId(study, opts);
        if (opts.unique) {
          const taken = this.db.prepare('SELECT state, params FROM trials WHERE study_id = ?').all(sid) as {
            state: string;
            params: string;
          }[];
          const dup = duplicateOf(
            study,
            params,
            taken.map((t) => ({ state: t.state, params: JSON.parse(t.params) })),
            opts.unique,
          );
          if (dup) throw dup;
        }
        // read in the transaction: by name after it, a study made again meanwhile would answer another's trial
        return this.toTrial(this.trialRow(study, this.insertTrial(sid, params, attrs, opts)));
      })
      .immediate();
  }
  async claimWaiting(study: string, owner: Owner, of: OfStudy = {}): Promise<FrozenTrial | null> {
    return this.db
      .transaction(() => {
        const sid = this.studyId(study, of);
        const r = this.db
          .prepare("SELECT * FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1")
          .get(sid) as TrialRow | undefined;
        if (!r) return null;
        const at = now();
        const attrs = JSON.stringify({ ...JSON.parse(r.attrs), ...ownerAttrs(owner) });
        this.db
          .prepare(
            "UPDATE trials SET state = 'running', owner = ?, worker = ?, heartbeat = ?, started = ?, attrs = ? " +
              'WHERE id = ?',
          )
          .run(ownerText(owner), owner.worker, at, at, attrs, r.id);
        return this.toTrial(this.trialRow(study, r.number));
      })
      .immediate();
  }
  async heartbeat(study: string, numbers: readonly number[], of: OfStudy = {}): Promise<void> {
    if (!numbers.length) return;
    const beat = this.db.prepare(
      "UPDATE trials SET heartbeat = ? WHERE study_id = ? AND number = ? AND state = 'running'",
    );
    // the time once the write lock is held: a beat that waited for another process's lock (up to the 30 s busy
    // timeout) would otherwise land already old, and another process's sweep right after could take it for stale
    this.db
      .transaction(() => {
        const sid = this.studyId(study, of);
        const at = now();
        for (const n of numbers) beat.run(at, sid, n);
      })
      .immediate();
  }
  async report(study: string, number: number, step: number, value: number, of: OfStudy = {}): Promise<void> {
    // The state is checked by the statement that writes: checked by a read before it, another process could end the
    // trial in between (a sweep while this write waited for its lock), and a finished trial would gain a value. The
    // study (of.created) is read in the same write transaction: SQLite may give a study made again the deleted one's
    // id.
    const write = this.db.prepare(
      'INSERT OR REPLACE INTO intermediate (trial_id, step, value) ' +
        "SELECT id, ?, ? FROM trials WHERE study_id = ? AND number = ? AND state = 'running'",
    );
    const v = Number.isFinite(value) ? value : null;
    const done = this.db.transaction(() => write.run(step, v, this.studyId(study, of), number)).immediate();
    if (done.changes) return;
    const t = this.trialRow(study, number, of);
    throw new StorageError(`trial ${number} of "${study}" is ${t.state}; only a running trial takes reports`);
  }
  async finishTrial(
    study: string,
    number: number,
    state: EndState,
    value: number | null,
    extra: { error?: string; attrs?: Record<string, unknown> } & OfStudy = {},
  ): Promise<FrozenTrial> {
    this.db
      .transaction(() => {
        const t = this.trialRow(study, number, extra);
        if (t.state !== 'running') throw new StorageError(`trial ${number} of "${study}" is already ${t.state}`);
        this.db
          .prepare('UPDATE trials SET state = ?, value = ?, error = ?, attrs = ?, finished = ? WHERE id = ?')
          .run(
            state,
            value !== null && Number.isFinite(value) ? value : null,
            extra.error ?? null,
            JSON.stringify({ ...JSON.parse(t.attrs), ...(extra.attrs ?? {}) }),
            now(),
            t.id,
          );
      })
      .immediate();
    return this.toTrial(this.trialRow(study, number));
  }
  /**
   * The study's trials by number. Only the rows that can have changed since this instance last read the study are
   * selected and built (seen-trials.ts): those numbered above the highest it saw, those it saw waiting or running,
   * and those waiting or running now; the finished trials it saw are the same objects as then. One read transaction:
   * the rows and their intermediate values are of one moment.
   */
  async getTrials(study: string, of: OfStudy = {}): Promise<FrozenTrial[]> {
    return (await this.getTrialsAt(study, of)).trials;
  }
  /** getTrials with this machine's clock: the file's writers share the file, and so its machine and clock. */
  async getTrialsAt(study: string, of: OfStudy = {}): Promise<TrialsAt> {
    return this.db.transaction(() => {
      const { id, key } = this.studyKey(study, of);
      const seen = this.seen.of(id, key);
      const rows = this.db
        .prepare(
          "SELECT * FROM trials WHERE study_id = ? AND (number > ? OR state IN ('waiting', 'running') " +
            'OR number IN (SELECT value FROM json_each(?))) ORDER BY number',
        )
        .all(id, seen.top, JSON.stringify(seen.open)) as TrialRow[];
      // the intermediate values of those rows in one query (a study of hundreds of trials is read every rung)
      const steps = rows.length
        ? (this.db
            .prepare(
              'SELECT trial_id AS id, step, value FROM intermediate WHERE trial_id IN (SELECT value FROM json_each(?))',
            )
            .all(JSON.stringify(rows.map((r) => r.id))) as { id: number; step: number; value: number | null }[])
        : [];
      const byTrial = valuesByTrial(steps);
      const trials = this.seen.merge(
        id,
        seen,
        rows.map((r) => trialOf(r, byTrial.get(r.id) ?? [])),
      );
      return { trials, now: Date.now() };
    })();
  }
  /**
   * The study's row id, and its key for what was seen of it (seenKey); with `of.created`, of that study only (read in
   * the transaction that reads its trials by the id).
   */
  private studyKey(name: string, of: OfStudy = {}): { id: number; key: string } {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as SqliteStudyRow | undefined;
    if (!r) throw new StorageError(`no study named "${name}" in ${this.file}`);
    const remade = remadeError(name, this.file, r.created, of, NOTHING_READ);
    if (remade) throw remade;
    return { id: r.id, key: seenKey(r) };
  }
  async failStale(study: string, rule: StaleRule, of: OfStudy = {}): Promise<StaleResult> {
    return this.db
      .transaction(() => {
        const sid = this.studyId(study, of);
        const out: StaleResult = { failed: [], enqueued: [] };
        const rows = this.db
          .prepare("SELECT * FROM trials WHERE study_id = ? AND state = 'running' ORDER BY number")
          .all(sid) as TrialRow[];
        const at = Date.now();
        for (const r of rows) {
          const attrs = JSON.parse(r.attrs) as Record<string, unknown>;
          const kind = isStale({ ...r, attrs }, rule, at);
          if (!kind) continue;
          const { error, retry } = staleOutcome({ ...r, attrs }, kind === 'dead', rule);
          if (retry) {
            const n = this.insertTrial(sid, JSON.parse(r.params), retry, { waiting: true });
            out.enqueued.push(n);
            attrs.retried_as = n;
          }
          this.db
            .prepare("UPDATE trials SET state = 'failed', error = ?, finished = ?, attrs = ? WHERE id = ?")
            .run(error, now(), JSON.stringify(attrs), r.id);
          out.failed.push(r.number);
        }
        return out;
      })
      .immediate();
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
          .run(reason, now(), sid);
        return numbers;
      })
      .immediate();
  }
  /**
   * Closes the file. When the path no longer names the file that was opened (removed, or replaced by another file,
   * while this process worked in it), what the open file holds would be lost with it: it is written out first, to
   * the path where nothing is there now, else beside it, and the error says where. A read-only open wrote nothing
   * there to keep.
   */
  async close(): Promise<void> {
    const gone = !existsSync(this.file);
    if (this.readOnly || (!gone && statSync(this.file).ino === this.inode)) {
      this.db.close();
      return;
    }
    const to = gone ? this.file : `${this.file}.${process.pid}.kept.db`;
    try {
      await this.db.backup(to);
    } finally {
      this.db.close();
    }
    throw new StorageError(
      `${this.file}: the study file was ${gone ? 'removed' : 'removed or replaced (another file is there now)'} ` +
        "while this process had it open; what it held (every study in it, this process's trials included) is " +
        `written to ${to}`,
    );
  }
}
