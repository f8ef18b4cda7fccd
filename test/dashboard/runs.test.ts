// The run list's cache (runList): a run folder's entry is read again only when the folder's time moves, and a page
// of the list (the Runs page asks for one at a time) keeps the other pages' entries.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findRuns, runList } from '../../src/dashboard/runs.js';

test("a page of the run list keeps the other pages' entries in runList's cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-runs-'));
  try {
    const write = (id: string, mse: number) =>
      writeFileSync(join(dir, id, 'metrics.json'), JSON.stringify({ test: { scaled: { model: { mse } } } }));
    for (const id of ['a', 'b', 'c']) {
      mkdirSync(join(dir, id));
      write(id, 0.5);
    }
    const all = await findRuns(dir);
    type Listed = { id: string; metrics: { test: { scaled: { model: { mse: number } } } } };
    const mseOf = (list: Record<string, unknown>[], id: string) =>
      (list as Listed[]).find((r) => r.id === id)!.metrics.test.scaled.model.mse;
    await runList(all);
    // rewritten in place, with the folder's time put back: the cache cannot tell, so a cached entry stays 0.5
    const t = new Date(all.find((r) => r.id === 'a')!.modified);
    write('a', 0.25);
    utimesSync(join(dir, 'a'), t, t);
    assert.equal(mseOf(await runList(all), 'a'), 0.5, 'read from the cache');
    await runList(
      all.filter((r) => r.id === 'c'),
      all,
    ); // the page of c alone
    assert.equal(mseOf(await runList(all), 'a'), 0.5, "a's entry outlived the page without it");
    await runList(all.filter((r) => r.id !== 'a')); // a run folder that is gone is forgotten
    assert.equal(mseOf(await runList(all), 'a'), 0.25);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
