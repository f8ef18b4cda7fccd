// A study's page as a user watching a study sees it: its head says when and why the study's run ended, as `study
// show` does, when the tune ends; its factor importance is drawn when study show prints it, and said not to mean
// anything yet, in study show's words, when not; a curve of one epoch is drawn. The Studies page counts a study's
// trials without reading each of them at every trial, and marks a running trial whose heartbeat stopped. A trial
// whose epochs and heartbeats keep coming is never said to have stopped. Skipped without /usr/bin/chromium (failed
// instead with CI set).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Route } from 'playwright-core';
import { importanceNotYet } from '../../src/tune/index.js';
import { missing } from '../helpers/browser.js';
import { livePage } from './fixture.js';

const live = livePage('seqtune-dash-study-');

/** A finished trial of `study`. */
async function trial(study: string, value: number): Promise<void> {
  const t = await live.st.createTrial(study, { units: value });
  await live.st.finishTrial(study, t.number, 'complete', value);
}

test("a study page's head says why the study's run ended, once it ends, as study show does", {
  skip: missing,
}, async () => {
  await live.st.createStudy('ends', { strategy: 'random' });
  await trial('ends', 1);
  await trial('ends', 2);
  await live.page.goto(`${live.d.url}#/study/ends`);
  const head = live.page.locator('#study-head');
  await head.waitFor();
  assert.equal(await head.textContent(), 'random · 2 trials');
  // what runStudy records when its loop ends (tune/study.ts)
  await live.st.setStudyAttr('ends', 'finished', { reason: 'trial budget spent', trials: 2 });
  await live.page.locator('#study-head', { hasText: 'random · 2 trials, trial budget spent' }).waitFor();
  await trial('ends', 3);
  await live.page.locator('#study-head', { hasText: 'random · 3 trials, trial budget spent at 2 trials' }).waitFor();
});

test('factor importance is drawn when study show prints it, and study show says why not yet when not', {
  skip: missing,
}, async () => {
  await live.st.createStudy('imp', { strategy: 'random' });
  // 16 units once in 10 trials: a value seen once, whose share of the variance is chance
  for (const units of [4, 4, 4, 8, 8, 8, 4, 8, 16, 4]) await trial('imp', units);
  const why = importanceNotYet(await live.st.getTrials('imp'), 'random');
  assert.equal(why, '(10 completed; units 16 completed once, and each value needs 2)');
  await live.page.goto(`${live.d.url}#/study/imp`);
  const note = live.page.locator('#importance-not-yet');
  await note.waitFor();
  assert.equal(await note.textContent(), `not enough trials yet ${why}`);
  await trial('imp', 16);
  assert.equal(importanceNotYet(await live.st.getTrials('imp'), 'random'), null);
  await live.page.locator('.bars .bar-label', { hasText: 'units' }).waitFor();
  assert.equal(await note.count(), 0);
});

test("a running trial's curve shows from its first epoch on the study's chart", { skip: missing }, async () => {
  await live.st.createStudy('first', { strategy: 'random' });
  const t = await live.st.createTrial('first', { units: 4 });
  await live.st.report('first', t.number, 0, 0.5);
  await live.page.goto(`${live.d.url}#/study/first`);
  await live.page.locator('#curves-canvas').waitFor();
  await live.page.locator('.legend', { hasText: 'running #0' }).waitFor();
  // the pixels of the running trials' orange (#ea580c) on the canvas
  const orange = await live.page.locator('#curves-canvas').evaluate((c: HTMLCanvasElement) => {
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! > 200 && px[i + 1]! < 140 && px[i + 2]! < 80) n++;
    return n;
  });
  assert.ok(orange > 0, 'the one epoch is drawn');
});

test('the Studies page counts a new trial without reading every trial stored', { skip: missing }, async () => {
  await live.st.createStudy('many', { strategy: 'random' });
  for (let n = 0; n < 400; n++) await trial('many', n);
  await live.page.goto(`${live.d.url}#/`);
  const cells = live.page.locator('tr[data-study="many"] td');
  await cells.nth(2).filter({ hasText: /^400$/ }).waitFor();
  assert.equal(await cells.nth(3).textContent(), '400 complete');
  assert.equal(await cells.nth(4).textContent(), '0 (#0)');
  const read: Promise<number>[] = [];
  live.page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/studies') || r.url().includes('/api/study-list'))
      read.push(r.body().then((b) => b.length));
  });
  const t = await live.st.createTrial('many', { units: 1 });
  await live.st.finishTrial('many', t.number, 'failed', null);
  await cells.nth(3).filter({ hasText: '400 complete1 failed' }).waitFor();
  assert.equal(await cells.nth(2).textContent(), '401');
  const bytes = (await Promise.all(read)).reduce((a, b) => a + b, 0);
  assert.ok(bytes < 5000, `${bytes} bytes read for one trial`);
});

test('a running trial whose epochs and heartbeats keep coming is never said to have stopped beating', {
  skip: missing,
  timeout: 60000,
}, async () => {
  // tune.heartbeat 1 s: a trial is stale after 3 s without one
  await live.st.createStudy('alive', { strategy: 'random', config: { tune: { heartbeat: 1 } } });
  const t = await live.st.createTrial('alive', { units: 4 }, {}, { owner: { host: 'elsewhere', pid: 3, worker: 0 } });
  await live.page.goto(`${live.d.url}#/study/alive`);
  await live.page.locator('#trials .vt-row').first().waitFor();
  await live.page.locator('#live', { hasText: /^live$/ }).waitFor();
  await epochs(t.number, 0);
  assert.deepEqual(await live.page.evaluate(() => (window as unknown as { said: string[] }).said), []);
  // the trial's own page, with 16 epochs more
  await live.page.goto(`${live.d.url}#/study/alive/trial/0`);
  await live.page.locator('#trial-curves[data-epochs="16"]').waitFor();
  await epochs(t.number, 16, '#trial-curves[data-epochs="K"]');
  assert.deepEqual(await live.page.evaluate(() => (window as unknown as { said: string[] }).said), []);
});

/**
 * 16 epochs of trial `n` of `alive` from `from`, 0.5 s apart, each with a heartbeat: past the 3 s and the page's 5-s
 * tick; each heard by the page (the study page's lastEpoch, or `shown` with K its epochs) before the next. The page
 * notes meanwhile (window.said) every text of a stopped heartbeat it shows, however briefly.
 */
async function epochs(n: number, from: number, shown?: string): Promise<void> {
  await live.page.evaluate(() => {
    const w = window as unknown as { said: string[] };
    w.said = [];
    new MutationObserver(() => {
      const text = ['#stale', '#trials', '#trial-head'].map((q) => document.querySelector(q)?.textContent).join(' ');
      if (/no heartbeat|⚠/.test(text)) w.said.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  for (let e = from; e < from + 16; e++) {
    await live.st.heartbeat('alive', [n]);
    await live.st.report('alive', n, e, 1 / (e + 1));
    if (shown) await live.page.locator(shown.replace('K', String(e + 1))).waitFor();
    else
      await live.page.waitForFunction(
        (k) => (window as { lastEpoch?: { epochs: number } }).lastEpoch?.epochs === k,
        e + 1,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('the Studies page marks a running trial whose heartbeat stopped long ago', { skip: missing }, async () => {
  await live.st.createStudy('killed', { strategy: 'random' });
  await live.st.createTrial('killed', { units: 4 }, {}, { owner: { host: 'elsewhere', pid: 4, worker: 0 } });
  // its process was killed 10 minutes ago (tune.heartbeat is 10 s: stale after 30 s)
  const db = new Database(live.db);
  const then = new Date(Date.now() - 600_000).toISOString();
  const study = db.prepare('SELECT id FROM studies WHERE name = ?').get('killed') as { id: number };
  db.prepare('UPDATE trials SET started = ?, heartbeat = ? WHERE study_id = ?').run(then, then, study.id);
  db.close();
  await live.page.goto(`${live.d.url}#/`);
  const state = live.page.locator('tr[data-study="killed"] .state.running');
  await state.waitFor();
  assert.equal(await state.textContent(), '1 running ⚠');
  assert.match((await state.getAttribute('title'))!, /^1 of them without a heartbeat .*: it may be dead$/);
});

test("a pruned trial's row and page say at which epoch and why the pruner stopped it, as study show does", {
  skip: missing,
}, async () => {
  const { st, page, d } = live;
  await st.createStudy('cut', { strategy: 'random' });
  const why =
    'pruned by median at epoch 3 of 10: its best val_loss so far, 0.4, was worse than the median of the other ' +
    "trials' best values at that epoch";
  const t = await st.createTrial('cut', { units: 4 });
  for (const e of [0, 1, 2]) await st.report('cut', t.number, e, 0.5 - e / 100);
  await st.finishTrial('cut', t.number, 'pruned', 0.48, { attrs: { pruned: why } });
  // pruned by hand through ask-tell: no words kept
  const u = await st.createTrial('cut', { units: 8 });
  await st.report('cut', u.number, 0, 0.6);
  await st.finishTrial('cut', u.number, 'pruned', 0.6);
  await page.goto(`${d.url}#/study/cut`);
  const state = (n: number) => page.locator(`#trials .vt-row[data-key="${n}"] [role=cell]`).nth(1);
  await state(1).waitFor();
  assert.equal(await state(0).textContent(), 'pruned at epoch 3');
  assert.equal(await state(0).getAttribute('title'), why);
  assert.equal(await state(1).textContent(), 'pruned at epoch 1');
  assert.equal(await state(1).getAttribute('title'), "pruned at epoch 1; its pruner's reason is not stored");
  await page.getByLabel('filter').fill('median');
  await page.locator('#trials .vt-count', { hasText: '1 of 2 trials shown' }).waitFor();
  await page.goto(`${d.url}#/study/cut/trial/0`);
  await page.locator('#pruned').waitFor();
  assert.equal(await page.locator('#pruned').textContent(), why);
  assert.match((await page.locator('#trial-head').textContent())!, /^pruned at epoch 3 · value 0\.48 · 3 epochs/);
});

test("the study's head and the Studies page say its time left when study show --json has it, nothing when not", {
  skip: missing,
}, async () => {
  const { st, page, d } = live;
  await st.createStudy('left', { strategy: 'random' });
  await trial('left', 1);
  // study show --json and study ls --json as a seqtune that estimates it answers: 250 s, then none (null)
  let left: number | null | undefined = 250;
  const stub = async (route: Route) => {
    const r = await route.fetch();
    const body = await r.json();
    const put = (s: Record<string, unknown>) => (s.name === 'left' ? { ...s, time_left_s: left } : s);
    await route.fulfill({ response: r, json: Array.isArray(body) ? body.map(put) : put(body) });
  };
  await page.route((u) => u.pathname === '/api/studies/left' || u.pathname === '/api/study-list', stub);
  await page.goto(`${d.url}#/study/left`);
  await page.locator('#study-head', { hasText: 'random · 1 trial · time left about 5 min' }).waitFor();
  await page.goto(`${d.url}#/`);
  const cell = page.locator('tr[data-study="left"] td').nth(3);
  await cell.locator('.time-left', { hasText: 'time left about 5 min' }).waitFor();
  for (left of [null, undefined]) {
    await page.goto(`${d.url}#/study/left`);
    await page.locator('#study-head', { hasText: /^random · 1 trial$/ }).waitFor();
    await page.goto(`${d.url}#/`);
    await cell.filter({ hasText: /^1 complete$/ }).waitFor();
  }
  await page.unroute(() => true);
});

test('a study page reads again only the trials that started or ended, not the whole study', {
  skip: missing,
  timeout: 60000,
}, async () => {
  const { st, page, d } = live;
  await st.createStudy('big', { strategy: 'random' });
  for (let n = 0; n < 400; n++) await trial('big', n);
  await page.goto(`${d.url}#/study/big`);
  await page.locator('#trials .vt-count', { hasText: '400 of 400 trials shown' }).waitFor();
  await page.locator('#live', { hasText: /^live$/ }).waitFor();
  const read: Promise<number>[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/studies/big')) read.push(r.body().then((b) => b.length));
  });
  const t = await st.createTrial('big', { units: -1 });
  await st.report('big', t.number, 0, 0.25);
  await st.finishTrial('big', t.number, 'complete', -1);
  await page.locator('#trials .vt-count', { hasText: '401 of 401 trials shown' }).waitFor();
  await page.locator('#result', { hasText: 'best #400: -1' }).waitFor();
  const bytes = (await Promise.all(read)).reduce((a, b) => a + b, 0);
  assert.ok(read.length > 0 && bytes < 10000, `${bytes} bytes read in ${read.length} answers for one trial`);
});

test('a trial whose run folder was deleted says so where its pictures would be', { skip: missing }, async () => {
  const { st, page, d } = live;
  await st.createStudy('gone', { strategy: 'random' });
  const t = await st.createTrial('gone', { units: 4 }, { run_dir: join(live.dir, 'runs', 'trial-0') });
  await st.finishTrial('gone', t.number, 'complete', 0.5);
  await page.goto(`${d.url}#/study/gone/trial/0`);
  const note = page.locator('#no-pictures');
  await note.waitFor();
  assert.equal(
    await note.textContent(),
    `its run folder ${join(live.dir, 'runs', 'trial-0')} is not there (deleted or moved since): no pictures`,
  );
});

test("a study's head counts its trials that are not complete, as study show does", { skip: missing }, async () => {
  const { st, page, d } = live;
  await st.createStudy('mixed', { strategy: 'random' });
  await trial('mixed', 1);
  for (const state of ['pruned', 'pruned', 'failed'] as const) {
    const t = await st.createTrial('mixed', { units: 2 });
    await st.finishTrial('mixed', t.number, state, state === 'pruned' ? 0.9 : null);
  }
  await st.setStudyAttr('mixed', 'finished', { reason: 'trial budget spent', trials: 4 });
  await page.goto(`${d.url}#/study/mixed`);
  await page.locator('#study-head').waitFor();
  assert.equal(
    await page.locator('#study-head').textContent(),
    'random · 4 trials (2 pruned, 1 failed), trial budget spent',
  );
});
