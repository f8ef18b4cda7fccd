// Pages by their address: a trial address that names no trial number says so, one of a trial not stored yet waits
// for that trial alone, and each page's title names what it shows. Skipped without /usr/bin/chromium (failed
// instead with CI set).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { buildWeb, missing, openPage } from '../helpers/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-addr-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let st: Storage;
let d: Dashboard;
let browser: Browser;
let page: Page;

before(async () => {
  if (missing) return;
  st = openStorage(`sqlite:${join(dir, 'studies.db')}`);
  await st.createStudy('s', { strategy: 'random' });
  const t = await st.createTrial('s', { units: 4 });
  await st.finishTrial('s', t.number, 'complete', 0.5);
  d = await startDashboard({
    storage: `sqlite:${join(dir, 'studies.db')}`,
    port: 0,
    web: await buildWeb(),
    pollMs: 50,
  });
  ({ browser, page } = await openPage());
});

after(async () => {
  await browser?.close();
  await d?.close();
  await st?.close();
});

test('a trial address without a trial number says so, and waits for nothing', { skip: missing }, async () => {
  for (const n of ['abc', '', '1.5', '-1']) {
    await page.goto(`${d.url}#/`);
    await page.goto(`${d.url}#/study/s/trial/${n}`);
    const note = page.locator('#bad-address');
    await note.waitFor();
    assert.equal(await note.textContent(), `#/study/s/trial/${n}: not a page address (a trial is a number: 0, 1, ...)`);
    assert.equal(await page.locator('#waiting').count(), 0, n);
  }
});

test('a study or run address without its name says so, and waits for nothing', { skip: missing }, async () => {
  for (const what of ['study', 'run']) {
    await page.goto(`${d.url}#/`);
    await page.goto(`${d.url}#/${what}/`);
    const note = page.locator('#bad-address');
    await note.waitFor();
    assert.equal(await note.textContent(), `#/${what}/: not a page address (#/${what}/ names no ${what})`);
    assert.equal(await page.locator('#waiting').count(), 0, what);
  }
});

test("a trial page waiting for its trial asks for it again when it comes, not at each of its study's trials", {
  skip: missing,
  timeout: 60000,
}, async () => {
  const asked: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/studies/s/trials/6') asked.push(r.url());
  });
  await page.goto(`${d.url}#/study/s/trial/6`);
  await page.locator('#waiting').waitFor();
  // each trial in a poll of its own (the page heard one trial-created event at a time): seen by a stream beside
  // the page's before the next is written
  await page.evaluate(
    () =>
      new Promise((ready) => {
        const w = window as unknown as { seen: number[] };
        w.seen = [];
        const source = new EventSource('/api/events');
        source.addEventListener('hello', ready);
        source.addEventListener('trial-created', (e) => w.seen.push(JSON.parse(e.data).number));
      }),
  );
  for (let n = 1; n <= 6; n++) {
    await st.createTrial('s', { units: n });
    await page.waitForFunction((k) => (window as unknown as { seen: number[] }).seen.includes(k), n);
  }
  await page.locator('h1', { hasText: 'Trial #6' }).waitFor();
  assert.equal(asked.length, 2, 'once before it was stored, once when it was');
});

test("each page's title names what it shows, and Back's does too", { skip: missing }, async () => {
  const titles: [string, string][] = [
    ['#/', 'studies · seqtune'],
    ['#/study/s', 's · seqtune'],
    ['#/study/s/trial/0', '#0 s · seqtune'],
    ['#/runs', 'runs · seqtune'],
  ];
  for (const [hash, title] of titles) {
    await page.goto(`${d.url}${hash}`);
    await page.waitForFunction((t) => document.title === t, title, { timeout: 5000 });
  }
  await page.goBack();
  await page.waitForFunction(() => document.title === '#0 s · seqtune', null, { timeout: 5000 });
});
