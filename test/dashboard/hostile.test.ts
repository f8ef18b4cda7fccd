// The pages in a real browser (playwright-core driving Debian's Chromium) over a storage and run folders whose every
// string is hostile: study names, parameters and their values, why, errors, owners, config strings, diagnosis text,
// metric and baseline names, run folder and file names hold `<script>`, `"><img onerror>`, `</script>`,
// `javascript:`, direction marks and long strings. Each shows as those characters: no dialog, no element or attribute
// made of them, no link that is not the dashboard's own. Skipped without /usr/bin/chromium (failed with CI set).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { buildWeb, missing, openPage } from '../helpers/browser.js';

const HOSTILE = [
  '<script>alert("s")</script>',
  '"><img src=x onerror=alert("a")>',
  "'><svg onload=alert('b')>",
  '</script><script>alert("c")</script>',
  'javascript:alert("d")',
  '\u202egnp.exe',
].join(' ');
const X = `${HOSTILE} ${'long '.repeat(60)}end`;
/** HOSTILE as a file name: no slash, and short enough. */
const F = HOSTILE.replaceAll('/', '_');
const STUDY = `s ${X}`;
const RUN = `r ${F}`;
/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let dir: string;
let d: Dashboard;
let browser: Browser;
let page: Page;
let dialogs: string[] = [];
let errors: string[] = [];

/** A study of 9 trials and two run folders (a run, an ensemble) with X in every string the pages show. */
async function hostileStorage(): Promise<string> {
  const runs = join(dir, 'runs');
  const run = join(runs, RUN);
  mkdirSync(run, { recursive: true });
  const history = { loss: [1, 0.5, 0.3], val_loss: [1.2, 0.6, 0.4], [X]: [1, 2, 3] };
  const diagnosis = {
    pattern: X,
    name: X,
    confidence: 0.5,
    runner_up: { pattern: X, confidence: 0.3 },
    summary: X,
    evidence: { epochs: 3, window: [2, 3], bestEpoch: 2, train: { direction: X, slope: 1, p: 0.1 } },
    advice: [X, { text: X }, { param: X, action: X }],
  };
  const metrics = { test: { scaled: { model: { mse: 0.1, [X]: 0.2 }, [X]: { mse: 0.3, [X]: 1 } } } };
  writeFileSync(join(run, 'history.json'), JSON.stringify(history));
  writeFileSync(join(run, 'diagnosis.json'), JSON.stringify(diagnosis));
  writeFileSync(join(run, 'metrics.json'), JSON.stringify(metrics));
  // pictures whose names need encoding in an address: a #, a ?, a %, quotes and angle brackets
  for (const f of ['forecast#1.png', 'forecast?2.png', 'forecast 100%.png', `forecast ${F}.png`])
    writeFileSync(join(run, f), PNG);
  const ens = join(runs, 'ens');
  mkdirSync(join(ens, F), { recursive: true });
  writeFileSync(join(ens, F, 'metrics.json'), JSON.stringify(metrics));
  const members = [
    { dir: F, trial: 1 },
    { dir: 'javascript:alert(1)', trial: null },
  ];
  const test = {
    ensemble: { scaled: { mse: 1 } },
    members: [{ scaled: { mse: 2 } }],
    baselines: { scaled: { [X]: { mse: 3 } } },
  };
  writeFileSync(join(ens, 'ensemble.json'), JSON.stringify({ method: X, kept: X, members, test }));
  // run folders whose files another tool (or a hand) wrote: advice that is no list, curves that are no lists
  const odd: Record<string, Record<string, unknown>> = {
    'odd-advice': {
      'diagnosis.json': { pattern: 5, advice: 'retry' },
      'metrics.json': { test: { scaled: { model: 5 } } },
    },
    'odd-items': { 'diagnosis.json': { advice: [null, 3, 'x'] }, 'history.json': { loss: [1, 2], val_loss: null } },
    'odd-loss': { 'history.json': { loss: 'abc' }, 'metrics.json': [1, 2] },
  };
  for (const [name, files] of Object.entries(odd)) {
    mkdirSync(join(runs, name));
    for (const [f, v] of Object.entries(files)) writeFileSync(join(runs, name, f), JSON.stringify(v));
  }
  const db = join(dir, 'studies.db');
  const st = new SqliteStorage(db);
  try {
    await st.createStudy(STUDY, {
      strategy: 'auto',
      objective: X,
      config: { model: { layers: [{ gru: { units: 4 } }] }, note: X },
      best_run_dir: run,
      ensemble: {
        what: X,
        kept: true,
        dir: ens,
        val: { ensemble: 1, best: 2, against: X },
        test: { scaled: { mse: 1 } },
      },
    });
    for (let i = 0; i < 9; i++) {
      const t = await st.createTrial(
        STUDY,
        { [X]: `${X}${i}`, lr: 0.001 * (i + 1) },
        { why: X, run_dir: run, diagnosis, history },
        { owner: { host: X, pid: 1, worker: 0 } },
      );
      for (let e = 0; e < 3; e++) await st.report(STUDY, t.number, e, 1 / (e + 1 + i));
      if (i === 8) await st.finishTrial(STUDY, t.number, 'failed', null, { error: `${X}\n  at ${X}` });
      else if (i !== 7) await st.finishTrial(STUDY, t.number, 'complete', 1 / (3 + i));
    }
  } finally {
    await st.close();
  }
  return db;
}

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-hostile-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const [db, web] = await Promise.all([hostileStorage(), buildWeb()]);
  d = await startDashboard({ storage: `sqlite:${db}`, runs: join(dir, 'runs'), port: 0, web, pollMs: 100 });
  ({ browser, page, dialogs, errors } = await openPage());
});

after(async () => {
  await browser?.close();
  await d?.close();
});

/** What of the page was made of data rather than of the dashboard's own code. */
const injected = () =>
  page.evaluate(() => ({
    handlers: [...document.querySelectorAll('*')].flatMap((e) =>
      e
        .getAttributeNames()
        .filter((a) => a.startsWith('on'))
        .map((a) => `${e.tagName} ${a}`),
    ),
    elements: document.querySelectorAll('#app script, #app svg, #app iframe, #app object').length,
    links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')!).filter((h) => !h.startsWith('#')),
    images: [...document.querySelectorAll('img')]
      .map((i) => i.getAttribute('src')!)
      .filter((s) => !s.startsWith('/api/')),
    // the one <title>, ending as the dashboard's titles do (the page's own name before: a study's, as text)
    title: document.querySelectorAll('title').length === 1 && document.title.endsWith(' · seqtune'),
  }));

test('every page over hostile strings shows them as text: no dialog, element, handler or foreign link', {
  skip: missing,
  timeout: 60000,
}, async () => {
  const study = `#/study/${encodeURIComponent(STUDY)}`;
  const pages: [string, string][] = [
    ['#/', `tr[data-study]`],
    [study, '#parallel'],
    [`${study}/trial/0`, '#diagnosis'],
    [`${study}/trial/8`, 'pre.error'],
    [`${study}/trial/7`, '#trial-head'],
    ['#/runs', '#runs tr[data-run]'],
    [`#/run/${encodeURIComponent(RUN)}`, '#metrics'],
    ['#/run/ens', '#ensemble'],
    [`#/runs?q=${encodeURIComponent(X)}`, '#runs-empty:not(:empty)'],
  ];
  for (const [hash, ready] of pages) {
    await page.goto(`${d.url}${hash}`);
    await page.locator(ready).first().waitFor();
    const text = (await page.locator('#app').textContent()) ?? '';
    assert.ok(text.includes('<script>alert("s")'), `${hash}: the strings show as text`);
    assert.deepEqual(await injected(), { handlers: [], elements: 0, links: [], images: [], title: true }, hash);
    // a string that steers the direction of text sits in a <bdi> of its own, so it cannot turn its line around
    const unisolated = await page.evaluate(() => {
      const walk = document.createTreeWalker(document.getElementById('app')!, NodeFilter.SHOW_TEXT);
      const found: string[] = [];
      for (let n = walk.nextNode(); n; n = walk.nextNode())
        if (n.nodeValue!.includes('\u202e') && n.parentElement!.tagName !== 'BDI') found.push(n.parentElement!.tagName);
      return found;
    });
    assert.deepEqual(unisolated, [], `${hash}: text with U+202E outside a <bdi>`);
    if (hash.endsWith('/trial/8'))
      assert.equal(await page.locator('pre.error').textContent(), `${X}\n  at ${X}`, 'a failed trial: its error');
  }
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('pictures whose file names hold #, ?, % or quotes are asked for by their names and shown', {
  skip: missing,
  timeout: 30000,
}, async () => {
  await page.goto(`${d.url}#/run/${encodeURIComponent(RUN)}`);
  const pictures = page.locator('img.picture');
  await pictures.first().waitFor();
  assert.equal(await pictures.count(), 4);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img.picture')].every((i) => (i as HTMLImageElement).complete),
  );
  const shown = await pictures.evaluateAll((all) =>
    all.map((i) => [i.getAttribute('alt'), (i as HTMLImageElement).naturalWidth]),
  );
  assert.deepEqual(
    shown,
    ['forecast 100%.png', `forecast ${F}.png`, 'forecast#1.png', 'forecast?2.png'].map((f) => [f, 1]),
    'each picture loaded (a # in the address cut it to "forecast", a ? made the rest a query)',
  );
});

test('a run page whose files another tool wrote (advice or a curve that is no list) shows what it can', {
  skip: missing,
  timeout: 30000,
}, async () => {
  const said: Record<string, string> = {};
  for (const id of ['odd-advice', 'odd-items', 'odd-loss']) {
    const before = errors.length;
    await page.goto(`${d.url}#/run/${id}`);
    await page.locator('h1', { hasText: id }).waitFor({ timeout: 5000 });
    said[id] = (await page.locator('#app').textContent())!;
    assert.doesNotMatch(said[id], /is not a function|Cannot read properties/, id);
    assert.deepEqual(errors.slice(before), [], id);
  }
  assert.match(said['odd-advice']!, /no history\.json/);
  assert.match(said['odd-items']!, /3x/, "the advice's items as text");
  assert.match(said['odd-loss']!, /no history\.json.*no diagnosis\.json/s, 'a loss that is no list: no curve');
});

test('a page address with a % that begins no character says so instead of leaving the page before on screen', {
  skip: missing,
  timeout: 30000,
}, async () => {
  await page.goto(`${d.url}#/runs`);
  await page.locator('#runs tr[data-run]').first().waitFor();
  const before = errors.length;
  for (const hash of ['#/run/%', `#/study/%E0%A4%A`]) {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await page.locator('#bad-address').waitFor({ timeout: 5000 });
    assert.equal(
      await page.locator('#bad-address').textContent(),
      `${hash}: not a page address (a % must begin a %XX)`,
    );
    assert.equal(await page.locator('#runs').count(), 0, 'the Runs page is gone');
  }
  assert.deepEqual(errors.slice(before), []);
});
