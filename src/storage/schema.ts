// The versioned schema every SQL storage shares: one version table (seqtune_schema, one row), a list of
// migrations per backend run in order on open, and the refusal of a database a newer seqtune wrote.
import { StorageError } from './types.js';

/**
 * The schema version this seqtune writes. 1: studies, trials, intermediate values. 2: waiting trials, trial
 * owners (host:pid, worker) and heartbeats. 3: a token per write on studies and trials (PostgreSQL: a write retried
 * after its COMMIT landed but the answer was lost is not done twice).
 */
export const SCHEMA_VERSION = 3;

/** One step of the schema: the statements that take a database from version `to - 1` to `to`. */
export interface Migration {
  to: number;
  sql: string;
}

/**
 * Throws an error naming both versions when a newer seqtune wrote the database. An older one is readable as it is
 * (a read-only open does not migrate it): every migration so far only adds tables, columns and states, and readers
 * take a column the schema lacks as null. A migration that renames or drops a column must change that.
 */
export function refuseNewer(where: string, found: number): void {
  if (found > SCHEMA_VERSION)
    throw new StorageError(
      `${where}: the study database has schema version ${found}, written by a newer seqtune; ` +
        `this seqtune reads versions up to ${SCHEMA_VERSION} (upgrade seqtune)`,
    );
}

/** The migrations a database at `found` needs, or an error naming both versions when a newer seqtune wrote it. */
export function migrationsFrom(where: string, found: number, all: readonly Migration[]): Migration[] {
  refuseNewer(where, found);
  return all.filter((m) => m.to > found);
}
