// How a path a study stored is read (run/study-paths.ts): beside the study's file when its project folder moved or
// was copied, as stored otherwise, and always as stored for storage without a file (PostgreSQL, memory).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { studyHome, studyPath } from '../../src/run/index.js';
import { MemoryStorage, SqliteStorage } from '../../src/storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'seqtune-study-paths-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const made = (...p: string[]) => {
  mkdirSync(join(root, ...p), { recursive: true });
  return join(root, ...p);
};
/** A study file (an empty SQLite database) in folder `dir`. */
const studyFile = (dir: string, name = 'seqtune.db') => {
  const f = join(dir, name);
  new Database(f).exec('CREATE TABLE IF NOT EXISTS t (x)').close();
  return f;
};

test('a stored run folder is read beside the study file when the project folder moved or was copied', () => {
  const home = made('now');
  const trial = made('now', 'runs', 's', 'trial-3');
  // moved (the old folder gone) or copied with its study file (still there): the layout beside the study file wins
  assert.equal(studyPath(join(root, 'gone', 'runs', 's', 'trial-3'), home), trial);
  const orig = made('orig', 'runs', 's', 'trial-3');
  copyFileSync(studyFile(made('orig')), join(home, 'seqtune.db'));
  assert.equal(studyPath(orig, home), trial);
  // the longest tail that is here: runs/s/trial-3, not a trial-3 folder elsewhere under home
  made('now', 'trial-3');
  assert.equal(studyPath(join(root, 'gone', 'runs', 's', 'trial-3'), home), trial);
  // inside home and there: as stored; inside home and gone, found where the layout is now (a folder moved up)
  assert.equal(studyPath(trial, home), trial);
  assert.equal(studyPath(join(home, 'sub', 'runs', 's', 'trial-3'), home), trial);
  // not here at all: as stored, for the caller to report (removed, or on another machine)
  const elsewhere = made('elsewhere', 'runs', 't', 'trial-0');
  assert.equal(studyPath(elsewhere, home), elsewhere);
  assert.equal(studyPath(join(root, 'gone', 'runs', 's', 'trial-9'), home), join(root, 'gone', 'runs', 's', 'trial-9'));
  // relative: relative to home; a path written on Windows: its tail found here
  assert.equal(studyPath('runs/s/trial-3', home), trial);
  assert.equal(studyPath('C:\\Users\\me\\proj\\runs\\s\\trial-3', home), trial);
});

test('storage without a file (PostgreSQL, memory) reads every path as stored', async () => {
  assert.equal(studyHome(new MemoryStorage()), undefined);
  const gone = join(root, 'gone', 'runs', 's', 'trial-3');
  assert.equal(studyPath(gone, undefined), gone);
  const st = new SqliteStorage(join(made('db'), 'seqtune.db'));
  try {
    assert.equal(studyHome(st), join(root, 'db'));
  } finally {
    await st.close();
  }
});

test('a study whose file is kept apart from its run folders reads them where they are, not a look-alike beside it', () => {
  // tune.storage: sqlite:../studies/studies.db in project/s.yaml: the run folders are project/runs/s/trial-N; beside
  // studies.db, a project of its own (studies/s.yaml, seqtune.db) ran a study of the same name
  const home = made('apart', 'studies');
  studyFile(home, 'studies.db');
  studyFile(home, 'seqtune.db');
  const other = made('apart', 'studies', 'runs', 's', 'trial-1');
  const config = join(made('apart', 'project'), 's.yaml');
  for (const f of [config, join(home, 's.yaml')]) writeFileSync(f, 'name: s\n');
  const trial = made('apart', 'project', 'runs', 's', 'trial-1');
  assert.equal(studyPath(trial, home), trial);
  assert.equal(studyPath(config, home), config);
  assert.ok(existsSync(other));
});

test('a relative path an older seqtune stored is read beside the study file, else in a folder above it', () => {
  // the 1efc38f build stored best_run_dir as runs/NAME/TIME, relative to the folder tune ran in; with
  // tune.storage: sqlite:db/s.db that folder is above the file's, and study show named proj/db/runs/rel/TIME
  const home = made('rel', 'proj', 'db');
  const run = made('rel', 'proj', 'runs', 'rel', '2026-12-06T21-33-55');
  assert.equal(studyPath('runs/rel/2026-12-06T21-33-55', home), run);
  // beside the file first, where there is one
  const beside = made('rel', 'proj', 'db', 'runs', 'rel', '2026-12-06T21-33-55');
  assert.equal(studyPath('runs/rel/2026-12-06T21-33-55', home), beside);
  // nowhere: beside the file, for the caller to report missing
  assert.equal(studyPath('runs/rel/gone', home), join(home, 'runs', 'rel', 'gone'));
});
