// Storage from a URL: memory:, sqlite:FILE (relative to the working folder), a bare file path, or
// postgres://USER:PASSWORD@HOST:PORT/DB (also postgresql://).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { MemoryStorage } from './memory.js';
import { PgStorage, redactUrl } from './pg.js';
import { SqliteStorage } from './sqlite.js';
import { type Storage, StorageError } from './types.js';

export interface OpenOptions {
  /**
   * Only open what is there (study delete, enqueue, ensemble, worker's look-up): a SQLite file that does not exist, or
   * a database (file or PostgreSQL) without seqtune's tables, is an error; nothing is created.
   */
  existing?: boolean;
  /**
   * Only read, never write (study ls, show, export): `existing`, and a database an older seqtune wrote is read in its
   * schema, not migrated (the next tune or worker on it migrates it); SQLite's file is opened read-only.
   */
  readOnly?: boolean;
  /**
   * PostgreSQL: how long a lost connection to a server that was reachable is waited for before a call fails (default
   * RECONNECT_MS, a minute: a restart or a failover). A URL that never connected fails at once.
   */
  reconnectMs?: number;
  /**
   * SQLite and PostgreSQL: how many studies the storage keeps what it read of, so that its next read of one selects
   * only the rows that can have changed (seen-trials.ts; default STUDIES_KEPT, 4: tune and a worker read one study).
   * A process that reads every study in turn (the dashboard) needs one above their number, or each read is a full one.
   */
  studiesKept?: number;
}

/** memory: keeps studies only while the process runs (another process, or a later command, cannot read them). */
export const isMemory = (url: string) => url === 'memory:' || url === 'memory';
const isPostgres = (url: string) => url.startsWith('postgres://') || url.startsWith('postgresql://');
/** A URL of another kind than seqtune stores in (`mysql://`, `postgres:/` a slash short): never a file name. */
const otherScheme = (url: string): boolean => {
  const scheme = /^([a-zA-Z][\w+.-]+):/.exec(url)?.[1];
  return scheme !== undefined && scheme !== 'sqlite' && !isMemory(url) && !isPostgres(url);
};
/** The SQLite file a URL names (`sqlite:FILE` or a bare path), or null for memory, PostgreSQL and other kinds. */
export const sqliteFileOf = (url: string): string | null =>
  isMemory(url) || isPostgres(url) || otherScheme(url)
    ? null
    : url.startsWith('sqlite:')
      ? url.slice('sqlite:'.length)
      : url;

/**
 * A storage URL written in a config: a relative SQLite file is relative to `dir`, the config file's folder, as
 * every path in a config is. Other URLs are returned as they are.
 */
export function storageUrlFrom(url: string, dir: string): string {
  const file = sqliteFileOf(url);
  return file && !isAbsolute(file) ? `sqlite:${join(dir, file)}` : url;
}

/** What a --storage or tune.storage value may be, for messages. */
const STORAGE_FORMS = 'sqlite:FILE, postgres://USER:PASSWORD@HOST:PORT/DB or memory:';

/** What is wrong with a storage URL as a value (`expected ..., received "mysql://x"`), or null when it is one. */
export function storageUrlProblem(url: string): string | null {
  if (isMemory(url) || isPostgres(url)) return null;
  if (otherScheme(url)) return `expected ${STORAGE_FORMS}, received "${redactUrl(url)}"`;
  return sqliteFileOf(url) ? null : 'expected sqlite:FILE, received "sqlite:"';
}

const isFolder = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

export function openStorage(url: string, o: OpenOptions = {}): Storage {
  if (isMemory(url)) return new MemoryStorage();
  if (isPostgres(url))
    return new PgStorage(url, {
      existing: o.existing,
      readOnly: o.readOnly,
      reconnectMs: o.reconnectMs,
      studiesKept: o.studiesKept,
    });
  const problem = storageUrlProblem(url);
  if (problem) throw new StorageError(`--storage: ${problem}`);
  const file = sqliteFileOf(url)!;
  // SQLite said only "unable to open database file", for every command that takes a storage
  if (isFolder(file))
    throw new StorageError(
      `${file}: is a folder, not a study file; a SQLite storage names its file ` +
        `(sqlite:${join(file, 'seqtune.db')}, say)`,
    );
  if ((o.existing || o.readOnly) && !existsSync(file))
    throw new StorageError(
      `${file}: no such study storage (a study is stored where its config's tune.storage says, ` +
        'by default seqtune.db beside the config; name it with --storage)',
    );
  return new SqliteStorage(file, { existing: o.existing, readOnly: o.readOnly, studiesKept: o.studiesKept });
}
