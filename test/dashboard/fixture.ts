// A small stored study with run folders for the dashboard's tests: a grid of two trials trained by `seqtune tune`
// into a temporary folder, plus a study named with HTML characters (made through the storage, no training). And the
// live pages' tests' start: a SQLite storage, the dashboard over it and a Chromium page (livePage).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { openStorage, SqliteStorage, type Storage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

export const HTML_NAME = '<img src=x onerror=alert(1)>';

export interface Fixture {
  dir: string;
  db: string;
  url: string;
  runs: string;
  /** What `seqtune tune` printed. */
  tuneOut: string;
}

/** Trains the study `grid2` (two trials, three epochs) and stores the HTML-named one beside it. */
export async function makeFixture(prefix: string): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 3 }));
  const db = join(dir, 'studies.db');
  const f = studyConfig(dir, 'grid2', '  strategy: grid\n  jobs: 1\n  space:\n    model.layers[0].gru.units: [3, 5]\n');
  const r = await runCli(['tune', f, '--storage', `sqlite:${db}`]);
  if (r.code !== 0) throw new Error(`tune failed: ${r.err}`);
  const st = new SqliteStorage(db);
  await st.createStudy(HTML_NAME, { strategy: 'random' });
  const t = await st.createTrial(HTML_NAME, { '<b>param</b>': '<script>x</script>' }, { why: '<i>why</i>' });
  await st.report(HTML_NAME, t.number, 0, 0.5);
  await st.finishTrial(HTML_NAME, t.number, 'complete', 0.5);
  await st.close();
  return { dir, db, url: `sqlite:${db}`, runs: join(dir, 'runs'), tuneOut: r.out };
}

/** What a test file of the live pages works with (livePage): set before its first test runs. */
export interface LivePage {
  /** The temporary folder the study file is in. */
  dir: string;
  /** The SQLite study file. */
  db: string;
  st: Storage;
  d: Dashboard;
  browser: Browser;
  page: Page;
}

/**
 * A SQLite study file in a temporary folder (named from `prefix`), a storage on it, the dashboard over it (polling
 * every 50 ms) and a Chromium page, started before the file's tests once `seed` has stored what they need, and closed
 * after them. Without Chromium (`missing`) nothing is started (the tests are skipped).
 */
export function livePage(prefix: string, seed?: (st: Storage) => Promise<void>): LivePage {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const live = { dir, db: join(dir, 'studies.db') } as LivePage;
  before(async () => {
    // read here, not imported above: the API's tests import this file, and the browser's module throws in CI without
    // Chromium
    const { buildWeb, missing, openPage } = await import('../helpers/browser.js');
    if (missing) return;
    live.st = openStorage(`sqlite:${live.db}`);
    await seed?.(live.st);
    live.d = await startDashboard({ storage: `sqlite:${live.db}`, port: 0, web: await buildWeb(), pollMs: 50 });
    ({ browser: live.browser, page: live.page } = await openPage());
  });
  after(async () => {
    await live.browser?.close();
    await live.d?.close();
    await live.st?.close();
  });
  return live;
}
