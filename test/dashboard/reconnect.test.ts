// Many trials enqueued at once, in a real browser (playwright-core driving Debian's Chromium): the Studies page shows
// every one of them, whether its event stream took the whole poll (the server's limits) or was cut for reading too
// slowly (a tiny limit here) and connected again: a page reads what it shows anew when its stream connects again.
// Skipped without /usr/bin/chromium (failed with CI set).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { buildWeb, missing, openPage } from '../helpers/browser.js';

let dir: string;
let web: string;
let browser: Browser;
let page: Page;
let errors: string[] = [];

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-reconnect-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  web = await buildWeb();
  ({ browser, page, errors } = await openPage());
});

after(async () => {
  await browser?.close();
});

/** A storage with one empty study; `enqueue` stores `n` waiting trials of it in one transaction (one poll's). */
async function storage(name: string): Promise<{ url: string; enqueue(n: number): void }> {
  const file = join(dir, `${name}.db`);
  const st = new SqliteStorage(file);
  await st.createStudy('many', { strategy: 'random' });
  await st.close();
  return {
    url: `sqlite:${file}`,
    enqueue(n) {
      const db = new Database(file);
      try {
        const id = (db.prepare("SELECT id FROM studies WHERE name = 'many'").get() as { id: number }).id;
        const add = db.prepare(
          'INSERT INTO trials (study_id, number, state, params, attrs, started) ' +
            "VALUES (?, ?, 'waiting', '{}', '{}', ?)",
        );
        db.transaction(() => {
          for (let i = 0; i < n; i++) add.run(id, i, new Date().toISOString());
        })();
      } finally {
        db.close();
      }
    },
  };
}

/** Opens the Studies page of a dashboard over `url`, enqueues `n` trials and waits for the page to count them. */
async function shown(url: string, enqueue: () => void, n: number, limits?: Parameters<typeof startDashboard>[0]) {
  const d = await startDashboard({ storage: url, port: 0, web, pollMs: 100, ...limits });
  try {
    await page.goto(`${d.url}#/`);
    const cell = page.locator('#studies tr[data-study="many"] td').nth(2);
    await cell.waitFor();
    assert.equal(await cell.textContent(), '0');
    await page.locator('#live.on').waitFor();
    // what the live indicator says from now on ('reconnecting' when the stream was cut)
    await page.evaluate(() => {
      const live = document.getElementById('live')!;
      const said: string[] = [];
      (window as unknown as { said: string[] }).said = said;
      new MutationObserver(() => said.push(live.textContent ?? '')).observe(live, { childList: true, subtree: true });
    });
    enqueue();
    await page.waitForFunction(
      (want) => document.querySelector('#studies tr[data-study="many"] td:nth-child(3)')?.textContent === want,
      String(n),
      { timeout: 30000 },
    );
    return await page.evaluate(() => (window as unknown as { said: string[] }).said);
  } finally {
    // the page leaves first: a request of it that the closing server answered no more would be an error of the next
    await page.goto('about:blank');
    await d.close();
  }
}

test('10,500 trials enqueued at once: the Studies page counts every one, its stream not cut', {
  skip: missing,
  timeout: 60000,
}, async () => {
  const s = await storage('fast');
  const before = errors.length;
  const said = await shown(s.url, () => s.enqueue(10500), 10500);
  assert.ok(!said.includes('reconnecting'), `the live indicator said ${said.join(', ')}`);
  assert.deepEqual(errors.slice(before), []);
});

test('a stream cut for reading too slowly connects again, and the page reads what it shows anew', {
  skip: missing,
  timeout: 60000,
}, async () => {
  const s = await storage('cut');
  const before = errors.length;
  // 2,000 characters: any poll of more than a dozen events ends the stream, before one of them is sent
  const cutAt = { storage: s.url, streamLimits: { stallMs: 60000, maxQueuedBytes: 2000 } };
  const said = await shown(s.url, () => s.enqueue(500), 500, cutAt);
  assert.ok(said.includes('reconnecting'), 'the stream was cut');
  assert.deepEqual(errors.slice(before), []);
});
