// The PostgreSQL schema, as migrations from an empty database (schema.ts runs them in order on open, under an
// advisory lock so that workers opening a fresh database at the same moment migrate it once). Parameters and
// attributes are JSON text, not jsonb: jsonb reorders keys, and a trial's parameters keep the order they were
// proposed in. Times are timestamptz from the server's clock, the one clock every machine of a study shares.
import type { Migration } from './schema.js';

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    sql: `
CREATE TABLE studies (
  id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL, attrs TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE trials (
  id SERIAL PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  state TEXT NOT NULL CONSTRAINT trials_state CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
  params TEXT NOT NULL, value DOUBLE PRECISION, attrs TEXT NOT NULL, error TEXT,
  started TIMESTAMPTZ NOT NULL DEFAULT now(), finished TIMESTAMPTZ,
  UNIQUE (study_id, number));
CREATE TABLE intermediate (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, step INTEGER NOT NULL,
  value DOUBLE PRECISION, PRIMARY KEY (trial_id, step));
`,
  },
  {
    to: 2,
    sql: `
ALTER TABLE trials DROP CONSTRAINT trials_state;
ALTER TABLE trials ADD CONSTRAINT trials_state
  CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed'));
ALTER TABLE trials ADD COLUMN owner TEXT, ADD COLUMN worker INTEGER, ADD COLUMN heartbeat TIMESTAMPTZ;
CREATE INDEX trials_by_state ON trials (study_id, state, number);
`,
  },
  {
    // A token the client makes for each write that a retry after a lost connection could run twice (pg.ts): the row
    // keeps the tokens of such writes (a trial's: its creation's, a claim's, a finish's, space-separated), and a retry
    // that finds its own token there returns what is stored.
    to: 3,
    sql: `
ALTER TABLE studies ADD COLUMN token TEXT;
ALTER TABLE trials ADD COLUMN token TEXT;
CREATE UNIQUE INDEX studies_by_token ON studies (token);
CREATE UNIQUE INDEX trials_by_token ON trials (token);
`,
  },
];
