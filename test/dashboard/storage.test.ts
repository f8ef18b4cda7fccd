// The dashboard's reads of the study storage: a heartbeat on PostgreSQL is judged by the server's clock, whatever this
// machine's says; and its storage keeps what it read of every study it serves, so that the Studies page, which reads
// every study at each poll, selects again only the rows that changed (more studies than a tune keeps included), and
// lets go of a study deleted since.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startDashboard } from '../../src/dashboard/index.js';
import { type FrozenTrial, openStorage, SeenTrials } from '../../src/storage/index.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-storage-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
after(dropPgDatabases);

const get = async <T>(base: string, path: string): Promise<T> => {
  const res = await fetch(new URL(path, base));
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
};

interface Beats {
  now: string;
  trials: { number: number; heartbeat: string; stale_after_s: number }[];
}

test("PostgreSQL: the pages judge a heartbeat by the server's clock, not by the dashboard's minutes off it", {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const url = await freshPgUrl();
  const st = openStorage(url);
  // workers of another machine (judged by their heartbeats alone); tune.heartbeat 10 s: stale after 30 s. By the
  // server's clock trial 0 beat a moment ago and trial 1 10 minutes ago.
  await st.createStudy('beats', {});
  for (const pid of [1, 2]) await st.createTrial('beats', { pid }, {}, { owner: { host: 'far', pid, worker: 0 } });
  await st.close();
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query("UPDATE trials SET heartbeat = now() - interval '10 minutes' WHERE number = 1");
  await other.end();
  const d = await startDashboard({ storage: url, port: 0, web: null });
  try {
    // how long without a heartbeat the page counts, by the `now` it is given (the page's own clock set by it)
    const silentS = (now: string, t: { heartbeat: string }) => (Date.parse(now) - Date.parse(t.heartbeat)) / 1000;
    for (const minutes of [10, -10]) {
      mock.timers.enable({ apis: ['Date'], now: Date.now() + minutes * 60_000 });
      try {
        const c = await get<Beats>(d.url, '/api/studies/beats/curves');
        // 10 minutes ahead, the live one looked stopped; 10 minutes behind, the dead one looked alive
        const stale = c.trials.map((t) => silentS(c.now, t) > t.stale_after_s);
        assert.deepEqual(stale, [false, true], `the curves with the dashboard's clock ${minutes} min off`);
        for (const n of [0, 1]) {
          const t = await get<Beats['trials'][0] & { now: string }>(d.url, `/api/studies/beats/trials/${n}`);
          assert.equal(silentS(t.now, t) > t.stale_after_s, n === 1, `trial ${n} with the clock ${minutes} min off`);
        }
      } finally {
        mock.timers.reset();
      }
    }
  } finally {
    await d.close();
  }
});

/** Six studies of two finished trials each (more than the four studies a tune's storage keeps). */
async function sixStudies(url: string): Promise<void> {
  const st = openStorage(url);
  try {
    for (let s = 0; s < 6; s++) {
      await st.createStudy(`s${s}`, {});
      for (let n = 0; n < 2; n++)
        await st.finishTrial(`s${s}`, (await st.createTrial(`s${s}`, { n })).number, 'complete', n);
    }
  } finally {
    await st.close();
  }
}

/**
 * The trial rows each read of the dashboard selects while the Studies page (GET /api/studies) is asked twice, a trial
 * added to study s0 between the two: `spy(rows)` is called with the trial rows of each read.
 */
async function rowsOfTwoRounds(url: string, spyOn: (rows: (n: number) => void) => () => void): Promise<number[][]> {
  await sixStudies(url);
  const d = await startDashboard({ storage: url, port: 0, web: null });
  const rounds: number[][] = [];
  const stop = spyOn((n) => rounds.at(-1)!.push(n));
  try {
    rounds.push([]);
    await get(d.url, '/api/studies');
    const st = openStorage(url);
    await st.finishTrial('s0', (await st.createTrial('s0', { n: 2 })).number, 'complete', 2).finally(() => st.close());
    rounds.push([]);
    await get(d.url, '/api/studies');
  } finally {
    stop();
    await d.close();
  }
  return rounds;
}

test('PostgreSQL: the Studies page read again selects only the rows that changed, of six studies', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const query = pg.Pool.prototype.query as (...a: unknown[]) => Promise<pg.QueryResult>;
  const rounds = await rowsOfTwoRounds(await freshPgUrl(), (rows) => {
    // the storage's read of a study's rows (getTrials): one row with no trial when none changed
    const spy = mock.method(pg.Pool.prototype, 'query', async function (this: pg.Pool, ...a: unknown[]) {
      const r = await query.apply(this, a);
      if (typeof a[0] === 'string' && a[0].includes('LEFT JOIN trials t'))
        rows(r.rows.filter((x: { id: number | null }) => x.id !== null).length);
      return r;
    } as never);
    return () => spy.mock.restore();
  });
  // every trial read once; then only the one added: with four studies kept, each read was a full one again
  assert.deepEqual(rounds, [
    [2, 2, 2, 2, 2, 2],
    [1, 0, 0, 0, 0, 0],
  ]);
});

test('SQLite: the Studies page read again selects only the rows that changed, of six studies', async () => {
  const db = new Database(':memory:');
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as { all: (...a: unknown[]) => unknown[] };
  db.close();
  const all = statement.all;
  const rounds = await rowsOfTwoRounds(`sqlite:${join(dir, 'six.db')}`, (rows) => {
    // the dashboard's own reader of a study's rows (trials-sqlite.ts)
    const spy = mock.method(statement, 'all', function (this: { source: string }, ...a: unknown[]) {
      const r = all.apply(this, a);
      if (this.source.includes('FROM trials t WHERE t.study_id')) rows(r.length);
      return r;
    });
    return () => spy.mock.restore();
  });
  assert.deepEqual(rounds, [
    [2, 2, 2, 2, 2, 2],
    [1, 0, 0, 0, 0, 0],
  ]);
});

/** A full garbage collection (node --expose-gc's gc(), turned on here). */
const collect = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * How many of the trial records the dashboard read of a study it still holds once another process deleted the study
 * and the Studies page was asked again (each record its reads keep, watched through a WeakRef).
 */
async function heldOfDeleted(url: string): Promise<number> {
  await sixStudies(url);
  const st = openStorage(url);
  await st.createStudy('gone', {});
  for (const n of [0, 1])
    await st.finishTrial('gone', (await st.createTrial('gone', { gone: n })).number, 'complete', n);
  const merge = SeenTrials.prototype.merge;
  const held: WeakRef<FrozenTrial>[] = [];
  const spy = mock.method(SeenTrials.prototype, 'merge', function (this: SeenTrials, ...a: Parameters<typeof merge>) {
    const out = merge.apply(this, a);
    for (const t of out) if ('gone' in t.params) held.push(new WeakRef(t));
    return out;
  });
  const d = await startDashboard({ storage: url, port: 0, web: null });
  try {
    await get(d.url, '/api/studies');
    await get(d.url, '/api/studies/gone/trials/0'); // the trial page reads through the storage, not the pages' reader
    spy.mock.restore();
    spy.mock.resetCalls(); // the spy's calls hold what merge returned
    await st.deleteStudy('gone');
    await get(d.url, '/api/studies');
    await new Promise((res) => setImmediate(res)); // a WeakRef holds its target until the job that made it ends
    collect();
    assert.ok(held.length >= 4, `${held.length} records of the study watched`);
    return held.filter((r) => r.deref() !== undefined).length;
  } finally {
    spy.mock.restore();
    await d.close();
    await st.close();
  }
}

test('SQLite and PostgreSQL: the dashboard lets go of what it read of a study deleted since when it lists them', {
  timeout: 30000,
}, async () => {
  // it keeps 256 studies: a study deleted by `study delete` was never read again, and stayed until 256 others were
  assert.equal(await heldOfDeleted(`sqlite:${join(dir, 'gone.db')}`), 0, 'sqlite');
  if (!pgSkip) assert.equal(await heldOfDeleted(await freshPgUrl()), 0, 'postgres');
});
