// PostgreSQL storage (node-postgres): one database shared by any number of processes on any number of machines.
// Every statement is parameterised. The connection and the schema migrations happen on the first call (openStorage
// stays synchronous); a failure there is one StorageError naming the URL without its password. Trial numbers are
// assigned under a row lock on the study, waiting trials are claimed with FOR UPDATE SKIP LOCKED, and stale trials
// are failed and enqueued again in one transaction, so no trial runs twice and no number is used twice. A write that
// is retried after a lost connection carries a token it made once (schema version 3), so that a retry whose first try
// did commit finds its own work and returns it instead of doing it again.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PG_MIGRATIONS } from './pg-schema.js';
import { migrationsFrom, refuseNewer, SCHEMA_VERSION } from './schema.js';
import { SeenTrials, valuesByTrial } from './seen-trials.js';
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

/**
 * A storage URL as messages show it: the password left out, whether it is given as `user:password@`, as a
 * `?password=` parameter, or in text that is no URL at all (`postgres:/user:password@host`, a slash short).
 */
export function redactUrl(url: string): string {
  let out = url;
  try {
    const u = new URL(url);
    if (u.password || u.searchParams.has('password')) {
      u.password = '';
      u.searchParams.delete('password');
      out = u.toString().replace(/:@/, '@');
    }
  } catch {
    // Not a URL, most often for a password with a / # or ? that is not percent-encoded (`postgres://u:pa/ss@h/db`):
    // everything from the user name's colon to the last @ is the password.
    out = out.replace(/^([a-zA-Z][\w+.-]*:\/*)([^:@/\s]*):.*@(?=[^@]*$)/, '$1$2@');
  }
  return out
    .replace(/([^/:@\s]+):[^@/\s]*@/, '$1@')
    .replace(/([?&])password=[^&]*&?/, '$1')
    .replace(/[?&]$/, '');
}

interface TrialRow {
  id: number;
  number: number;
  state: TrialState;
  params: string;
  value: number | null;
  attrs: string;
  error: string | null;
  started: Date;
  finished: Date | null;
  owner: string | null;
  worker: number | null;
  heartbeat: Date | null;
}
type Client = pg.PoolClient | pg.Pool;

/** How long a storage that was connected keeps trying to reach a server that went away (a restart, a failover). */
export const RECONNECT_MS = 60_000;

/**
 * Whether `e` says the connection to the server was lost or refused (the server stopping, restarting or not yet
 * accepting connections), as opposed to an error of the statement itself: errno codes of the socket, SQLSTATE class
 * 08 (connection exception) and 57P01-57P03 (the server shutting down or starting), and node-postgres' own words for
 * a socket that closed.
 */
export function connectionLost(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTCONN|EAI_AGAIN)$/.test(code)) return true;
  if (/^(08...|57P0[123])$/.test(code)) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/.test(
    message,
  );
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * Keeps the connection error of a client checked out of the pool (which listens only to its idle clients) from
 * crashing the process: the server's "terminating connection" (a restart, pg_terminate_backend) that arrives between
 * two statements, with none running, is emitted as an 'error' event, and with no listener it was an uncaught
 * exception (a trial thread: "the worker thread crashed: terminating connection due to administrator command", the
 * trial failed and not run again; the main thread: the process). Heard here, the client's next statement rejects
 * ("Client has encountered a connection error"), which retrying() takes as a lost connection. Returns the unlisten.
 */
function heldClientErrors(c: pg.PoolClient): () => void {
  const heard = () => {};
  c.on('error', heard);
  return () => c.off('error', heard);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

function trialOf(r: TrialRow, intermediate: number[]): FrozenTrial {
  return freezeTrial({
    number: r.number,
    state: r.state,
    params: JSON.parse(r.params),
    value: r.value,
    intermediate,
    attrs: JSON.parse(r.attrs),
    error: r.error,
    started: r.started.toISOString(),
    finished: iso(r.finished),
    // a version 1 database, read as it is by a read-only open, has no owner columns
    owner: r.owner ?? null,
    worker: r.worker ?? null,
    heartbeat: iso(r.heartbeat ?? null),
  });
}

/** The relations seqtune's schema makes by name (pg-schema.ts; the names of keys and sequences PostgreSQL chooses). */
const OUR_RELATIONS = ['studies', 'trials', 'intermediate', 'trials_by_state', 'studies_by_token', 'trials_by_token'];

/**
 * The refusal of a database with no seqtune tables and a table (or index) of its own by one of the names seqtune's
 * take: the migration failed on it as "cannot prepare the study database (relation "studies" already exists)". As
 * the SQLite file's check (sqlite.ts, notOurs), but only names that clash: a PostgreSQL database is often shared with
 * other programs' tables, and seqtune's beside them change nothing of theirs. Null when the database is seqtune's or
 * nothing clashes. Its schema is the one the tables are made in, the first of the search path.
 */
async function notOurs(c: pg.PoolClient, where: string): Promise<StorageError | null> {
  const r = await c.query<{ relname: string }>(
    'SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ' +
      'WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[]) ORDER BY c.relname',
    [['seqtune_schema', ...OUR_RELATIONS]],
  );
  const names = r.rows.map((x) => x.relname);
  if (!names.length || names.includes('seqtune_schema')) return null;
  return new StorageError(
    `${where}: not a seqtune study database: it has no seqtune tables, and tables of its own by the names seqtune's ` +
      `take (${names.join(', ')}); seqtune makes its tables only where none of studies, trials, intermediate is ` +
      'taken (name another database with --storage or tune.storage); nothing was changed',
  );
}

/** Brings the database to SCHEMA_VERSION, one opener at a time (a transaction-scoped advisory lock). */
async function migrate(c: pg.PoolClient, where: string): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [0x5eb7e]);
    const foreign = await notOurs(c, where);
    if (foreign) throw foreign;
    await c.query('CREATE TABLE IF NOT EXISTS seqtune_schema (version INTEGER NOT NULL)');
    const row = (await c.query<{ version: number }>('SELECT version FROM seqtune_schema')).rows[0];
    const todo = migrationsFrom(where, row?.version ?? 0, PG_MIGRATIONS);
    for (const m of todo) await c.query(m.sql);
    if (!row) await c.query('INSERT INTO seqtune_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    else if (todo.length) await c.query('UPDATE seqtune_schema SET version = $1', [SCHEMA_VERSION]);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** A read-only open: refuses a database seqtune never wrote, instead of creating its tables there. */
async function mustHaveSchema(c: pg.PoolClient, where: string): Promise<void> {
  const r = await c.query<{ t: string | null }>("SELECT to_regclass('seqtune_schema')::text AS t");
  if (!r.rows[0]?.t)
    throw new StorageError(`${where}: no seqtune studies in this database (it has no seqtune tables; none were made)`);
}

/** A read-only open reads an older schema as it is, without migrating it; a newer one is refused. */
async function readableSchema(c: pg.PoolClient, where: string): Promise<void> {
  const row = (await c.query<{ version: number }>('SELECT version FROM seqtune_schema')).rows[0];
  refuseNewer(where, row?.version ?? 0);
}

/**
 * A trial row's token column holds the tokens of the writes that made and changed it, oldest first: its creation's,
 * then a claim's, then a finish's. One write must not erase another's: a waiting trial whose creator lost the answer
 * may be claimed by another process before the creator's retry looks for its token (it would then enqueue it twice).
 */
const ADD_TOKEN = (param: string) => `token = concat_ws(' ', token, ${param}::text)`;
const HAS_TOKEN = (param: string) => `${param}::text = ANY(string_to_array(token, ' '))`;

export class PgStorage implements Storage {
  /** The URL without its password, for messages. */
  readonly where: string;
  private pool: pg.Pool;
  private ready: Promise<void> | null = null;
  /** Whether a connection ever succeeded: only then is a lost one waited for (a URL that never worked fails fast). */
  private connected = false;
  /** The finished trials read so far, by study: getTrials selects only the rows that can have changed since. */
  private readonly seen: SeenTrials;

  /**
   * `existing`: a database without seqtune's tables is an error, and none are created in it. `readOnly` (study ls,
   * show, export): that, and nothing is written (an older schema is read as it is, not migrated). `studiesKept`: how
   * many studies' trials are kept for the next read (OpenOptions.studiesKept).
   */
  constructor(
    url: string,
    private readonly o: {
      max?: number;
      existing?: boolean;
      readOnly?: boolean;
      reconnectMs?: number;
      studiesKept?: number;
    } = {},
  ) {
    this.seen = new SeenTrials(o.studiesKept);
    this.where = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: this.o.max ?? 4,
      allowExitOnIdle: true,
      connectionTimeoutMillis: 15000,
    });
    // An idle connection the server drops must not crash the process; the next query reconnects or says why.
    this.pool.on('error', () => {});
  }

  /**
   * Connects and migrates once; a failure is one line naming the URL (without its password), and the next call tries
   * again (a failed first attempt is not kept for good).
   */
  private open(): Promise<void> {
    this.ready ??= (async () => {
      let c: pg.PoolClient;
      try {
        c = await this.pool.connect();
      } catch (e) {
        const err = e as Error & { code?: string };
        const why =
          err.code === 'ERR_INVALID_URL'
            ? 'not a valid URL: a user name or password holding @ : / ? # or % must be percent-encoded, ' +
              'such as %2F for /, and a port is at most 65535'
            : err.message || err.code || String(e);
        throw new StorageError(`${this.where}: cannot connect to PostgreSQL (${why})`, { cause: e });
      }
      // the URL works: a connection lost from here on (while the schema is read or migrated) is waited for, as one
      // lost later is; a trial thread's first open, its connection ended by a restart, failed its trial with "cannot
      // prepare the study database (Client has encountered a connection error and is not queryable)"
      this.connected = true;
      const unlisten = heldClientErrors(c);
      try {
        if (this.o.existing || this.o.readOnly) await mustHaveSchema(c, this.where);
        await (this.o.readOnly ? readableSchema : migrate)(c, this.where);
      } catch (e) {
        if (e instanceof StorageError) throw e;
        throw new StorageError(`${this.where}: cannot prepare the study database (${(e as Error).message})`, {
          cause: e,
        });
      } finally {
        unlisten();
        c.release();
      }
    })();
    this.ready.catch(() => {
      this.ready = null;
    });
    return this.ready;
  }

  /**
   * Runs `f`, again while the connection to a server that was reachable is lost (a restart, a failover), for up to
   * RECONNECT_MS; then one StorageError that says what happened and that the study is kept. Statements are retried
   * whole: a transaction the server dropped was rolled back. But a connection lost after the server committed and
   * before its answer came back looks the same, so `f` is told when it runs `again`: a write that must not be done
   * twice (a new trial, a claim, a finish) then first looks for the token it wrote, and returns what it finds.
   */
  private async retrying<T>(f: (again: boolean) => Promise<T>): Promise<T> {
    const limit = this.o.reconnectMs ?? RECONNECT_MS;
    let since: number | null = null;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
      try {
        return await f(since !== null);
      } catch (e) {
        const cause = connectionLost(e) ? e : e instanceof StorageError && connectionLost(e.cause) ? e.cause : null;
        if (!this.connected || !cause) throw e;
        since ??= Date.now();
        const lost = Date.now() - since;
        if (lost >= limit) {
          const why = (cause as Error)?.message || (cause as { code?: string })?.code || String(cause);
          throw new StorageError(
            `${this.where}: lost the connection to PostgreSQL and could not reconnect for ` +
              `${Math.round(lost / 1000)} s (${why}); what was stored is kept`,
            { cause },
          );
        }
        await sleep(Math.min(wait, limit - lost));
      }
    }
  }

  private async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = [], c?: Client): Promise<R[]> {
    // inside a transaction (`c` given) the transaction is retried whole (tx)
    if (c) return (await c.query<R>(sql, args)).rows;
    return this.retrying(async () => {
      await this.open();
      return (await this.pool.query<R>(sql, args)).rows;
    });
  }

  /**
   * Runs `f` in one transaction on one connection (again, whole, when the connection is lost on the way; `again` says
   * so, and that the first try may have committed).
   */
  private tx<T>(f: (c: pg.PoolClient, again: boolean) => Promise<T>): Promise<T> {
    return this.retrying(async (again) => {
      await this.open();
      const c = await this.pool.connect();
      const unlisten = heldClientErrors(c);
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        const out = await f(c, again);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        if (connectionLost(e)) broken = e as Error;
        else await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        unlisten();
        c.release(broken); // a broken connection is dropped from the pool, never handed out again
      }
    });
  }

  private async studyId(name: string, c?: Client, lock = false, of: OfStudy = {}): Promise<number> {
    const sql = `SELECT id, created FROM studies WHERE name = $1${lock ? ' FOR UPDATE' : ''}`;
    const r = (await this.q<{ id: number; created: Date }>(sql, [name], c))[0];
    if (!r) throw new StorageError(`no study named "${name}" in ${this.where}`);
    const remade = remadeError(name, this.where, r.created.toISOString(), of);
    if (remade) throw remade;
    return r.id;
  }

  private async trial(study: string, number: number, c?: Client, of: OfStudy = {}): Promise<FrozenTrial> {
    const sid = await this.studyId(study, c, false, of);
    const r = (await this.q<TrialRow>('SELECT * FROM trials WHERE study_id = $1 AND number = $2', [sid, number], c))[0];
    if (!r) throw new StorageError(`study "${study}" has no trial ${number}`);
    const steps = await this.q<{ step: number; value: number | null }>(
      'SELECT step, value FROM intermediate WHERE trial_id = $1 ORDER BY step',
      [r.id],
      c,
    );
    const intermediate: number[] = [];
    for (const s of steps) intermediate[s.step] = s.value ?? NaN;
    return trialOf(r, intermediate);
  }

  async createStudy(
    name: string,
    attrs: Record<string, unknown>,
    opts: { loadIfExists?: boolean } = {},
  ): Promise<MadeStudy> {
    // One statement decides who creates: a second creator at the same moment finds the name taken (and a retry its
    // own study, by the token).
    const token = randomUUID();
    const made = await this.tx(async (c, again) => {
      const r = await this.q(
        'INSERT INTO studies (name, direction, attrs, token) VALUES ($1, $2, $3, $4) ' +
          'ON CONFLICT (name) DO NOTHING RETURNING id',
        [name, 'minimize', JSON.stringify(attrs), token],
        c,
      );
      return r.length > 0 || (again && (await this.q('SELECT 1 FROM studies WHERE token = $1', [token], c)).length > 0);
    });
    if (!made && !opts.loadIfExists)
      throw new StorageError(`a study named "${name}" already exists in ${this.where} (use --resume to continue it)`);
    return Object.freeze({ ...(await this.getStudy(name))!, made });
  }
  async getStudy(name: string): Promise<StudyRecord | null> {
    const r = (await this.q<StudyRow>('SELECT name, attrs, created FROM studies WHERE name = $1', [name]))[0];
    return r ? studyOf(r) : null;
  }
  async listStudies(): Promise<StudyRecord[]> {
    const rows = await this.q<StudyRow & { id: number }>('SELECT id, name, attrs, created FROM studies ORDER BY id');
    this.seen.keepOnly(rows.map((r) => r.id)); // a study deleted since it was read: its trials go
    return rows.map(studyOf);
  }
  async setStudyAttr(name: string, key: string, value: unknown): Promise<void> {
    await this.tx(async (c) => {
      const r = (await this.q<{ attrs: string }>('SELECT attrs FROM studies WHERE name = $1 FOR UPDATE', [name], c))[0];
      if (!r) throw new StorageError(`no study named "${name}"`);
      const attrs = JSON.stringify({ ...JSON.parse(r.attrs), [key]: value });
      await this.q('UPDATE studies SET attrs = $1 WHERE name = $2', [attrs, name], c);
    });
  }
  /**
   * A deleted row keeps no token for a retry to find, so each try notes its transaction's id and a retry asks the
   * server whether an earlier try committed (txid_status, made for a COMMIT whose answer was lost): then it answers
   * as that try did, and deletes nothing (a study made again under the name meanwhile is not the one it deleted).
   */
  async deleteStudy(name: string, of: OfStudy = {}): Promise<boolean> {
    const tries: { xid: string; deleted: boolean }[] = [];
    const landed = async (c: pg.PoolClient) => {
      for (const t of tries) {
        const r = await this.q<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [t.xid], c);
        if (r[0]?.s === 'committed') return t;
      }
      return undefined;
    };
    return this.tx(async (c, again) => {
      const before = again ? await landed(c) : undefined;
      if (before) return before.deleted;
      const xid = (await this.q<{ xid: string }>('SELECT txid_current()::text AS xid', [], c))[0]!.xid;
      // the study judged (of.created), locked: ids are never given again, so the delete by it is of that one
      const row = (
        await this.q<{ id: number; created: Date }>(
          'SELECT id, created FROM studies WHERE name = $1 FOR UPDATE',
          [name],
          c,
        )
      )[0];
      const remade = row && remadeError(name, this.where, row.created.toISOString(), of, NOTHING_DELETED);
      if (remade) throw remade;
      const gone = row
        ? await this.q<{ id: number }>('DELETE FROM studies WHERE id = $1 RETURNING id', [row.id], c)
        : [];
      for (const r of gone) this.seen.forget(r.id);
      const deleted = gone.length > 0;
      // an earlier try whose connection the server had not yet closed: this delete waited for its lock on the row
      const meanwhile = again && !deleted ? await landed(c) : undefined;
      tries.push({ xid, deleted });
      return meanwhile ? meanwhile.deleted : deleted;
    });
  }

  /** Inserts a trial with the study's next number; the caller holds the study's row lock. */
  private async insertTrial(
    c: pg.PoolClient,
    sid: number,
    params: Record<string, unknown>,
    attrs: Record<string, unknown>,
    opts: NewTrial,
    token: string | null = null,
  ): Promise<number> {
    const owner = !opts.waiting ? opts.owner : undefined;
    const r = await this.q<{ number: number }>(
      'INSERT INTO trials (study_id, number, state, params, attrs, owner, worker, heartbeat, token) ' +
        'SELECT $1, COALESCE(MAX(number), -1) + 1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END, $8 ' +
        'FROM trials WHERE study_id = $1 RETURNING number',
      [
        sid,
        opts.waiting ? 'waiting' : 'running',
        JSON.stringify(params),
        JSON.stringify(owner ? { ...attrs, ...ownerAttrs(owner) } : attrs),
        owner ? ownerText(owner) : null,
        owner ? owner.worker : null,
        Boolean(owner),
        token,
      ],
      c,
    );
    return r[0]!.number;
  }
  async createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs: Record<string, unknown> = {},
    opts: NewTrial = {},
  ): Promise<FrozenTrial> {
    const token = randomUUID();
    return this.tx(async (c, again) => {
      const sid = await this.studyId(study, c, true, opts);
      // before the duplicate check, which would take the trial the first try made for another one
      const made = again ? await this.tokenTrial(study, sid, token, c) : null;
      if (made) return made;
      if (opts.unique) {
        const taken = await this.q<{ state: string; params: string }>(
          'SELECT state, params FROM trials WHERE study_id = $1',
          [sid],
          c,
        );
        const dup = duplicateOf(
          study,
          params,
          taken.map((t) => ({ state: t.state, params: JSON.parse(t.params) })),
          opts.unique,
        );
        if (dup) throw dup;
      }
      return this.trial(study, await this.insertTrial(c, sid, params, attrs, opts, token), c);
    });
  }
  /** The trial of a study that a write carrying `token` made or changed (a retry whose first try landed), or null. */
  private async tokenTrial(study: string, sid: number, token: string, c: Client): Promise<FrozenTrial | null> {
    const r = await this.q<{ number: number }>(
      `SELECT number FROM trials WHERE study_id = $1 AND ${HAS_TOKEN('$2')}`,
      [sid, token],
      c,
    );
    return r[0] ? this.trial(study, r[0].number, c) : null;
  }
  async claimWaiting(study: string, owner: Owner, of: OfStudy = {}): Promise<FrozenTrial | null> {
    const token = randomUUID();
    return this.tx(async (c, again) => {
      // ids are never given again here: the study checked is the one whose trials the claim takes
      const sid = await this.studyId(study, c, false, of);
      // a retry whose first try took a trial returns that one: another would leave it running with nobody on it
      const mine = again ? await this.tokenTrial(study, sid, token, c) : null;
      if (mine) return mine;
      const r = (
        await this.q<{ id: number; number: number; attrs: string }>(
          'SELECT id, number, attrs FROM trials WHERE study_id = $1 AND state = $2 ORDER BY number LIMIT 1 ' +
            'FOR UPDATE SKIP LOCKED',
          [sid, 'waiting'],
          c,
        )
      )[0];
      if (!r) return null;
      await this.q(
        "UPDATE trials SET state = 'running', owner = $2, worker = $3, heartbeat = now(), started = now(), " +
          `attrs = $4, ${ADD_TOKEN('$5')} WHERE id = $1`,
        [r.id, ownerText(owner), owner.worker, JSON.stringify({ ...JSON.parse(r.attrs), ...ownerAttrs(owner) }), token],
        c,
      );
      return this.trial(study, r.number, c, of);
    });
  }
  async heartbeat(study: string, numbers: readonly number[], of: OfStudy = {}): Promise<void> {
    if (!numbers.length) return;
    // with of.created, by the id of the study read first, as report: a study made again since has another id
    const sid = of.created === undefined ? null : await this.studyId(study, undefined, false, of);
    await this.q(
      'UPDATE trials SET heartbeat = now() ' +
        'WHERE study_id = COALESCE($3::int, (SELECT id FROM studies WHERE name = $1)) ' +
        "AND number = ANY($2::int[]) AND state = 'running'",
      [study, [...numbers], sid],
    );
  }
  async report(study: string, number: number, step: number, value: number, of: OfStudy = {}): Promise<void> {
    // No token: a retry whose first try landed writes the same value to the same (trial, step) row. FOR SHARE: a
    // transaction ending the trial at the same moment (finishTrial, failStale: the row locked FOR UPDATE, then
    // changed) is waited for and the state read again after it; without it the value was written once that
    // transaction committed, and a finished trial gained a value. With of.created the study is read first and its id
    // written by: PostgreSQL never gives a study made again the deleted one's id.
    const sid = of.created === undefined ? null : await this.studyId(study, undefined, false, of);
    const done = await this.q(
      'INSERT INTO intermediate (trial_id, step, value) SELECT t.id, $3, $4 FROM trials t ' +
        'JOIN studies s ON s.id = t.study_id WHERE s.name = $1 AND ($6::int IS NULL OR s.id = $6) AND t.number = $2 ' +
        'AND t.state = $5 FOR SHARE OF t ' +
        'ON CONFLICT (trial_id, step) DO UPDATE SET value = EXCLUDED.value RETURNING trial_id',
      [study, number, step, finite(value), 'running', sid],
    );
    if (done.length) return;
    if (sid !== null) await this.studyId(study, undefined, false, of); // deleted (and made again) since it was read
    const t = await this.trial(study, number);
    throw new StorageError(`trial ${number} of "${study}" is ${t.state}; only a running trial takes reports`);
  }
  async finishTrial(
    study: string,
    number: number,
    state: EndState,
    value: number | null,
    extra: { error?: string; attrs?: Record<string, unknown> } & OfStudy = {},
  ): Promise<FrozenTrial> {
    const token = randomUUID();
    return this.tx(async (c, again) => {
      const sid = await this.studyId(study, c, false, extra);
      const r = (
        await this.q<{ id: number; state: TrialState; attrs: string; token: string | null }>(
          'SELECT id, state, attrs, token FROM trials WHERE study_id = $1 AND number = $2 FOR UPDATE',
          [sid, number],
          c,
        )
      )[0];
      if (!r) throw new StorageError(`study "${study}" has no trial ${number}`);
      if (again && r.token?.split(' ').includes(token)) return this.trial(study, number, c); // the first try did it
      if (r.state !== 'running') throw new StorageError(`trial ${number} of "${study}" is already ${r.state}`);
      const attrs = JSON.stringify({ ...JSON.parse(r.attrs), ...(extra.attrs ?? {}) });
      await this.q(
        `UPDATE trials SET state = $1, value = $2, error = $3, attrs = $4, finished = now(), ${ADD_TOKEN('$6')} ` +
          'WHERE id = $5',
        [state, finite(value), extra.error ?? null, attrs, r.id, token],
        c,
      );
      return this.trial(study, number, c);
    });
  }
  /**
   * The study's trials by number. Only the rows that can have changed since this instance last read the study are
   * selected and built (seen-trials.ts): those numbered above the highest it saw, those it saw waiting or running,
   * and those waiting or running now; the finished trials it saw are the same objects as then. The study is told from
   * one made again under its name by its row id and creation time (studyKey), and the rows are read with the study's
   * own row: a study deleted after its id was read is no study, not the trials seen of it before.
   */
  async getTrials(study: string, of: OfStudy = {}): Promise<FrozenTrial[]> {
    return (await this.getTrialsAt(study, of)).trials;
  }
  /** getTrials with the server's clock, now(), in the statement that reads the rows: its heartbeats' clock. */
  async getTrialsAt(study: string, of: OfStudy = {}): Promise<TrialsAt> {
    const { id: sid, key } = await this.studyKey(study, of);
    const seen = this.seen.of(sid, key);
    // no row: the study was deleted since studyKey (a read of its trials alone found none, and handed out the deleted
    // study's as seen); one row with no trial: none changed
    const read = await this.q<TrialRow & { study: number; now: Date }>(
      'SELECT s.id AS study, now() AS now, t.* FROM studies s LEFT JOIN trials t ON t.study_id = s.id ' +
        "AND (t.number > $2 OR t.state IN ('waiting', 'running') OR t.number = ANY($3::int[])) WHERE s.id = $1 " +
        'ORDER BY t.number',
      [sid, seen.top, seen.open],
    );
    if (!read.length) throw new StorageError(`no study named "${study}" in ${this.where}`);
    const rows = read.filter((r) => r.id !== null);
    // by the rows' ids, not their state again: a trial read running that ends before this query keeps its values
    const steps = rows.length
      ? await this.q<{ id: number; step: number; value: number | null }>(
          'SELECT trial_id AS id, step, value FROM intermediate WHERE trial_id = ANY($1::int[])',
          [rows.map((r) => r.id)],
        )
      : [];
    const byTrial = valuesByTrial(steps);
    const trials = this.seen.merge(
      sid,
      seen,
      rows.map((r) => trialOf(r, byTrial.get(r.id) ?? [])),
    );
    return { trials, now: read[0]!.now.getTime() };
  }
  /**
   * The study's row id, and its key for what was seen of it: the id with its creation time. A sequence never gives an
   * id twice, but a database emptied with its sequences restarted (TRUNCATE ... RESTART IDENTITY, or dropped and made
   * again) gives the first study the id 1 again, and a reader kept open (the dashboard) handed out the old one's
   * trials for it.
   */
  private async studyKey(name: string, of: OfStudy = {}): Promise<{ id: number; key: string }> {
    const r = (
      await this.q<{ id: number; created: string; at: Date }>(
        'SELECT id, created::text AS created, created AS at FROM studies WHERE name = $1',
        [name],
      )
    )[0];
    if (!r) throw new StorageError(`no study named "${name}" in ${this.where}`);
    // with of.created, the trials are read by this id: a study made again since has another (the row read with them)
    const remade = remadeError(name, this.where, r.at.toISOString(), of, NOTHING_READ);
    if (remade) throw remade;
    return { id: r.id, key: `${r.id} ${r.created}` };
  }
  async failStale(study: string, rule: StaleRule, of: OfStudy = {}): Promise<StaleResult> {
    return this.tx(async (c) => {
      const sid = await this.studyId(study, c, true, of);
      // `up`: when the server started. No process could beat while it was down, so a heartbeat is aged from then at
      // the earliest: a restart longer than the grace does not fail every trial that ran through it.
      const rows = await this.q<TrialRow & { now: Date; up: Date }>(
        'SELECT *, now() AS now, pg_postmaster_start_time() AS up FROM trials ' +
          "WHERE study_id = $1 AND state = 'running' ORDER BY number FOR UPDATE SKIP LOCKED",
        [sid],
        c,
      );
      const out: StaleResult = { failed: [], enqueued: [] };
      for (const r of rows) {
        const t = { ...r, started: r.started.toISOString(), heartbeat: iso(r.heartbeat), attrs: JSON.parse(r.attrs) };
        const beat = Math.max(Date.parse(t.heartbeat ?? t.started), r.up.getTime());
        const kind = isStale({ ...t, heartbeat: new Date(beat).toISOString() }, rule, r.now.getTime());
        if (!kind) continue;
        const { error, retry } = staleOutcome(t, kind === 'dead', rule);
        if (retry) {
          t.attrs.retried_as = await this.insertTrial(c, sid, JSON.parse(r.params), retry, { waiting: true });
          out.enqueued.push(t.attrs.retried_as);
        }
        await this.q(
          "UPDATE trials SET state = 'failed', error = $1, attrs = $2, finished = now() WHERE id = $3",
          [error, JSON.stringify(t.attrs), r.id],
          c,
        );
        out.failed.push(r.number);
      }
      return out;
    });
  }
  async failRunning(study: string, reason: string): Promise<number[]> {
    const sid = await this.studyId(study);
    const rows = await this.q<{ number: number }>(
      "UPDATE trials SET state = 'failed', error = $1, finished = now() WHERE study_id = $2 AND state = 'running' " +
        'RETURNING number',
      [reason, sid],
    );
    return rows.map((r) => r.number).sort((a, b) => a - b);
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface StudyRow {
  name: string;
  attrs: string;
  created: Date;
}
function studyOf(r: StudyRow): StudyRecord {
  return Object.freeze({
    name: r.name,
    direction: 'minimize' as const,
    created: r.created.toISOString(),
    attrs: Object.freeze(JSON.parse(r.attrs)),
  });
}
