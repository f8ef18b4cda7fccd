// A SQL storage reads again only the rows of a study that can have changed since its last read (seen-trials.ts):
// after any sequence of writes by another instance (create, claim, report, finish, sweeps, a delete and the study
// made again), an instance that has read before returns what a brand-new one does, with the same objects for the
// trials it had seen finished. Runs and seed: test/helpers/fuzz.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import pg from 'pg';
import {
  type EndState,
  type FrozenTrial,
  openStorage,
  PgStorage,
  SqliteStorage,
  type Storage,
} from '../../src/storage/index.js';
import { fuzzParams } from '../helpers/fuzz.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-seen-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
after(dropPgDatabases);

const pick = fc.nat({ max: 50 });
const pid = fc.constantFrom(1, 2);
const value = fc.oneof(
  fc.double({ min: -5, max: 5, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
);
const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('create' as const), waiting: fc.boolean(), owner: fc.option(pid) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('claim' as const), pid }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('report' as const), pick, step: fc.nat({ max: 3 }), value }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('finish' as const),
      pick,
      state: fc.constantFrom<EndState>('complete', 'pruned', 'failed'),
      value: fc.option(value),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('beat' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('stale' as const), pid, retries: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('failRunning' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('recreate' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('read' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

const running = (ts: readonly FrozenTrial[]) => ts.filter((t) => t.state === 'running');
const finished = (t: FrozenTrial) => t.state !== 'running' && t.state !== 'waiting';

/** Does one step with `w`; `now` is the study as a full read gives it. Returns whether the study was made again. */
async function apply(w: Storage, name: string, s: Step, now: readonly FrozenTrial[]): Promise<boolean> {
  const one = (k: number) => running(now)[k % running(now).length]?.number;
  switch (s.op) {
    case 'create': {
      const owner = s.owner === null ? undefined : { host: 'h', pid: s.owner, worker: 0 };
      await w.createTrial(name, { n: now.length }, { why: 'fuzz' }, { waiting: s.waiting, owner });
      break;
    }
    case 'claim':
      await w.claimWaiting(name, { host: 'h', pid: s.pid, worker: 1 });
      break;
    case 'report': {
      const n = one(s.pick);
      if (n !== undefined) await w.report(name, n, s.step, s.value);
      break;
    }
    case 'finish': {
      const n = one(s.pick);
      if (n !== undefined) await w.finishTrial(name, n, s.state, s.value, { attrs: { history: { loss: [1, 2] } } });
      break;
    }
    case 'beat': {
      const n = one(s.pick);
      if (n !== undefined) await w.heartbeat(name, [n]);
      break;
    }
    case 'stale':
      await w.failStale(name, { graceMs: 60_000, deadOwners: [`h:${s.pid}`], retries: s.retries });
      break;
    case 'failRunning':
      await w.failRunning(name, 'interrupted');
      break;
    case 'recreate':
      assert.equal(await w.deleteStudy(name), true);
      await w.createStudy(name, {});
      return true;
    case 'read':
      break;
  }
  return false;
}

let runs = 0;

/**
 * One case on one backend (`open()`: a new instance on the same store): its own study, written by one instance and
 * read by another that keeps reading, which is checked after every step against a brand-new instance.
 */
async function check(open: () => Storage, steps: Step[]): Promise<void> {
  const name = `run${runs++}`;
  const [w, reader] = [open(), open()];
  try {
    await w.createStudy(name, {});
    let seen: FrozenTrial[] = await reader.getTrials(name);
    let now: FrozenTrial[] = [];
    for (const s of steps) {
      const again = await apply(w, name, s, now);
      const fresh = open();
      try {
        now = await fresh.getTrials(name);
      } finally {
        await fresh.close();
      }
      const got = await reader.getTrials(name);
      assert.deepStrictEqual(got, now, `after ${JSON.stringify(s)}`);
      if (!again)
        for (const t of seen.filter(finished)) assert.equal(got[t.number], t, `trial ${t.number} is the same object`);
      if (s.op === 'read') assert.deepStrictEqual(await w.getTrials(name), now, 'the writing instance reads it too');
      seen = got;
    }
  } finally {
    await Promise.all([w.close(), reader.close()]);
  }
}

const steps = fc.array(step, { maxLength: 24 });

test('sqlite: an instance that has read a study before reads what a new one does, after any writes', async () => {
  const f = join(dir, 'fuzz.db');
  await fc.assert(
    fc.asyncProperty(steps, (s) => check(() => new SqliteStorage(f), s)),
    fuzzParams(),
  );
});

test('postgres: an instance that has read a study before reads what a new one does, after any writes', {
  skip: pgSkip,
  timeout: 300_000,
}, async () => {
  const url = await freshPgUrl();
  await fc.assert(
    fc.asyncProperty(steps, (s) => check(() => new PgStorage(url), s)),
    fuzzParams(),
  );
});

test("sqlite: a study made again in a deleted one's place, with its row id and at the same millisecond, is read afresh", async () => {
  // every record made at one moment: the new study has the deleted one's creation time as well as its row id
  mock.timers.enable({ apis: ['Date'], now: Date.parse('2025-06-01T00:00:00.000Z') });
  const f = join(dir, 'again.db');
  const [w, reader] = [new SqliteStorage(f), new SqliteStorage(f)];
  try {
    await readAfterStartingOver(w, reader, () => w.deleteStudy('s'));
  } finally {
    mock.timers.reset();
    await Promise.all([w.close(), reader.close()]);
  }
});

test('postgres: a study made again in a database emptied with its ids restarted is read afresh', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  await withPgPair(async (w, reader, other) => {
    // emptied to start over (as a database dropped and made again): the study made next has the id 1 again
    await readAfterStartingOver(w, reader, () => other.query('TRUNCATE studies RESTART IDENTITY CASCADE'));
  });
});

test('postgres: a read of a study deleted after its id was read finds no study, not the trials it saw before', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  await withPgPair(async (w, reader, other, url) => {
    await w.createStudy('s', {});
    await w.finishTrial('s', (await w.createTrial('s', { x: 1 })).number, 'complete', 1);
    assert.equal((await reader.getTrials('s')).length, 1);
    // the read of the rows waits for the trials table while another process deletes the study
    await other.query('BEGIN');
    await other.query('LOCK TABLE trials IN ACCESS EXCLUSIVE MODE');
    const read = reader.getTrials('s').then(
      (ts) => `read ${JSON.stringify(ts.map((t) => t.params))}`,
      (e: Error) => e.message,
    );
    // asked outside `other`'s transaction, which sees pg_stat_activity as it was at its first look
    const waiting = () =>
      pgCount("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'", url);
    for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((res) => setTimeout(res, 20));
    await other.query("DELETE FROM studies WHERE name = 's'");
    await other.query('COMMIT');
    assert.match(await read, /no study named "s"/);
  });
});

test('sqlite: an instance keeps what it read of as many studies as it was opened to keep (studiesKept), 4 by default', async () => {
  const f = join(dir, 'kept.db');
  const w = new SqliteStorage(f);
  for (let s = 0; s < 6; s++) {
    await w.createStudy(`k${s}`, {});
    await w.finishTrial(`k${s}`, (await w.createTrial(`k${s}`, { s })).number, 'complete', s);
  }
  await w.close();
  // each study read in turn, twice: a finished trial read again is the same object only while its study is kept
  const keptAfterTwoRounds = async (st: Storage) => {
    try {
      const first = [];
      for (let s = 0; s < 6; s++) first.push((await st.getTrials(`k${s}`))[0]);
      const again = [];
      for (let s = 0; s < 6; s++) again.push((await st.getTrials(`k${s}`))[0] === first[s]);
      return again;
    } finally {
      await st.close();
    }
  };
  assert.deepEqual(await keptAfterTwoRounds(openStorage(f, { studiesKept: 6 })), [true, true, true, true, true, true]);
  assert.deepEqual(await keptAfterTwoRounds(openStorage(f)), [false, false, false, false, false, false]);
  assert.throws(() => openStorage(f, { studiesKept: 0 }), /studiesKept: expected a positive integer, received 0/);
});

/**
 * Study "s" with one trial {x: 1}, read by `reader`; then `startOver()` removes it and "s" is made again with one
 * trial {x: 2}: the reader must read the new study's trial, not the one it saw.
 */
async function readAfterStartingOver(w: Storage, reader: Storage, startOver: () => Promise<unknown>): Promise<void> {
  await w.createStudy('s', {});
  await w.finishTrial('s', (await w.createTrial('s', { x: 1 })).number, 'complete', 1);
  assert.deepEqual(
    (await reader.getTrials('s')).map((t) => t.params),
    [{ x: 1 }],
  );
  await startOver();
  await w.createStudy('s', {});
  await w.finishTrial('s', (await w.createTrial('s', { x: 2 })).number, 'complete', 2);
  assert.deepEqual(
    (await reader.getTrials('s')).map((t) => t.params),
    [{ x: 2 }],
  );
}

/**
 * Runs `f` on a fresh PostgreSQL database with a writer and a reader storage and a connection of another process
 * (`other`, connected), and closes all three.
 */
async function withPgPair(
  f: (w: PgStorage, reader: PgStorage, other: pg.Client, url: string) => Promise<void>,
): Promise<void> {
  const url = await freshPgUrl();
  const [w, reader] = [new PgStorage(url), new PgStorage(url)];
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    await f(w, reader, other, url);
  } finally {
    await other.end();
    await Promise.all([w.close(), reader.close()]);
  }
}

/** The `n` a one-row query of a new connection answers. */
async function pgCount(sql: string, url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(sql)).rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** A full garbage collection (node --expose-gc's gc(), turned on here). */
const collect = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Whether `reader` (opened to keep every study) still holds the trials it read of a study another process deleted,
 * once it has listed the studies: one of them, held by nothing else, is collected or not.
 */
async function keepsDeleted(w: Storage, reader: Storage): Promise<boolean> {
  for (const s of ['a', 'b', 'c']) {
    await w.createStudy(s, {});
    await w.finishTrial(s, (await w.createTrial(s, { s })).number, 'complete', 1);
  }
  const read = async () => {
    for (const s of ['a', 'b', 'c']) await reader.getTrials(s);
    return new WeakRef((await reader.getTrials('b'))[0]!);
  };
  const trial = await read();
  await w.deleteStudy('b');
  assert.deepEqual(
    (await reader.listStudies()).map((s) => s.name),
    ['a', 'c'],
  );
  await new Promise((res) => setImmediate(res)); // a WeakRef holds its target until the job that made it ends
  collect();
  return trial.deref() !== undefined;
}

test('sqlite and postgres: what was read of a study another process deleted goes when the studies are listed', {
  timeout: 30000,
}, async () => {
  // the dashboard keeps 256 studies and lists them at every poll: a study deleted by `study delete` was never read
  // again, and its trials stayed until 256 others were read (24 MB after 8 studies of 1,000 trials were deleted)
  const f = join(dir, 'deleted.db');
  const w = new SqliteStorage(f);
  const reader = new SqliteStorage(f, { readOnly: true, studiesKept: 256 });
  try {
    assert.equal(await keepsDeleted(w, reader), false, 'sqlite');
  } finally {
    await reader.close();
    await w.close();
  }
  if (pgSkip) return;
  const url = await freshPgUrl();
  const pw = new PgStorage(url);
  const pr = new PgStorage(url, { readOnly: true, studiesKept: 256 });
  try {
    assert.equal(await keepsDeleted(pw, pr), false, 'postgres');
  } finally {
    await pr.close();
    await pw.close();
  }
});
