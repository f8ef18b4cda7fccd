// The pages in a real browser (playwright-core driving Debian's Chromium), while `seqtune tune` runs in the
// background: the studies page shows a new study without a reload, the study page's trials table grows and a running
// trial's curve gains epochs without a reload, a trial page shows its diagnosis, a run page its metrics beside the
// baselines, the Runs page a run folder written while it is open and 230 run folders a page at a time, a study
// named with HTML characters shows those characters, and a page's address without its # opens that page. Skipped
// without /usr/bin/chromium (failed instead with CI set).
// Screenshots go to $SEQTUNE_TEST_OUT/dashboard (default: the temporary folder's seqtune-test-out/dashboard), outside
// the checkout.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page, Request } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { diagnose, evidenceFrom1 } from '../../src/diagnose/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { buildWeb, missing, openPage } from '../helpers/browser.js';
import { studyConfig } from '../helpers/study-config.js';
import { type Fixture, HTML_NAME, makeFixture } from './fixture.js';

const shots = join(process.env.SEQTUNE_TEST_OUT ?? join(tmpdir(), 'seqtune-test-out'), 'dashboard');
let fx: Fixture;
let d: Dashboard;
let web: string;
let browser: Browser;
let page: Page;
let tune: ChildProcess | null = null;
let dialogs: string[] = [];
let errors: string[] = [];

/**
 * `seqtune tune` of a grid in its own process: 30 trials of 60 epochs, one at a time, so that on a slow machine
 * or a fast one trials keep starting and a trial is running while the page watches (stopped after the tests).
 */
function startTune(): ChildProcess {
  const space = '    model.layers[0].gru.units: [3, 4, 5, 6, 7, 8]\n    train.batch_size: [8, 16, 32, 64, 128]\n';
  const f = studyConfig(fx.dir, 'live', `  strategy: grid\n  jobs: 1\n  space:\n${space}`, 60);
  const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'tune', f, '--storage', fx.url], { stdio: 'ignore' });
  return child;
}

before(async () => {
  if (missing) return;
  [fx, web] = await Promise.all([makeFixture('seqtune-dash-browser-'), buildWeb()]);
  mkdirSync(shots, { recursive: true });
  d = await startDashboard({ storage: fx.url, runs: fx.runs, port: 0, web, pollMs: 100 });
  ({ browser, page, dialogs, errors } = await openPage());
});

after(async () => {
  if (tune && tune.exitCode === null) {
    const gone = new Promise((r) => tune!.once('exit', r));
    tune.kill('SIGTERM');
    await gone;
  }
  await browser?.close();
  await d?.close();
});

test('the studies page shows an HTML-named study as text and a new study appears without a reload', {
  skip: missing,
  timeout: 60000,
}, async () => {
  await page.goto(`${d.url}#/`);
  const cell = page.locator('#studies a', { hasText: HTML_NAME });
  await cell.waitFor();
  assert.equal(await cell.textContent(), HTML_NAME);
  assert.equal(await page.locator('#studies img').count(), 0, 'no element made from the name');
  await page.evaluate(() => {
    (window as unknown as { stay: number }).stay = 1;
  });
  // "last activity" keeps counting (no event comes yet): a time shown as 2 minutes ago says so within seconds
  const when = page.locator('#studies tr').filter({ hasText: HTML_NAME }).locator('[data-ago]');
  await when.evaluate((e: HTMLElement) => {
    e.dataset.ago = new Date(Date.now() - 125_000).toISOString();
  });
  await page.waitForFunction(
    () => [...document.querySelectorAll('#studies [data-ago]')].some((e) => e.textContent === '2 min ago'),
    null,
    { timeout: 5000 },
  );
  tune = startTune();
  await page.locator('tr[data-study="live"]').waitFor({ timeout: 30000 });
  assert.equal(await page.evaluate(() => (window as unknown as { stay?: number }).stay), 1, 'not reloaded');
  await page.screenshot({ path: join(shots, 'studies.png'), fullPage: true });
  assert.deepEqual(dialogs, [], 'no script ran from a name');
  // a study deleted (study delete) leaves the list without a reload
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('short-lived', { strategy: 'random' });
    await page.locator('tr[data-study="short-lived"]').waitFor();
    await st.deleteStudy('short-lived');
    await page.locator('tr[data-study="short-lived"]').waitFor({ state: 'detached' });
  } finally {
    await st.close();
  }
});

test('the study page: the trials table grows and a running trial gains epochs without a reload', {
  skip: missing,
  timeout: 60000,
}, async () => {
  await page.goto(`${d.url}#/study/live`);
  await page.locator('#trials').waitFor();
  await page.evaluate(() => {
    (window as unknown as { stay: number }).stay = 1;
  });
  const rows = Number(await page.locator('#trials').getAttribute('data-rows'));
  const legend = page.locator('.legend');
  await page.waitForFunction(() => document.querySelector('.legend')?.textContent?.includes('running'));
  const points = Number(await page.locator('#curves-canvas').locator('..').getAttribute('data-points'));
  await page.waitForFunction(
    (p) => Number(document.querySelector('#curves-canvas')?.parentElement?.dataset.points) > p,
    points,
  );
  assert.match((await legend.textContent()) ?? '', /growing: running #\d/);
  await page.waitForFunction((n) => Number(document.querySelector('#trials')?.getAttribute('data-rows')) > n, rows, {
    timeout: 30000,
  });
  assert.equal(await page.evaluate(() => (window as unknown as { stay?: number }).stay), 1, 'not reloaded');
  await page.screenshot({ path: join(shots, 'study-live.png'), fullPage: true });
});

test('the trials table filters by state and text and sorts by a column', { skip: missing }, async () => {
  await page.goto(`${d.url}#/study/grid2`);
  const table = page.locator('#trials');
  await page.waitForFunction(() => document.querySelector('#trials')?.getAttribute('data-rows') === '2');
  await page.locator('input[aria-label="filter"]').fill('gru.units=5');
  await page.waitForFunction(() => document.querySelector('#trials')?.getAttribute('data-rows') === '1');
  assert.equal(await table.locator('.vt-row').first().getAttribute('data-key'), '1');
  await page.locator('input[aria-label="filter"]').fill('');
  await page.locator('select[aria-label="state"]').selectOption('running');
  await page.waitForFunction(() => document.querySelector('#trials')?.getAttribute('data-rows') === '0');
  await page.locator('select[aria-label="state"]').selectOption('any state');
  const value = table.locator('.vt-head span', { hasText: /^value$/ });
  await value.click();
  await value.click(); // descending: the worse trial first
  const keys = await table.locator('.vt-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')));
  const study = (await (await fetch(new URL('/api/studies/grid2', d.url))).json()) as { best: { number: number } };
  assert.equal(keys.at(-1), String(study.best.number), 'the best trial last when sorted by value descending');
  // On a window 400 px wide the page does not scroll sideways (the table does, in its box) and no value is cut.
  await page.setViewportSize({ width: 400, height: 900 });
  await page.reload();
  await page.waitForFunction(() => document.querySelector('#trials')?.getAttribute('data-rows') === '2');
  await page.waitForSelector('.slices'); // the charts, drawn after the table
  try {
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => !e.closest('.vt-scroll') && e.getBoundingClientRect().right > 400)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    assert.deepEqual(wide, [], 'nothing reaches past the window (the page does not scroll sideways)');
    const cells = await table
      .locator('.vt-row .vt-cell:nth-child(3)')
      .evaluateAll((cs) =>
        cs.map((c) => ({ text: c.textContent, title: c.getAttribute('title'), fits: c.scrollWidth <= c.clientWidth })),
      );
    assert.equal(cells.length, 2);
    for (const c of cells) {
      assert.ok(c.fits, `value ${c.text} is shown whole`);
      assert.equal(Number(c.text), Number(Number(c.title).toPrecision(c.text!.replace(/^0\.0*/, '').length)));
    }
    assert.notEqual(cells[0]!.text, cells[1]!.text, 'two values that differ look different');
  } finally {
    await page.setViewportSize({ width: 1100, height: 1400 });
  }
});

test('a study page opened while the study is empty gains parameter columns when its trials arrive', {
  skip: missing,
}, async () => {
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('empty', { strategy: 'random' });
    await page.goto(`${d.url}#/study/empty`);
    await page.locator('#trials').waitFor();
    const t = await st.createTrial('empty', { 'train.batch_size': 16 });
    await st.report('empty', t.number, 0, 0.25);
    await st.finishTrial('empty', t.number, 'complete', 0.25);
    await page.locator('#trials .vt-head span', { hasText: 'train.batch_size' }).waitFor();
    await page.locator('#trials .vt-row .vt-cell', { hasText: /^16$/ }).waitFor();
    // an integer parameter of one value keeps integer ends in the slice and parallel coordinates (not 14.4-17.6),
    // and the slice writes the objective's scale
    const slice = page.locator('figure.slice', { hasText: 'train.batch_size' });
    await slice.waitFor();
    assert.equal(await slice.getAttribute('data-x'), '15 – 17');
    assert.equal(await slice.getAttribute('data-y'), '0.225 – 0.275');
    const axes = JSON.parse((await page.locator('#parallel').getAttribute('data-axes')) ?? '[]') as string[][];
    assert.deepEqual(axes[0], ['15', '17']);
  } finally {
    await st.close();
  }
});

test("a study page states the study's result as study show does: how auto chose its best, and the ensemble", {
  skip: missing,
}, async () => {
  // auto's records, written as it writes them: #1 has the lowest value, but a dip; #2 was chosen by its steady value
  const st = new SqliteStorage(fx.db);
  const ens = join(fx.runs, 'chosen', 'ensemble-after-3');
  try {
    await st.createStudy('chosen', { strategy: 'auto' });
    for (const v of [0.5, 0.4, 0.45]) {
      const t = await st.createTrial('chosen', { 'train.batch_size': 8 * (v * 20) });
      await st.finishTrial('chosen', t.number, 'complete', v);
    }
    await st.setStudyAttr('chosen', 'best_by_steady', { trial: 2, steady: 0.46, dip: { trial: 1, value: 0.4 } });
    const val = { ensemble: 0.44, best: 0.46, against: '#2 alone', cross_fitted: 0.43 };
    await st.setStudyAttr('chosen', 'ensemble', {
      what: 'the best 2 configurations',
      kept: true,
      dir: ens,
      val,
      test: { scaled: { mse: 0.52 } },
    });
    await st.setStudyAttr('chosen', 'best_run_dir', ens);
  } finally {
    await st.close();
  }
  await page.goto(`${d.url}#/study/chosen`);
  const result = page.locator('#result');
  await result.waitFor();
  const text = (await result.textContent()) ?? '';
  assert.match(text, /best #2: 0\.45/);
  assert.match(text, /chosen by the steady value of its curve: 0\.46 \(#1's lower value 0\.4 is a dip/);
  assert.match(
    text,
    /an ensemble of the best 2 configurations: validation \(steady values\) 0\.44 vs 0\.46 for #2 alone/,
  );
  assert.match(text, /test MSE 0\.52/);
  assert.match(text, /ensemble-after-3/);
  // the history chart tells the lowest value so far from the trial chosen
  await page.locator('.u-legend', { hasText: 'chosen best (#2)' }).waitFor();
  assert.match((await page.locator('.u-legend').first().textContent()) ?? '', /lowest so far/);
  // its y axis spans the values (0.4 to 0.5), not the decade around them: on the log scale uPlot widened to powers
  // of ten they were drawn flat at the foot of a 0.4 to 1 axis
  const history = page.locator('.chart[data-y]').first();
  await history.waitFor();
  const [lo, hi] = ((await history.getAttribute('data-y')) ?? '').split(' ').map(Number);
  assert.ok(lo! > 0.3 && lo! <= 0.4 && hi! >= 0.5 && hi! < 0.6, `y axis ${lo} to ${hi}`);
  await page.screenshot({ path: join(shots, 'study-result.png'), fullPage: true });
});

test("auto's path of decisions gives each value the digits that tell it apart from the others", {
  skip: missing,
}, async () => {
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('close', { strategy: 'auto' });
    for (const v of [0.326075, 0.326062]) {
      const t = await st.createTrial('close', { 'train.batch_size': v > 0.32607 ? 8 : 16 });
      await st.finishTrial('close', t.number, 'complete', v);
    }
  } finally {
    await st.close();
  }
  await page.goto(`${d.url}#/study/close`);
  const path = page.locator('ol.path');
  await path.waitFor();
  const text = (await path.textContent()) ?? '';
  assert.match(text, /complete 0\.32608/);
  assert.match(text, /complete 0\.32606/, 'the new best, not 0.3261 again');
});

test('a running trial whose heartbeat stopped long ago says that its process may be dead', {
  skip: missing,
}, async () => {
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('killed', { strategy: 'random' });
    await st.createTrial('killed', { 'train.batch_size': 8 });
    // a trial whose process beats every 5 min (stale after 15): 10 minutes without a heartbeat is not yet stale
    const slow = { host: 'elsewhere', pid: 1, worker: 0, staleAfterS: 900 };
    await st.createTrial('killed', { 'train.batch_size': 16 }, {}, { owner: slow });
  } finally {
    await st.close();
  }
  // its process was killed 10 minutes ago (tune.heartbeat is 10 s: stale after 30 s)
  const db = new Database(fx.db);
  const then = new Date(Date.now() - 600_000).toISOString();
  const study = db.prepare('SELECT id FROM studies WHERE name = ?').get('killed') as { id: number };
  db.prepare('UPDATE trials SET started = ?, heartbeat = ? WHERE study_id = ?').run(then, then, study.id);
  db.close();
  await page.goto(`${d.url}#/study/killed`);
  await page
    .locator('#stale', { hasText: '#0 is running, no heartbeat for 10 min (its process may be dead)' })
    .waitFor();
  await page.locator('#trials .vt-row .vt-cell', { hasText: 'running ⚠' }).first().waitFor();
  assert.doesNotMatch((await page.locator('#stale').textContent()) ?? '', /#1/, "#1 by its own owner's heartbeat");
  assert.equal(await page.locator('#trials .vt-row .vt-cell', { hasText: 'running ⚠' }).count(), 1);
  await page.goto(`${d.url}#/study/killed/trial/0`);
  await page
    .locator('#trial-head', { hasText: 'running, no heartbeat for 10 min (its process may be dead)' })
    .waitFor();
  await page.goto(`${d.url}#/study/killed/trial/1`);
  await page.locator('#trial-head', { hasText: /^running · value – · 0 epochs · elsewhere:1$/ }).waitFor();
});

test('a study page whose study is deleted and made again under its name says when the new trials stop beating', {
  skip: missing,
  timeout: 60000,
}, async () => {
  // the page read the new study, but its notes of stopped heartbeats were no longer said again every 5 s: a trial
  // whose process died showed running, with no note, until some other event reloaded the page
  const st = new SqliteStorage(fx.db);
  const owner = { host: 'elsewhere', pid: 2, worker: 0 };
  try {
    await st.createStudy('again', { strategy: 'random' });
    await st.createTrial('again', { 'train.batch_size': 8 }, {}, { owner });
    await page.goto(`${d.url}#/study/again`);
    await page.locator('#trials .vt-row .vt-cell', { hasText: 'running' }).first().waitFor();
    await page.locator('#live', { hasText: /^live$/ }).waitFor({ timeout: 5000 }); // the page hears the events
    await st.deleteStudy('again');
    await page.locator('#stale', { hasText: 'study "again" was deleted from the storage' }).waitFor();
    await st.createStudy('again', { strategy: 'random', config: { tune: { heartbeat: 1 } } });
    // beating when the page reads it; its process beats no more, and it is stale 3 s later (3 of tune.heartbeat)
    await st.createTrial('again', { 'train.batch_size': 16 }, {}, { owner });
    await page.locator('#trials .vt-row .vt-cell', { hasText: '16' }).first().waitFor();
  } finally {
    await st.close();
  }
  const note = /#0 is running, no heartbeat for \d+ s \(its process may be dead\)/;
  await page.locator('#stale', { hasText: note }).waitFor({ timeout: 20000 });
});

test('a study page whose read was under way when its study was deleted keeps saying that it was deleted', {
  skip: missing,
  timeout: 60000,
}, async () => {
  // the read's answer, the study as it was before the deletion, was drawn over the note of the deletion
  const st = new SqliteStorage(fx.db);
  const study = (u: URL) => u.pathname === '/api/studies/held' || u.pathname === '/api/studies/held/curves';
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  try {
    await st.createStudy('held', { strategy: 'random' });
    await st.createTrial('held', { 'train.batch_size': 8 });
    await page.goto(`${d.url}#/study/held`);
    await page.locator('#trials .vt-row .vt-cell', { hasText: 'running' }).first().waitFor();
    await page.locator('#live', { hasText: /^live$/ }).waitFor({ timeout: 5000 });
    // the study's answers (it, its curves) are read from the server at once, handed over once the deletion was heard
    let fetched = 0;
    await page.route(study, async (r) => {
      const answer = await r.fetch();
      assert.equal(answer.status(), 200);
      fetched++;
      await held;
      await r.fulfill({ response: answer });
    });
    await st.createTrial('held', { 'train.batch_size': 16 }); // trial-created: the page reads the study again
    while (fetched < 2) await page.waitForTimeout(20);
    await st.deleteStudy('held');
    await page.locator('#stale', { hasText: 'study "held" was deleted from the storage' }).waitFor();
    const answered = page.waitForResponse((r) => study(new URL(r.url())));
    release();
    await answered;
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#stale').textContent(), 'study "held" was deleted from the storage');
  } finally {
    release();
    await page.unroute(study);
    await st.close();
  }
});

test("a running trial's page counts its epochs in its header as they arrive", { skip: missing }, async () => {
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('growing', { strategy: 'random' });
    const t = await st.createTrial('growing', { 'train.batch_size': 8 });
    await st.report('growing', t.number, 0, 0.5);
    await page.goto(`${d.url}#/study/growing/trial/0`);
    await page.locator('#trial-head', { hasText: /running · value – · 1 epoch$/ }).waitFor();
    for (let e = 1; e < 4; e++) await st.report('growing', t.number, e, 0.5 / (e + 1));
    // the header says 4 epochs as soon as the curve has them (read in the same moment)
    const head = await page.waitForFunction(() =>
      document.querySelector('#trial-curves')?.getAttribute('data-epochs') === '4'
        ? document.querySelector('#trial-head')?.textContent
        : null,
    );
    assert.match((await head.jsonValue()) ?? '', /running · value – · 4 epochs/);
  } finally {
    await st.close();
  }
});

test("a waiting trial's page says running once a worker claims it, before any epoch", { skip: missing }, async () => {
  // no event came for the claim: the page said waiting until the trial's first epoch
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('claimed', { strategy: 'random' });
    await st.createTrial('claimed', { 'train.batch_size': 8 }, {}, { waiting: true });
    await page.goto(`${d.url}#/study/claimed/trial/0`);
    await page.locator('#trial-head', { hasText: /^waiting · value – · 0 epochs$/ }).waitFor();
    await st.claimWaiting('claimed', { host: 'elsewhere', pid: 2, worker: 0 });
    await page.locator('#trial-head', { hasText: /^running · value – · 0 epochs · elsewhere:2$/ }).waitFor();
  } finally {
    await st.close();
  }
});

test('a trial claimed before the feed first saw it reaches its page too (trial-created, running)', {
  skip: missing,
  timeout: 60000,
}, async () => {
  // the page read the trial waiting; the feed, polling every 1.5 s, first saw it claimed: trial-created running, no
  // trial-started. The page said waiting until the first epoch (in 1 of 3 fresh-clone runs of the test above).
  const slow = await startDashboard({ storage: fx.url, runs: fx.runs, port: 0, web, pollMs: 1500 });
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('claimed-fast', { strategy: 'random' });
    await st.createTrial('claimed-fast', { 'train.batch_size': 8 }, {}, { waiting: true });
    await page.goto(`${slow.url}#/study/claimed-fast/trial/0`);
    await page.locator('#trial-head', { hasText: /^waiting · value – · 0 epochs$/ }).waitFor();
    await st.claimWaiting('claimed-fast', { host: 'elsewhere', pid: 3, worker: 0 });
    await page.locator('#trial-head', { hasText: /^running · value – · 0 epochs · elsewhere:3$/ }).waitFor();
  } finally {
    await st.close();
    await slow.close();
  }
});

test('a study or trial page asked for before it is stored opens when it is; the live indicator is on', {
  skip: missing,
}, async () => {
  await page.goto(`${d.url}#/study/later/trial/0`);
  await page.locator('#waiting').waitFor();
  assert.match((await page.locator('main .error').textContent()) ?? '', /not found/);
  await page.locator('#live', { hasText: /^live$/ }).waitFor({ timeout: 5000 });
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('later', { strategy: 'random' });
    await page.waitForTimeout(300); // the study alone: the trial's page still waits
    await page.locator('#waiting').waitFor();
    await st.createTrial('later', { 'train.batch_size': 8 });
    await page.locator('h1', { hasText: 'Trial #0' }).waitFor({ timeout: 5000 });
  } finally {
    await st.close();
  }
});

test('ended trials without pictures or diagnosis say why, by their state', { skip: missing }, async () => {
  const st = new SqliteStorage(fx.db);
  const longer = { param: 'train.epochs', action: 'increase', text: 'train longer: still falling at epoch 3' };
  const units = { param: 'model.layers[0].gru.units', action: 'increase', text: 'use more units (4 -> 8)' };
  try {
    await st.createStudy('ended', { strategy: 'random' });
    const p = await st.createTrial('ended', { 'train.batch_size': 8 });
    for (let e = 0; e < 3; e++) await st.report('ended', p.number, e, 0.5 - e / 10);
    const faster = { param: 'train.optimizer.adam.learning_rate', action: 'increase', text: 'or a higher rate' };
    const diagnosis = { pattern: 'learning', advice: [longer, faster, units] };
    await st.finishTrial('ended', p.number, 'pruned', 0.3, { attrs: { diagnosis } });
    const dv = await st.createTrial('ended', { 'train.batch_size': 16 });
    await st.report('ended', dv.number, 0, 0.5);
    await st.report('ended', dv.number, 1, Number.POSITIVE_INFINITY);
    const error = 'the objective was Infinity (diverged)';
    await st.finishTrial('ended', dv.number, 'failed', null, { error, attrs: { diagnosis: { pattern: 'diverged' } } });
    const f = await st.createTrial('ended', { 'train.batch_size': 32 });
    await st.finishTrial('ended', f.number, 'failed', null, { error: 'series.csv: no window of lookback 1400' });
    // failed through ask/tell with no error text: the page must not point at an error above
    const silent = await st.createTrial('ended', { 'train.batch_size': 64 });
    await st.finishTrial('ended', silent.number, 'failed', null);
  } finally {
    await st.close();
  }
  await page.goto(`${d.url}#/study/ended/trial/0`);
  await page.locator('#no-pictures', { hasText: 'stopped early by the pruner after epoch 3: no run folder' }).waitFor();
  const advice = (await page.locator('#diagnosis').textContent()) ?? '';
  assert.match(advice, /use more units/);
  assert.doesNotMatch(advice, /train longer|or a higher rate/, 'a pruned trial is not told to train longer');
  assert.match(advice, /before the pruner stopped it/);
  await page.goto(`${d.url}#/study/ended/trial/1`);
  await page.locator('#trial-curves', { hasText: 'the objective became non-finite at epoch 2 (diverged)' }).waitFor();
  assert.match((await page.locator('#no-pictures').textContent()) ?? '', /non-finite at epoch 2/);
  await page.goto(`${d.url}#/study/ended/trial/2`);
  await page.locator('main', { hasText: 'no diagnosis: the trial failed before its first epoch' }).waitFor();
  assert.match((await page.locator('#no-pictures').textContent()) ?? '', /the trial failed \(the error is above\)/);
  assert.equal(await page.locator('main', { hasText: 'written when the trial ends' }).count(), 0);
  await page.goto(`${d.url}#/study/ended/trial/3`);
  await page
    .locator('main', { hasText: 'no diagnosis: the trial failed before its first epoch (no error was' })
    .waitFor();
  assert.equal(await page.locator('main', { hasText: 'the error is above' }).count(), 0);
});

test('a trial page shows its curves with the diagnosis, advice and config difference', { skip: missing }, async () => {
  await page.goto(`${d.url}#/study/grid2/trial/1`);
  const pattern = page.locator('#diagnosis .pattern');
  await pattern.waitFor();
  assert.ok(((await pattern.textContent()) ?? '').length > 3);
  assert.ok((await page.locator('#diagnosis .advice li').count()) > 0);
  assert.match((await page.locator('.diff').textContent()) ?? '', /model\.layers\[0\]\.gru\.units: 4 -> 5/);
  await page.locator('img.picture').first().waitFor();
  // the element is attached before its PNG has loaded: wait for the load (or its failure) before judging it
  await page.waitForFunction(() => document.querySelector<HTMLImageElement>('img.picture')?.complete === true);
  assert.ok(
    await page
      .locator('img.picture')
      .first()
      .evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0),
  );
  await page.screenshot({ path: join(shots, 'trial.png'), fullPage: true });
});

test('a run page shows its test metrics next to the baselines', { skip: missing }, async () => {
  await page.goto(`${d.url}#/runs`);
  await page.locator('#runs a', { hasText: 'grid2/trial-0' }).click();
  const test = page.locator('#metrics table[data-split="test-scaled"]');
  await test.waitFor();
  const text = (await test.textContent()) ?? '';
  for (const who of ['model', 'persistence', 'mean', 'linear']) assert.match(text, new RegExp(who));
  await page.screenshot({ path: join(shots, 'run.png'), fullPage: true });
  // every column in view on a window that holds the tables: in columns of a third of the section, the tables of a
  // run with a seasonal naive baseline (five rows, three metrics) were cut at their last column (rmse), behind a
  // scroll bar, on a 1280 px window
  const wide = join(fx.runs, 'wide', 'run-1');
  mkdirSync(wide, { recursive: true });
  const row = (v: number) => ({ mse: v, mae: Math.sqrt(v) * 0.8, rmse: Math.sqrt(v) });
  const scores = (k: number) =>
    Object.fromEntries(
      ['model', 'persistence', 'mean', 'linear', 'seasonal_naive'].map((who, i) => [who, row(k * 0.004401 * (i + 1))]),
    );
  // two targets: each one's scores in its own units (by_target), as seqtune train prints them
  const split = { scaled: scores(1), original: scores(3379), by_target: { TEMP: scores(3000), DEWP: scores(3700) } };
  writeFileSync(join(wide, 'metrics.json'), JSON.stringify({ test: split, val: split }));
  await page.goto(`${d.url}#/run/${encodeURIComponent('wide/run-1')}`);
  await page.locator('#metrics table[data-split="val-original"]').waitFor();
  const cut = await page.$$eval('#metrics .list-box', (boxes) =>
    boxes.filter((b) => b.scrollWidth > b.clientWidth).map((b) => b.querySelector('caption')?.textContent),
  );
  assert.deepEqual(cut, [], 'no metrics table scrolls sideways at 1100 px');
  assert.deepEqual(await page.locator('#metrics caption').allTextContents(), [
    'test (scaled)',
    'test (original)',
    'test: TEMP',
    'test: DEWP',
    'val (scaled)',
    'val (original)',
    'val: TEMP',
    'val: DEWP',
  ]);
  const temp = (await page.locator('#metrics table[data-split="test-target-TEMP"] tr.model').textContent()) ?? '';
  assert.match(temp, /^model13\.2/, "the model's row of TEMP, in its units");
});

/** Words of table cells (numbers and plain words) that a narrow window broke over two lines, as `0.0249|966`. */
function brokenWords(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const broken: string[] = [];
    for (const cell of document.querySelectorAll('table.list td, table.list th')) {
      const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        for (const m of (n.textContent ?? '').matchAll(/[\w.]+/g)) {
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  });
}

/** Elements whose right edge is past the window's, but those inside a box that scrolls sideways (the box counts). */
const pastTheEdge = (p: Page, width: number) =>
  p.evaluate(
    (w) =>
      [...document.querySelectorAll('body *')]
        .filter((e) => !e.parentElement?.closest('.list-box, .vt-scroll') && e.getBoundingClientRect().right > w + 0.5)
        .map((e) => `${e.tagName}.${e.className}#${e.id}`),
    width,
  );

test('on a phone-sized window the lists keep their numbers whole, scroll in their box, and the pager stays in view', {
  skip: missing,
}, async () => {
  await page.setViewportSize({ width: 320, height: 800 });
  try {
    await page.goto(`${d.url}#/`);
    await page.locator('#studies a', { hasText: 'grid2' }).waitFor();
    assert.deepEqual(await brokenWords(page), [], 'studies: no word or number broken over two lines');
    assert.deepEqual(await pastTheEdge(page, 320), [], 'studies: the page does not scroll sideways');
    await page.goto(`${d.url}#/runs`);
    await page.locator('#runs a', { hasText: 'grid2/trial-0' }).waitFor();
    assert.deepEqual(await brokenWords(page), [], 'runs: no word or number broken over two lines');
    assert.deepEqual(await pastTheEdge(page, 320), [], 'runs: the filter, order and pager are inside the window');
    await page.goto(`${d.url}#/run/${encodeURIComponent('grid2/trial-0')}`);
    await page.locator('#metrics table').first().waitFor();
    assert.deepEqual(await brokenWords(page), [], 'run: no metric broken over two lines');
    assert.deepEqual(await pastTheEdge(page, 320), [], 'run: the metrics tables scroll in their boxes');
    await page.screenshot({ path: join(shots, 'run-narrow.png'), fullPage: true });
    // code that wraps (a best trial's parameters, a config difference): the background of a line of code covered
    // the underscores of the line above (model.linear_skip read "model.linear skip")
    const gaps = await page.evaluate(() => {
      const code = document.createElement('code');
      code.textContent = 'model.linear_skip model.layers[0].gru.kernel_regularizer train.optimizer.adam.learning_rate';
      document.querySelector('main')!.append(code);
      const rects = [...code.getClientRects()];
      code.remove();
      return rects.slice(1).map((r, i) => r.top - rects[i]!.bottom);
    });
    assert.ok(gaps.length >= 1, 'the code wraps at 320 px');
    for (const g of gaps) assert.ok(g >= 2, `a line of code keeps clear of the one above (gap ${g} px)`);
  } finally {
    await page.setViewportSize({ width: 1100, height: 1400 });
  }
});

test("a run page links an ensemble's run-folder members only, and a validation NaN the run got past is no divergence", {
  skip: missing,
}, async () => {
  const dir = join(fx.runs, 'odd');
  try {
    // an ensemble as auto keeps one with the linear baseline: member-2 holds only its model/, no page of its own
    const ens = join(dir, 'ensemble-1');
    cpSync(join(fx.runs, 'grid2', 'trial-0'), join(ens, 'member-1'), { recursive: true });
    mkdirSync(join(ens, 'member-2', 'model'), { recursive: true });
    const members = [
      { dir: 'member-1', trial: 0, params: {} },
      { dir: 'member-2', trial: null, params: { linear: { lookback: 8 } } },
    ];
    // test scores as auto writes them: member-1 beat the ensemble on test, the linear baseline did not
    const mse = (v: number) => ({ scaled: { mse: v } });
    const scores = {
      ensemble: mse(0.02),
      members: [mse(0.019), mse(0.025)],
      baselines: { scaled: { linear: { mse: 0.025 } } },
    };
    writeFileSync(
      join(ens, 'ensemble.json'),
      JSON.stringify({ method: 'blend', kept: 'fusion', members, test: scores }),
    );
    await page.goto(`${d.url}#/run/${encodeURIComponent('odd/ensemble-1')}`);
    const line = page.locator('#ensemble');
    await line.waitFor();
    assert.match((await line.textContent()) ?? '', /member-1 \(trial #0\), member-2 \(the linear baseline\)/);
    assert.deepEqual(await line.locator('a').allTextContents(), ['member-1'], 'no link to a page that is not there');
    // in the list, the ensemble's best baseline is a baseline: a member is part of the ensemble, not a baseline
    await page.goto(`${d.url}#/runs?q=${encodeURIComponent('odd/ensemble-1')}`);
    const row = page.locator('#runs tr[data-run="odd/ensemble-1"] td');
    await row.first().waitFor();
    assert.deepEqual((await row.allTextContents()).slice(2, 4), ['0.02', '0.025 (linear)']);
    // a run whose val_loss was NaN at epoch 3 and finite after: diagnosed on its finite epochs, not as diverged
    const holed = join(dir, 'holed');
    cpSync(join(fx.runs, 'grid2', 'trial-0'), holed, { recursive: true });
    const loss = Array.from({ length: 12 }, (_, i) => 0.1 + Math.exp(-i / 4));
    const val = loss.map((v, i) => (i === 2 ? Number.NaN : v + 0.05));
    const dg = diagnose({ loss, val_loss: val });
    assert.notEqual(dg.pattern, 'diverged');
    writeFileSync(join(holed, 'history.json'), JSON.stringify({ loss, val_loss: val }).replace('null', 'NaN'));
    writeFileSync(join(holed, 'diagnosis.json'), JSON.stringify({ ...dg, evidence: evidenceFrom1(dg.evidence) }));
    await page.goto(`${d.url}#/run/${encodeURIComponent('odd/holed')}`);
    await page.locator('#not-finite', { hasText: 'not finite at epoch 3 and finite after' }).waitFor();
    assert.equal(await page.locator('.error', { hasText: 'non-finite' }).count(), 0, 'no "diverged" note in red');
    await page.screenshot({ path: join(shots, 'run-holed.png'), fullPage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Runs page shows a run folder written while it is open, without a reload', { skip: missing }, async () => {
  await page.goto(`${d.url}#/runs`);
  await page.locator('#runs a', { hasText: 'grid2/trial-0' }).waitFor();
  const late = join(fx.runs, 'late', 'run-1');
  mkdirSync(late, { recursive: true });
  cpSync(join(fx.runs, 'grid2', 'trial-0', 'metrics.json'), join(late, 'metrics.json'));
  try {
    await page.locator('#runs a', { hasText: 'late/run-1' }).waitFor({ timeout: 15_000 });
  } finally {
    rmSync(join(fx.runs, 'late'), { recursive: true, force: true });
  }
});

test('a page still loading when another is asked for does not draw over it', { skip: missing }, async () => {
  await page.goto(`${d.url}#/runs`);
  await page.locator('#runs a', { hasText: 'grid2/trial-0' }).waitFor();
  // the run's answer is held until the list asked for after it is shown (back at once, as a double click does)
  const run = (u: URL) => u.pathname === `/api/runs/${encodeURIComponent('grid2/trial-0')}`;
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  await page.route(run, async (r) => {
    await held;
    await r.continue();
  });
  try {
    await page.evaluate(() => {
      location.hash = `#/run/${encodeURIComponent('grid2/trial-0')}`;
    });
    await page.locator('main', { hasText: 'loading…' }).waitFor();
    await page.evaluate(() => {
      location.hash = '#/runs';
    });
    await page.locator('#runs a', { hasText: 'grid2/trial-0' }).waitFor();
    const answered = page.waitForResponse((r) => run(new URL(r.url())));
    release();
    await answered;
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#metrics').count(), 0, 'the run page came last and did not draw over the list');
    assert.equal(await page.locator('#runs').count(), 1);
  } finally {
    release();
    await page.unroute(run);
  }
});

/** 230 run folders, sweep/trial-0 ... sweep/trial-229, each written a second after the one before. */
function manyRuns(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-many-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const t0 = Date.now() / 1000 - 3600;
  for (let n = 0; n < 230; n++) {
    const run = join(dir, 'sweep', `trial-${n}`);
    mkdirSync(run, { recursive: true });
    for (const f of ['metrics.json', 'diagnosis.json']) cpSync(join(fx.runs, 'grid2', 'trial-0', f), join(run, f));
    utimesSync(run, t0, t0 + n);
  }
  return dir;
}

test('the Runs page with many runs asks for a page at a time: the first shows, the last run is reached', {
  skip: missing,
  timeout: 60000,
}, async () => {
  const many = await startDashboard({ storage: fx.url, runs: manyRuns(), port: 0, web });
  const asked: string[] = [];
  const listen = (r: Request) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/runs') asked.push(u.search);
  };
  page.on('request', listen);
  const rows = page.locator('#runs tbody tr');
  const ids = () => rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run')));
  const shows = (text: string) => page.locator('#runs-count', { hasText: new RegExp(`^${text}$`) }).waitFor();
  try {
    await page.goto(`${many.url}#/runs`);
    await shows('1–50 of 230');
    assert.deepEqual(
      await ids(),
      Array.from({ length: 50 }, (_, n) => `sweep/trial-${n}`),
      'by name, numbers in order',
    );
    assert.ok(await page.getByRole('button', { name: 'previous page' }).isDisabled());
    await page.getByRole('button', { name: 'next page' }).click();
    await shows('51–100 of 230');
    assert.equal(await rows.first().getAttribute('data-run'), 'sweep/trial-50');
    await page.getByRole('button', { name: 'last page' }).click();
    await shows('201–230 of 230');
    assert.equal((await ids()).at(-1), 'sweep/trial-229');
    assert.ok(await page.getByRole('button', { name: 'next page' }).isDisabled());
    // the page is kept in the address: back from a run, the list is where it was
    assert.match(page.url(), /#\/runs\?offset=200$/);
    // each page chosen is an entry of the history: Back shows the page before, Forward the one after
    await page.goBack();
    await shows('51–100 of 230');
    await page.goForward();
    await shows('201–230 of 230');
    await page.locator('#runs a', { hasText: 'sweep/trial-229' }).click();
    await page.locator('h1', { hasText: 'sweep/trial-229' }).waitFor();
    await page.locator('#back').click();
    await shows('201–230 of 230');
    await page.goto(`${many.url}#/run/${encodeURIComponent('sweep/trial-0')}`);
    await page.goBack();
    await shows('201–230 of 230');
    // newest first, and a filter the server applies to every run (not only the page shown)
    await page.locator('select[aria-label="order"]').selectOption('newest');
    await shows('1–50 of 230');
    assert.equal(await rows.first().getAttribute('data-run'), 'sweep/trial-229');
    await page.screenshot({ path: join(shots, 'runs-many.png'), fullPage: false });
    await page.locator('input[aria-label="filter runs"]').fill('TRIAL-22');
    await shows('1–11 of 11');
    assert.deepEqual(await ids(), [
      ...Array.from({ length: 10 }, (_, i) => `sweep/trial-${229 - i}`),
      'sweep/trial-22',
    ]);
    await page.locator('input[aria-label="filter runs"]').fill('nothing like it');
    await page.locator('#runs-empty', { hasText: 'no run id contains "nothing like it"' }).waitFor();
    // a filter typed is one entry, replaced as it changes: Back leaves it for the page before it
    await page.goBack();
    await shows('1–50 of 230');
    assert.equal(await rows.first().getAttribute('data-run'), 'sweep/trial-229');
    assert.equal(await page.locator('input[aria-label="filter runs"]').inputValue(), '');
    assert.ok(asked.length >= 6, asked.join(' '));
    for (const q of asked) assert.match(q, /[?&]limit=50(&|$)/, 'the page never asks for the whole list');
  } finally {
    page.off('request', listen);
    await many.close();
  }
});

test('a page address without its # opens that page: a study, a trial', { skip: missing }, async () => {
  // /study/NAME was a blank page: index.html there asked for its script under /study/assets/ and got index.html
  const study = encodeURIComponent(HTML_NAME);
  await page.goto(`${d.url}study/${study}`);
  await page.locator('h1', { hasText: HTML_NAME }).waitFor();
  assert.equal(page.url(), `${d.url}#/study/${study}`);
  await page.goto(`${d.url}study/${study}/trial/0`);
  await page.locator('.why', { hasText: '<i>why</i>' }).waitFor();
  assert.deepEqual(errors, [], 'no script error');
});

test('an HTML-named study page and its trial show the characters', { skip: missing }, async () => {
  await page.goto(`${d.url}#/study/${encodeURIComponent(HTML_NAME)}`);
  await page.locator('h1', { hasText: HTML_NAME }).waitFor();
  await page.goto(`${d.url}#/study/${encodeURIComponent(HTML_NAME)}/trial/0`);
  await page.locator('.why', { hasText: '<i>why</i>' }).waitFor();
  assert.equal(await page.locator('main img:not(.picture), main i, main b, main script').count(), 0);
  await page.screenshot({ path: join(shots, 'html-name.png'), fullPage: true });
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, [], 'no script error on any page');
});
