// The dashboard's reads of the study storage: a heartbeat on PostgreSQL is judged by the server's clock, whatever this
// machine's says.

import assert from 'node:assert/strict';
import { after, mock, test } from 'node:test';
import pg from 'pg';
import { startDashboard } from '../../src/dashboard/index.js';
import { openStorage } from '../../src/storage/index.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';

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
