// The SQLite schema, as migrations from an empty file (schema.ts runs them in order on open).
import type { Migration } from './schema.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    sql: `
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
`,
  },
  {
    // SQLite cannot change a CHECK constraint in place: the trials table is rebuilt (foreign keys are off while
    // migrations run, so intermediate's references survive the rename).
    to: 2,
    sql: `
CREATE TABLE trials_v2 (
  id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
  params TEXT NOT NULL, value REAL, attrs TEXT NOT NULL, error TEXT, started TEXT NOT NULL, finished TEXT,
  owner TEXT, worker INTEGER, heartbeat TEXT,
  UNIQUE (study_id, number));
INSERT INTO trials_v2 (id, study_id, number, state, params, value, attrs, error, started, finished)
  SELECT id, study_id, number, state, params, value, attrs, error, started, finished FROM trials;
DROP TABLE trials;
ALTER TABLE trials_v2 RENAME TO trials;
CREATE INDEX trials_by_state ON trials (study_id, state, number);
`,
  },
  {
    // The same columns as PostgreSQL's version 3 (one schema version for both): SQLite commits on this machine and
    // never retries a write, so it leaves trials' empty; a study's tells it from a deleted study whose row id it was
    // given (sqlite.ts studyKey).
    to: 3,
    sql: `
ALTER TABLE studies ADD COLUMN token TEXT;
ALTER TABLE trials ADD COLUMN token TEXT;
CREATE UNIQUE INDEX studies_by_token ON studies (token);
CREATE UNIQUE INDEX trials_by_token ON trials (token);
`,
  },
];
