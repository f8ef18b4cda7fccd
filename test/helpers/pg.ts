// The test PostgreSQL: SEQTUNE_TEST_PG names a server (run-tests.mjs and .ci/run start a private one and set it).
// `pgSkip` is false when it answers, else the reason to skip; with CI set, an unreachable server fails instead of
// skipping. `freshPgUrl()` is a new empty database on it for one test; `dropPgDatabases()` removes them (after()).

import { randomBytes } from 'node:crypto';
import pg from 'pg';

const url = process.env.SEQTUNE_TEST_PG;

async function reachable(): Promise<string | false> {
  if (!url) return 'SEQTUNE_TEST_PG is not set (npm test starts a private PostgreSQL when it runs as root)';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    return false;
  } catch (e) {
    return `the PostgreSQL in SEQTUNE_TEST_PG does not answer (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => {});
  }
}

const why = await reachable();
if (why && process.env.CI) throw new Error(`CI is set and no PostgreSQL for the tests: ${why}`);
if (why) process.stderr.write(`# skipping the PostgreSQL tests: ${why}\n`);
export const pgSkip: string | false = why;

const made: string[] = [];

/** A new empty database on the test server, as a URL with the same user and password. */
export async function freshPgUrl(): Promise<string> {
  const name = `seqtune_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  made.push(name);
  const u = new URL(url!);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops the databases this process made (connections to them are closed first). */
export async function dropPgDatabases(): Promise<void> {
  if (!made.length) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const name of made.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
