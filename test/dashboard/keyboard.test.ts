// The study page with the keyboard alone: Tab goes down the trials table row after row while the study runs (a
// trial written meanwhile paints the rows anew) and past the rows first drawn. Skipped without /usr/bin/chromium
// (failed instead with CI set).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missing } from '../helpers/browser.js';
import { livePage } from './fixture.js';

/** A finished trial of the study `keys`, its value its number's tenth. */
async function trial(n: number, st = live.st): Promise<void> {
  const t = await st.createTrial('keys', { units: n });
  await st.finishTrial('keys', t.number, 'complete', n / 10);
}

const live = livePage('seqtune-dash-keys-', async (st) => {
  await st.createStudy('keys', { strategy: 'random' });
  for (let n = 0; n < 60; n++) await trial(n, st);
});

/** The trial number of the focused row of the trials table, or what has the focus instead. */
const focused = () =>
  live.page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return a?.classList.contains('vt-row') ? a.dataset.key : `not a row: ${a?.tagName}`;
  });

test('Tab goes down the trials table while trials arrive and past the rows first drawn', {
  skip: missing,
  timeout: 60000,
}, async () => {
  await live.page.goto(`${live.d.url}#/study/keys`);
  await live.page.locator('#trials .vt-row[data-key="5"]').focus();
  await trial(60);
  await live.page.locator('#trials .vt-count', { hasText: '61 of 61 trials shown' }).waitFor();
  assert.equal(await focused(), '5', 'the row painted anew keeps the focus');
  for (let i = 0; i < 40; i++) await live.page.keyboard.press('Tab');
  // the rows drawn once the table has scrolled to the focused one
  await live.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await focused(), '45', 'rows drawn as the table scrolls to them');
});

test('a column header sorts the trials table from the keyboard', { skip: missing, timeout: 60000 }, async () => {
  await live.page.goto(`${live.d.url}#/`);
  await live.page.goto(`${live.d.url}#/study/keys`);
  await live.page.locator('#trials .vt-row').first().waitFor();
  await live.page.getByLabel('filter').focus();
  for (const _ of ['#', 'state', 'value']) await live.page.keyboard.press('Tab');
  assert.equal(await live.page.evaluate(() => document.activeElement?.textContent), 'value');
  await live.page.keyboard.press('Enter');
  await live.page.keyboard.press(' ');
  const header = live.page.locator('#trials [role=columnheader]', { hasText: 'value' });
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const last = await live.page.locator('#trials .vt-count').textContent();
  const n = Number(last!.split(' ')[0]) - 1;
  assert.equal(
    await live.page.locator('#trials .vt-row').first().getAttribute('data-key'),
    String(n),
    'highest value first',
  );
});
