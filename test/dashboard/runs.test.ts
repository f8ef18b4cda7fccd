// The run list's cache (runList): a run folder's entry is read again only when the folder's time moves, and a page
// of the list (the Runs page asks for one at a time) keeps the other pages' entries.

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findRun, findRuns, runJson, runList } from '../../src/dashboard/runs.js';

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

/** Every folder under `dir` (symlinked ones too, not followed), by its path from `dir` joined by '/'. */
function foldersUnder(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => {
    const id = at ? `${at}/${e.name}` : e.name;
    if (e.isSymbolicLink()) return [id];
    return e.isDirectory() ? [id, ...foldersUnder(dir, id)] : [];
  });
}

test('findRun finds a run folder by its id exactly when findRuns lists it, and nothing outside --runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-find-'));
  try {
    const tree = join(dir, 'tree');
    const put = (path: string, file = 'metrics.json', text = '{}') => {
      mkdirSync(join(tree, path), { recursive: true });
      if (file) writeFileSync(join(tree, path, file), text);
    };
    put('r0'); // a run folder at depth 1
    put('study/trial-1');
    put('study/trial-1/inside'); // inside a run folder that is no ensemble: not walked
    put('study/only-history', 'history.json');
    put('study/plain', ''); // no marker: no run folder, but walked through
    put('study/plain/deeper'); // a run folder inside a folder that is none
    put('study/.hidden');
    put('study/trial-2.partial-12345');
    put('study/model');
    put('study/ens', 'ensemble.json'); // an ensemble: its members are run folders inside it
    put('study/ens/member-1');
    put('study/ens/member-2/model', 'model.json'); // the linear baseline: its model only
    put('study/ens/member-1/deeper'); // inside a member (no ensemble)
    put('d1/d2/d3/d4'); // MAX_DEPTH
    put('d1/d2/d3/e4/d5'); // one deeper
    put('Case');
    put('back\\slash'); // on POSIX a backslash is a character of a name
    put('dots..');
    put('%2F');
    put('marker-is-a-folder/metrics.json', ''); // not a file
    mkdirSync(join(tree, 'marker-is-a-link'));
    symlinkSync(join(tree, 'r0', 'metrics.json'), join(tree, 'marker-is-a-link', 'metrics.json'));
    writeFileSync(join(tree, 'study', 'a-file'), '{}');
    // outside the root: a run folder beside it and symlinks into it; a symlinked folder inside it
    put('../outside');
    symlinkSync(join(dir, 'outside'), join(tree, 'study', 'linked-out'));
    symlinkSync(join(tree, 'study', 'trial-1'), join(tree, 'study', 'linked-in'));
    // --runs named through a symlink: ids are read against its real path
    const root = join(dir, 'runs-link');
    symlinkSync(tree, root);

    const all = await findRuns(root);
    assert.deepEqual(
      all.map((r) => r.id),
      [
        '%2F',
        'back\\slash',
        'Case',
        'd1/d2/d3/d4',
        'dots..',
        'r0',
        'study/ens',
        'study/ens/member-1',
        'study/only-history',
        'study/plain/deeper',
        'study/trial-1',
      ],
    );
    const listed = new Map(all.map((r) => [r.id, r]));
    const ids = foldersUnder(tree);
    for (const must of ['study/linked-out', 'd1/d2/d3/e4/d5', 'study/trial-1/inside', 'study/ens/member-2'])
      assert.ok(ids.includes(must), must);
    for (const id of ids) assert.deepEqual(await findRun(root, id), listed.get(id) ?? null, id);
    for (const r of all) assert.ok(ids.includes(r.id), r.id);

    const real = join(tree, 'study', 'trial-1');
    const never = [
      '',
      '.',
      '..',
      '../outside',
      '../tree/r0',
      './r0',
      'r0/',
      '/r0',
      'study//trial-1',
      'study/./trial-1',
      'study/../r0',
      'study/trial-1/..',
      real,
      join(dir, 'outside'),
      'study%2Ftrial-1',
      'study\\trial-1',
      '..\\outside',
      'r0\0',
      'case',
      'study/linked-out',
      'study/linked-in',
      'study/a-file',
      'study/plain',
      'study/ens/member-2',
      'd1/d2/d3/e4/d5',
      'd1/d2/d3/d4/d5/d6',
    ];
    for (const id of never) assert.equal(await findRun(root, id), null, JSON.stringify(id));
    assert.equal(await findRun(null, 'r0'), null, 'no --runs');
    assert.equal(await findRun(join(dir, 'missing'), 'r0'), null, 'a --runs that is not there');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ensemble folder an older seqtune wrote (members with no folder) is listed, its members by their folders', async () => {
  // ensemble.json as study ensemble --method stacked wrote it at 1efc38f (before 91140e9): members {trial, params,
  // val}, saved as member-1.. in order (each a model.json and weights.bin, left out of the fixture: no run folder)
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-older-'));
  try {
    const ens = join(dir, 'air', 'ensemble-1efc38f');
    cpSync(join(import.meta.dirname, '..', 'fixtures', 'older', 'ensemble-1efc38f'), ens, { recursive: true });
    mkdirSync(join(dir, 'air', 'trial-0'));
    writeFileSync(join(dir, 'air', 'trial-0', 'metrics.json'), '{}');
    const all = await findRuns(dir);
    assert.deepEqual(
      (await runList(all)).map((r) => r.id),
      ['air/ensemble-1efc38f', 'air/trial-0'],
    );
    const e = (await runJson(all[0]!)) as {
      ensemble: unknown;
      metrics: { test: { scaled: Record<string, { mse: number }> } };
    };
    assert.deepEqual(e.ensemble, {
      method: 'stacked',
      kept: null,
      members: [
        { dir: 'member-1', trial: 0, run: false },
        { dir: 'member-2', trial: 2, run: false },
        { dir: 'member-3', trial: 1, run: false },
      ],
    });
    const mse = Object.fromEntries(Object.entries(e.metrics.test.scaled).map(([k, v]) => [k, v.mse.toFixed(3)]));
    assert.deepEqual(mse, {
      model: '9.827',
      'member-1': '16.238',
      'member-2': '18.220',
      'member-3': '22.098',
      persistence: '0.517',
      mean: '11.374',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
