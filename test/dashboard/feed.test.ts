// The dashboard's feed (src/dashboard/feed.ts) over a source that fails once partway through a poll: the next poll
// tells what the failed one read, nothing lost and nothing twice.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Feed, type FeedEvent, type FeedSource } from '../../src/dashboard/feed.js';
import { SqliteFeed } from '../../src/dashboard/feed-sqlite.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-feed-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** `source`, whose query `which` throws the first time it is asked after `arm()`. */
function throwingOnce(source: FeedSource, which: 'trials' | 'epochs' | 'studies') {
  let armed = false;
  const wrapped = Object.create(source) as FeedSource;
  const real = source[which].bind(source) as (...a: unknown[]) => Promise<unknown>;
  (wrapped as unknown as Record<string, unknown>)[which] = (...a: unknown[]) => {
    if (!armed) return real(...a);
    armed = false;
    return Promise.reject(new Error('connection lost'));
  };
  return { source: wrapped, arm: () => (armed = true) };
}

const brief = (events: FeedEvent[]) =>
  events.map((e) => [e.type, e.study, 'number' in e ? e.number : null, 'step' in e ? e.step : null].join(' '));

for (const which of ['studies', 'trials', 'epochs'] as const)
  test(`a poll whose ${which} query fails: the next poll tells its events (SQLite's data_version read by it too)`, async () => {
    const file = join(dir, `${which}.db`);
    const st = new SqliteStorage(file);
    await st.createStudy('before', {});
    const t0 = await st.createTrial('before', { x: 0 });
    const { source, arm } = throwingOnce(new SqliteFeed(file), which);
    const feed = new Feed(source);
    await feed.start();
    // what comes after: an epoch of an open trial, a new study with a trial and its epochs, the first trial's end
    await st.report('before', t0.number, 0, 0.5);
    await st.createStudy('after', {});
    const t = await st.createTrial('after', { x: 1 });
    for (let e = 0; e < 2; e++) await st.report('after', t.number, e, 1 / (e + 1));
    await st.finishTrial('before', t0.number, 'complete', 0.5);
    arm();
    await assert.rejects(feed.poll(), /connection lost/);
    const events = [...(await feed.poll()), ...(await feed.poll())];
    assert.deepEqual(brief(events), [
      'study-created after  ',
      'trial-created after 0 ',
      'epoch before 0 0',
      'epoch after 0 0',
      'epoch after 0 1',
      'trial-finished before 0 ',
    ]);
    await feed.close();
    await st.close();
  });
