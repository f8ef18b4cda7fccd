// The paths a study stores (each trial's run_dir, the study's best_run_dir and ensemble.dir, its config_file) are
// absolute, as the process that wrote them saw them. A project folder moved, renamed, or copied to another machine
// with its SQLite file keeps its layout under that file's folder, so there a stored path is read at the same place
// beside the file (MLflow and TensorBoard keep run paths relative to the tracking root or logdir for this reason).
// Every reader of a stored path goes through studyPath; nothing stored changes, so studies of every seqtune version
// read alike.

import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep, win32 } from 'node:path';
import type { Storage } from '../storage/index.js';

/**
 * The folder a study's stored paths are read against: its SQLite file's. undefined for PostgreSQL and memory storage:
 * a PostgreSQL study's run folders are each on the machine that trained the trial, and are read as stored.
 */
export function studyHome(storage: object): string | undefined {
  const { file } = storage as Pick<Storage, 'file'>;
  return typeof file === 'string' ? dirname(resolve(file)) : undefined;
}

/** Whether `path` is `home` or inside it. */
function inside(path: string, home: string): boolean {
  const rel = relative(home, path);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

/**
 * A path a study stored, as this machine reads it, for a study whose file is in `home` (studyHome; undefined: the
 * path as stored). A path inside home that exists is read as stored. Else the longest tail of it that exists under
 * home is read: `/old/proj/runs/s/trial-3` of a study now in `/new/proj` is `/new/proj/runs/s/trial-3`, whether
 * `/old/proj` was removed or not (a copied study reads and writes its copies, not the originals; copiedFrom tells a
 * copy from a study whose file is kept apart from its run folders). Else the path as stored, which the caller
 * reports missing. A relative path is read beside home, or above it (relativeHere).
 *
 * @example
 * import { studyPath } from 'seqtune/run';
 * studyPath('/old/proj/runs/s/trial-3', '/new/proj'); // '/new/proj/runs/s/trial-3' when that folder exists
 */
export function studyPath(stored: string, home: string | undefined): string {
  if (home === undefined) return stored;
  // a path written on Windows is absolute too, and its tail found here (a study moved between systems)
  if (!posix.isAbsolute(stored) && !win32.isAbsolute(stored)) return relativeHere(stored, home);
  if (inside(stored, home) && existsSync(stored)) return stored;
  const there = existsSync(stored);
  const parts = stored.split(/[\\/]+/).filter((p) => p !== '');
  for (let i = 0; i < parts.length; i++) {
    const here = join(home, ...parts.slice(i));
    if (!existsSync(here)) continue;
    // still where it was stored: the one here is its copy only when the study's file was copied here from there
    return !there || copiedFrom(resolve(stored, ...parts.slice(i).map(() => '..')), home) ? here : stored;
  }
  return stored;
}

/** How far above the study's folder a relative stored path is looked for (relativeHere). */
const RELATIVE_UP = 3;

/**
 * A relative path a study stored, read where it is: beside the study's file, else in the first folder above it that
 * holds it. A seqtune before b31341b (the first builds, 2026-11-29) stored its best run folder as `runs/NAME/TIME`,
 * relative to the folder it ran in, as it read the study's file; with the file in a folder below that one
 * (`tune.storage: sqlite:studies/s.db`), read beside the file it named a folder that is not there, and study show,
 * ls --json and the dashboard pointed at `studies/runs/NAME/TIME`. Else the path beside the file, for the caller to
 * report missing.
 */
function relativeHere(stored: string, home: string): string {
  for (let up = 0, dir = home; up <= RELATIVE_UP; up++, dir = dirname(dir)) {
    const here = join(dir, stored);
    if (existsSync(here)) return here;
    if (dirname(dir) === dir) break;
  }
  return join(home, stored);
}

/** Whether a file begins as every SQLite database does. */
function isSqlite(file: string): boolean {
  const head = Buffer.alloc(16);
  try {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return head.toString('latin1') === 'SQLite format 3\0';
}

/**
 * Whether the project folder `from`, which holds a stored path that still exists, is the one the study in `home` was
 * copied from: it holds a SQLite file of the same name as one in home (the study's file, copied with the folder).
 * Otherwise the study's file was kept apart from its run folders (`tune.storage: sqlite:../studies/studies.db`,
 * `--out`), and a folder of the same layout beside that file is another study's: reading it would ensemble another
 * study's models and write into its folder.
 */
function copiedFrom(from: string, home: string): boolean {
  let files: string[];
  try {
    files = readdirSync(home, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return false;
  }
  return files.some((f) => existsSync(join(from, f)) && isSqlite(join(home, f)) && isSqlite(join(from, f)));
}
