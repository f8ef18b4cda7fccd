// Pages by their address: a trial address that names no trial number says so, one of a trial not stored yet waits
// for that trial alone, and each page's title names what it shows. Skipped without /usr/bin/chromium (failed
// instead with CI set).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missing } from '../helpers/browser.js';
import { livePage } from './fixture.js';

const live = livePage('seqtune-dash-addr-', async (st) => {
  await st.createStudy('s', { strategy: 'random' });
  const t = await st.createTrial('s', { units: 4 });
  await st.finishTrial('s', t.number, 'complete', 0.5);
});

test('a trial address without a trial number says so, and waits for nothing', { skip: missing }, async () => {
  for (const n of ['abc', '', '1.5', '-1']) {
    await live.page.goto(`${live.d.url}#/`);
    await live.page.goto(`${live.d.url}#/study/s/trial/${n}`);
    const note = live.page.locator('#bad-address');
    await note.waitFor();
    assert.equal(await note.textContent(), `#/study/s/trial/${n}: not a page address (a trial is a number: 0, 1, ...)`);
    assert.equal(await live.page.locator('#waiting').count(), 0, n);
  }
});

test('a study or run address without its name says so, and waits for nothing', { skip: missing }, async () => {
  for (const what of ['study', 'run']) {
    await live.page.goto(`${live.d.url}#/`);
    await live.page.goto(`${live.d.url}#/${what}/`);
    const note = live.page.locator('#bad-address');
    await note.waitFor();
    assert.equal(await note.textContent(), `#/${what}/: not a page address (#/${what}/ names no ${what})`);
    assert.equal(await live.page.locator('#waiting').count(), 0, what);
  }
});

test("a trial page waiting for its trial asks for it again when it comes, not at each of its study's trials", {
  skip: missing,
  timeout: 60000,
}, async () => {
  const asked: string[] = [];
  live.page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/studies/s/trials/6') asked.push(r.url());
  });
  await live.page.goto(`${live.d.url}#/study/s/trial/6`);
  await live.page.locator('#waiting').waitFor();
  // each trial in a poll of its own (the page heard one trial-created event at a time): seen by a stream beside
  // the page's before the next is written
  await live.page.evaluate(
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
    await live.st.createTrial('s', { units: n });
    await live.page.waitForFunction((k) => (window as unknown as { seen: number[] }).seen.includes(k), n);
  }
  await live.page.locator('h1', { hasText: 'Trial #6' }).waitFor();
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
    await live.page.goto(`${live.d.url}${hash}`);
    await live.page.waitForFunction((t) => document.title === t, title, { timeout: 5000 });
  }
  await live.page.goBack();
  await live.page.waitForFunction(() => document.title === '#0 s · seqtune', null, { timeout: 5000 });
});
