// The study page with the keyboard alone: Tab goes down the trials table row after row while the study runs (a
// trial written meanwhile paints the rows anew) and past the rows first drawn. Skipped without /usr/bin/chromium
// (failed instead with CI set).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { buildWeb, missing, openPage } from '../helpers/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-keys-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let st: Storage;
let d: Dashboard;
let browser: Browser;
let page: Page;

/** A finished trial of the study `keys`, its value its number's tenth. */
async function trial(n: number): Promise<void> {
  const t = await st.createTrial('keys', { units: n });
  await st.finishTrial('keys', t.number, 'complete', n / 10);
}

before(async () => {
  if (missing) return;
  st = openStorage(`sqlite:${join(dir, 'studies.db')}`);
  await st.createStudy('keys', { strategy: 'random' });
  for (let n = 0; n < 60; n++) await trial(n);
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

/** The trial number of the focused row of the trials table, or what has the focus instead. */
const focused = () =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return a?.classList.contains('vt-row') ? a.dataset.key : `not a row: ${a?.tagName}`;
  });

test('Tab goes down the trials table while trials arrive and past the rows first drawn', {
  skip: missing,
  timeout: 60000,
}, async () => {
  await page.goto(`${d.url}#/study/keys`);
  await page.locator('#trials .vt-row[data-key="5"]').focus();
  await trial(60);
  await page.locator('#trials .vt-count', { hasText: '61 of 61 trials shown' }).waitFor();
  assert.equal(await focused(), '5', 'the row painted anew keeps the focus');
  for (let i = 0; i < 40; i++) await page.keyboard.press('Tab');
  // the rows drawn once the table has scrolled to the focused one
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await focused(), '45', 'rows drawn as the table scrolls to them');
});

test('a column header sorts the trials table from the keyboard', { skip: missing, timeout: 60000 }, async () => {
  await page.goto(`${d.url}#/`);
  await page.goto(`${d.url}#/study/keys`);
  await page.locator('#trials .vt-row').first().waitFor();
  await page.getByLabel('filter').focus();
  for (const _ of ['#', 'state', 'value']) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'value');
  await page.keyboard.press('Enter');
  await page.keyboard.press(' ');
  const header = page.locator('#trials [role=columnheader]', { hasText: 'value' });
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const last = await page.locator('#trials .vt-count').textContent();
  const n = Number(last!.split(' ')[0]) - 1;
  assert.equal(
    await page.locator('#trials .vt-row').first().getAttribute('data-key'),
    String(n),
    'highest value first',
  );
});
