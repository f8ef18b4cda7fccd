import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  RunFolder,
  refuseOutFile,
  refuseUnwritable,
  removeUnfinishedRunFolders,
  watchRunFolders,
} from '../../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-folder-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a run folder removes the temporary folders of killed processes of this machine, and nothing else', async () => {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is no longer alive
  const killed = join(dir, `a.partial-${host}-${dead}-1`);
  const live = join(dir, `b.partial-${host}-${process.pid}-1`);
  const elsewhere = join(dir, `c.partial-another-host-${dead}-1`);
  for (const d of [killed, live, elsewhere]) mkdirSync(d);
  const f = await RunFolder.create(join(dir, 'run'));
  await f.json('x.json', { ok: true });
  await f.commit();
  assert.equal(existsSync(killed), false);
  assert.equal(existsSync(live), true);
  assert.equal(existsSync(elsewhere), true);
  assert.equal(existsSync(join(dir, 'run', 'x.json')), true);
});

test("on a signal, this process's threads' unfinished run folders in a watched folder go, and nothing else", () => {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
  const runs = join(dir, 'runs');
  const ours = join(runs, `trial-3.partial-${host}-${process.pid}-17`);
  const other = join(runs, `trial-4.partial-${host}-${process.pid + 1}-17`);
  const done = join(runs, 'trial-2');
  for (const d of [ours, other, done]) mkdirSync(d, { recursive: true });
  assert.deepEqual(removeUnfinishedRunFolders(), [], 'an unwatched folder is left alone');
  const release = watchRunFolders(runs);
  assert.deepEqual(removeUnfinishedRunFolders(), [ours]);
  release();
  assert.deepEqual([existsSync(ours), existsSync(other), existsSync(done)], [false, true, true]);
});

test('two runs that chose one name finish both: the second commits to name-2 (train twice in one second)', async () => {
  const name = join(dir, 'same', '2026-12-05T13-23-33');
  const a = await RunFolder.create(name);
  const b = await RunFolder.create(name); // both chose the name while neither existed
  await a.json('who.json', 'a');
  await b.json('who.json', 'b');
  assert.equal(await a.commit(), name);
  assert.equal(await b.commit(), `${name}-2`);
  assert.equal(existsSync(join(`${name}-2`, 'who.json')), true);
});

test('a failed or interrupted run leaves no parent folder its create made (runs/<name>/), and keeps the rest', async () => {
  const first = await RunFolder.create(join(dir, 'fresh', 'runs', 'cfg', 'time-1'));
  await first.abort();
  assert.equal(existsSync(join(dir, 'fresh')), false, 'fresh/runs/cfg made by the create: removed');
  mkdirSync(join(dir, 'kept', 'runs'), { recursive: true });
  const second = await RunFolder.create(join(dir, 'kept', 'runs', 'cfg', 'time-1'));
  removeUnfinishedRunFolders(); // as Ctrl-C's handler does
  assert.equal(existsSync(join(dir, 'kept', 'runs', 'cfg')), false);
  assert.equal(existsSync(join(dir, 'kept', 'runs')), true, 'a folder that was there before stays');
  const ok = await RunFolder.create(join(dir, 'kept', 'runs', 'cfg', 'time-2'));
  const other = await RunFolder.create(join(dir, 'kept', 'runs', 'cfg', 'time-3'));
  await ok.commit();
  await other.abort();
  assert.equal(existsSync(join(dir, 'kept', 'runs', 'cfg', 'time-2')), true, "another run's folder keeps the parent");
  assert.ok(second);
});

test('a folder asked for exactly (--out) that another run took meanwhile is an error saying where this run is kept', async () => {
  const name = join(dir, 'exact', 'out');
  const a = await RunFolder.create(name, { exact: true });
  const b = await RunFolder.create(name, { exact: true });
  await a.json('who.json', 'a');
  await b.json('who.json', 'b');
  assert.equal(await a.commit(), name);
  await assert.rejects(
    b.commit(),
    /out: another run wrote this folder while this one trained; this run is kept in .*out-2$/,
  );
  assert.equal(existsSync(join(`${name}-2`, 'who.json')), true, 'the finished work is kept');
});

test('a run folder under a folder that cannot be written names it and why, not "no such file" (EACCES)', async (t) => {
  // node's recursive mkdir says ENOENT for the deepest folder when the parent refuses: `runs: no such file or folder`
  // in a read-only working folder. Root writes through permissions: there, a read-only mount shows it (not here).
  if (process.getuid?.() === 0) return t.skip('root writes into a folder without write permission');
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o555 });
  try {
    await assert.rejects(RunFolder.create(join(locked, 'runs', 'x', 'now')), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'EACCES');
      assert.equal(e.path, join(locked, 'runs'));
      return true;
    });
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('a run folder in a folder that cannot be written names the folder asked for and why (EACCES)', async (t) => {
  // the temporary folder was made with a recursive mkdir, which said ENOENT and named it: '/mnt/ro/r.partial-...: no
  // such file or folder' for --out /mnt/ro/r on a read-only mount. Root writes through permissions (not here).
  if (process.getuid?.() === 0) return t.skip('root writes into a folder without write permission');
  const locked = join(dir, 'locked-parent');
  mkdirSync(locked, { mode: 0o555 });
  try {
    await assert.rejects(RunFolder.create(join(locked, 'r'), { exact: true }), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'EACCES');
      assert.equal(e.path, join(locked, 'r'));
      return true;
    });
    assert.deepEqual(readdirSync(locked), []);
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('--out with a trailing slash (as a shell completes a folder) is that folder, written in its place', async () => {
  // the temporary folder went inside it, and the run ended in out/-2 with 'another run wrote this folder'
  const out = join(dir, 'slash');
  const f = await RunFolder.create(`${out}/`, { exact: true });
  await f.json('x.json', 1);
  assert.equal(await f.commit(), out);
  assert.deepEqual(readdirSync(out), ['x.json']);
});

test('a run folder named up to the 255-byte limit is written (its temporary name is cut to fit), and a longer one fails at once', async () => {
  // --out of 250 characters failed: its temporary name, 36 bytes longer, was over the limit (ENAMETOOLONG naming
  // a .partial- folder the user never asked for)
  const long = join(dir, `${'ü'.repeat(100)}${'x'.repeat(55)}`); // 255 bytes
  const f = await RunFolder.create(long, { exact: true });
  await f.json('x.json', 1);
  assert.equal(await f.commit(), long);
  await assert.rejects(RunFolder.create(`${long}y`), (e: NodeJS.ErrnoException) => e.code === 'ENAMETOOLONG');
});

test('refuseUnwritable makes nothing, and names the folder asked for with the reason it cannot be made', async (t) => {
  await refuseUnwritable(join(dir, 'not-yet', 'trials'));
  assert.equal(existsSync(join(dir, 'not-yet')), false, 'a check, not a mkdir');
  writeFileSync(join(dir, 'a-file'), '');
  await assert.rejects(refuseUnwritable(join(dir, 'a-file', 'trials')), {
    code: 'ENOTDIR',
    path: join(dir, 'a-file', 'trials'),
  });
  await assert.rejects(refuseUnwritable(join(dir, 'a-file')), { code: 'ENOTDIR', path: join(dir, 'a-file') });
  // a read-only mount says EROFS; a folder without write permission EACCES, except to root
  if (process.getuid?.() === 0) return t.skip('root writes into a folder without write permission');
  const locked = join(dir, 'locked-check');
  mkdirSync(locked, { mode: 0o555 });
  try {
    await assert.rejects(refuseUnwritable(join(locked, 'runs', 'x')), {
      code: 'EACCES',
      path: join(locked, 'runs', 'x'),
    });
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('refuseOutFile and refuseTaken judge a place before anything is written there, and make nothing', async (t) => {
  await refuseOutFile('--out', join(dir, 'new.csv'));
  await assert.rejects(refuseOutFile('--out', join(dir, 'not-here', 'f.csv')), {
    name: 'RunFolderError',
    message:
      `--out ${join(dir, 'not-here', 'f.csv')}: the folder ${join(dir, 'not-here')} does not exist; ` +
      'create it or choose another --out',
  });
  assert.equal(existsSync(join(dir, 'not-here')), false);
  // a folder that takes no new file (a read-only mount: EROFS; no write permission: EACCES, except to root)
  if (process.getuid?.() === 0) return t.skip('root writes into a folder without write permission');
  const locked = join(dir, 'locked-out');
  mkdirSync(locked, { mode: 0o555 });
  try {
    const svg = join(locked, 'x.svg');
    await assert.rejects(refuseOutFile('--plot', svg), {
      message: `--plot ${svg}: the folder ${locked} takes no new file (EACCES); choose another --plot`,
    });
    await assert.rejects(RunFolder.refuseTaken(join(locked, 'runs', 'x')), {
      message:
        `${join(locked, 'runs', 'x')}: cannot make the run folder: the folder ${locked} takes no new file (EACCES); ` +
        'choose another --out',
    });
    assert.deepEqual(readdirSync(locked), []);
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('a run folder asked for where a link is (to an empty folder, or to nothing) is refused at once, not after the run', async () => {
  // it passed, the run trained in full, and the rename into place failed ('r.partial-host-123-...: a part of the path
  // is a file, where a folder was expected (ENOTDIR)'): the finished run was thrown away
  const at = join(dir, 'links');
  const empty = join(at, 'target');
  mkdirSync(empty, { recursive: true });
  for (const [name, to] of [
    ['link-to-empty', empty],
    ['link-to-nothing', join(at, 'nothing')],
  ]) {
    const link = join(at, name!);
    symlinkSync(to!, link);
    await assert.rejects(RunFolder.create(link, { exact: true }), {
      name: 'RunFolderError',
      message:
        `${link}: expected a new folder or an empty one, found a link (to ${to}); a run folder is renamed into place ` +
        'when finished, which replaces no link: give the folder it links to, or choose another --out',
    });
  }
  assert.deepEqual(readdirSync(at).sort(), ['link-to-empty', 'link-to-nothing', 'target'], 'nothing made');
});
