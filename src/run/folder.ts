// A run folder is written under a temporary name and renamed into place only when complete, so a
// failed command never leaves a half-written folder, and an existing folder is never overwritten.

import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import { access, lstat, mkdir, readdir, readlink, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { SeqtuneError } from '../errors.js';

/** A run folder or an output file that cannot be written where it was asked for (exit 2). */
export class RunFolderError extends SeqtuneError {}

/**
 * The temporary folders of the run folders this thread is writing now, each with the first parent folder its create
 * made (null when they all existed), removed with it when empty.
 */
const unfinished = new Map<string, string | null>();
/** Run folders this thread began, for their temporary names. */
let createdCount = 0;
/** Folders where other threads of this process write run folders (a study's trial threads): see watchRunFolders. */
const watched = new Set<string>();

const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
/** The temporary name's tail that marks a run folder this process (any of its threads) is writing. */
const OURS = `.partial-${HOST}-${process.pid}-`;

/**
 * Marks a temporary file or folder this thread is writing (a file written whole, the demo's folder): a signal's
 * removeUnfinishedRunFolders removes it as it removes a run folder being written. Returns the call that unmarks it.
 */
export function trackUnfinished(path: string): () => void {
  unfinished.set(path, null);
  return () => void unfinished.delete(path);
}

/** The longest name of a file or folder most file systems take, in bytes (ext4, XFS, tmpfs, APFS, NTFS's 255 units). */
const NAME_MAX = 255;

/**
 * `name` cut to at most `bytes` bytes of UTF-8, whole characters only: the temporary name's head, so that a run
 * folder named up to the limit gets a temporary name the file system takes too (`--out` of 250 characters failed
 * with ENAMETOOLONG, naming a `.partial-` folder the user never asked for).
 */
function fitName(name: string, bytes: number): string {
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch) > bytes) break;
    out += ch;
  }
  return out;
}

/**
 * Writes a file the user asked for (`predict --out`, `diagnose --plot`, `export`) through a temporary file beside it,
 * renamed into place when whole: Ctrl-C, SIGTERM or a failure mid-write leaves the old file or none, never a cut-off
 * one that reads as finished (the temporary file is removed on a signal too). A failure names the file asked for.
 * `data` as pieces (predictRun's) is written one after another: together they may be more than a string can hold.
 */
export async function writeWhole(file: string, data: string | Uint8Array | readonly string[]): Promise<void> {
  const tail = `.${process.pid}.partial`;
  const tmp = join(dirname(file), `.${fitName(basename(file), NAME_MAX - 1 - tail.length)}${tail}`);
  const release = trackUnfinished(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw naming(e, file, tmp);
  } finally {
    release();
  }
}

/**
 * Removes the temporary file of a write that failed, if it is there: force skips a name not there (ENOENT), but not
 * one below a file (ENOTDIR), whose error took the write's place and named the temporary file (`seqtune init
 * afile/x.yaml`: 'afile/.x.yaml.24405.partial: a part of the path is a file ... (ENOTDIR)').
 */
function removeQuietly(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // nothing was made there: the write's own error says why
  }
}

/**
 * Whether a command that writes `file` whole may replace what is there: nothing, a folder (refuseOutFile's to
 * refuse), or a file `ours` says the command wrote, from its first `bytes` bytes (all of it when not given).
 * predict, export and diagnose --plot replace only their own output: `--out new.csv` wrote forecasts over the CSV
 * they were made from, export's `--out RUN/model/weights.bin` over the run's weights, `--plot RUN/loss.svg` over the
 * run's own chart, each with exit 0.
 */
export function replaceable(file: string, ours: (head: Buffer) => boolean, bytes?: number): boolean {
  if (!existsSync(file)) return true;
  const st = statSync(file);
  if (!st.isFile()) return true;
  const head = Buffer.alloc(Math.min(bytes ?? st.size, st.size));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return ours(head);
}

/**
 * `e` with `file` as its path when it names `tmp`, the temporary name `file` was written under, or no path at all:
 * node's writeFile says ENOSPC (a full disk) with no path, since it writes to a file it opened, and the user would
 * read `no space left` without the file, or a temporary name they never asked for.
 */
function naming(e: unknown, file: string, tmp: string): unknown {
  const x = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof x.code === 'string' && (x.path === undefined || x.path === tmp)) x.path = file;
  return e;
}

/**
 * Removes every run folder this process is still writing, synchronously: for a signal handler, so that Ctrl-C or
 * SIGTERM never leaves a `*.partial-*` folder behind. Covers this thread's folders and temporary files
 * (trackUnfinished) and, in the folders given to watchRunFolders, those of the process's other threads (stop those
 * threads first). Returns the folders and files removed.
 */
export function removeUnfinishedRunFolders(): string[] {
  const removed = [...unfinished.keys()].filter((p) => existsSync(p));
  for (const parent of watched)
    for (const name of existsSync(parent) ? readdirSync(parent) : [])
      if (name.includes(OURS) && !removed.includes(join(parent, name))) removed.push(join(parent, name));
  for (const tmp of removed) {
    rmSync(tmp, { recursive: true, force: true });
    removeMadeParents(tmp, unfinished.get(tmp) ?? null);
  }
  unfinished.clear();
  return removed;
}

/**
 * The parent folders a run folder's create made (`runs/<name>/` on a first run), from the temporary folder's parent
 * up to `made`, each removed while it is empty: a failed or interrupted run leaves no empty folder behind.
 */
function removeMadeParents(tmp: string, made: string | null): void {
  if (made === null) return;
  for (let dir = dirname(tmp); dir.startsWith(made); dir = dirname(dir)) {
    try {
      rmdirSync(dir); // refuses a folder that is not empty: another run's, or a file the user put there
    } catch {
      return;
    }
    if (dir === made) return;
  }
}

/**
 * Worker threads write run folders the main thread's signal handler cannot list (module state is per thread):
 * while the returned function is not called, removeUnfinishedRunFolders also removes this process's temporary
 * folders in `parent`.
 */
export function watchRunFolders(parent: string): () => void {
  watched.add(parent);
  return () => watched.delete(parent);
}

/** Whether a process of this machine with that pid is alive (EPERM: alive, but another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The temporary name of a run folder being written (or left by a killed process): its host and pid. */
const PARTIAL = /\.partial-(.+)-(\d+)-\d+$/;

/**
 * Whether `dir` is a run folder's temporary name: one a command is still writing, or that a killed one left (SIGKILL,
 * power loss), whatever is in it so far. It is no run: the next run beside it removes it.
 */
export const isUnfinishedRunFolder = (dir: string): boolean => PARTIAL.test(basename(resolve(dir)));

/**
 * Removes the temporary folders in `parent` that a process of this machine left when it was killed (SIGKILL, power
 * loss: no handler ran). The name carries host and pid, so a folder another machine writes on a shared disk, or a
 * live process's, is left alone.
 */
async function removeAbandoned(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = PARTIAL.exec(name);
    if (m && m[1] === HOST && !alive(Number(m[2]))) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * `mkdir -p`, with the error of the folder that could not be made: node's recursive mkdir says ENOENT for the
 * folder asked for when the real cause is a read-only or not-writable parent (`runs: no such file or folder`, in a
 * read-only working folder); here the first missing folder is made alone, so its own error (EROFS, EACCES) is thrown.
 * Returns the first folder made, as mkdir does.
 */
async function makeFolders(dir: string): Promise<string | undefined> {
  try {
    return await mkdir(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    let first = dir;
    while (dirname(first) !== first && !existsSync(dirname(first))) first = dirname(first);
    await mkdir(first); // throws the cause (a parent that is a file, read-only, not writable)
    return (await mkdir(dir, { recursive: true })) ?? first;
  }
}

/**
 * The first of `path` and the folders above it that is there, with what it is: a name not there (ENOENT), or below a
 * file (ENOTDIR), leads to the folder above it. Another error of the system (ENAMETOOLONG, EACCES) is thrown.
 */
async function firstThere(path: string): Promise<{ at: string; st: Stats }> {
  for (let d = path; ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if ((e.code === 'ENOENT' || e.code === 'ENOTDIR') && dirname(d) !== d) return null;
      throw e;
    });
    if (st !== null) return { at: d, st };
  }
}

/**
 * Throws the system's error, naming `dir`, where run folders cannot be made in `dir` (a read-only mount, a file in
 * the way, a parent without write permission); makes nothing. For a command that writes run folders only after
 * minutes of other work, or after it wrote elsewhere: a study's trials each failed at once with EROFS, after the
 * study was created (`tune --out /mnt/ro/t`: 'no trial completed', exit 1).
 */
export async function refuseUnwritable(dir: string): Promise<void> {
  const asked = resolve(dir);
  try {
    const { at, st } = await firstThere(asked);
    if (!st.isDirectory())
      throw Object.assign(new Error(`ENOTDIR: not a directory, '${at}'`), { code: 'ENOTDIR', path: at });
    // the first folder that exists must take a new entry (EROFS on a read-only mount, EACCES without permission)
    await access(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof x.code === 'string') x.path = asked;
    throw e;
  }
}

/**
 * What keeps a command from writing in the folder `dir`, in words with what to do, or null where nothing does: it, or
 * the first folder above it that is there, is a file or takes no new entry (EROFS on a read-only mount, EACCES
 * without write permission, except to root); where `mayMake` is false (a file is written in a folder that is there:
 * nothing makes it), a `dir` that is not there. Makes nothing.
 */
async function keptFrom(dir: string, mayMake: boolean): Promise<{ found: string; todo: string } | null> {
  const { at, st } = await firstThere(dir);
  if (!st.isDirectory()) return { found: `the folder ${at} is a file, not a folder`, todo: 'choose another' };
  if (!mayMake && at !== dir) return { found: `the folder ${dir} does not exist`, todo: 'create it or choose another' };
  try {
    await access(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    return {
      found: `the folder ${at} takes no new file (${(e as NodeJS.ErrnoException).code})`,
      todo: 'choose another',
    };
  }
  return null;
}

/**
 * Throws a RunFolderError naming `option` and `file` where a command cannot write the file `file` (writeWhole): a
 * folder is there, or its folder is not there (nothing makes it), is a file or takes no new file. Makes nothing. For
 * a command to ask before its work, not after: `predict --out` naming a folder forecast 400,000 rows for 10 s, then
 * said 'outdir: is a folder, where a file was expected (EISDIR)', without a word of --out. What a file there holds is
 * the command's own question (replaceable).
 */
export async function refuseOutFile(option: string, file: string): Promise<void> {
  const st = await stat(file).catch(() => null);
  const kept = st?.isDirectory()
    ? { found: 'expected a file path, found a folder', todo: 'name a file in it or choose another' }
    : file.endsWith('/') || file.endsWith(sep)
      ? { found: "expected a file path, found a folder's name (it ends in /)", todo: 'choose another' }
      : await keptFrom(dirname(file), false);
  if (kept) throw new RunFolderError(`${option} ${file}: ${kept.found}; ${kept.todo} ${option}`);
}

export class RunFolder {
  private constructor(
    readonly final: string,
    readonly tmp: string,
    /** The name was asked for exactly (--out): another run taking it meanwhile is an error, not a `-2`. */
    readonly exact: boolean,
  ) {}

  /**
   * The folder `asked` names, or a RunFolderError where it is taken (a file, a link, or a folder with something in
   * it) or cannot be made (a folder above it is a file, or takes no new entry): what create refuses, for a command to
   * ask before work that takes minutes (study ensemble fitted and scored its members, then refused an --out that
   * existed, or one below a file: 'afile: exists, and is not a folder (EEXIST)').
   */
  static async refuseTaken(asked: string): Promise<string> {
    const final = await RunFolder.untaken(asked);
    const kept = await keptFrom(dirname(final), true);
    if (kept) throw new RunFolderError(`${final}: cannot make the run folder: ${kept.found}; ${kept.todo} --out`);
    return final;
  }

  /**
   * The folder `asked` names, or a RunFolderError where it is taken. create's own check: a parent it cannot make is
   * told by the system's error, of the folder that could not be made (makeFolders).
   */
  private static async untaken(asked: string): Promise<string> {
    const final = join(dirname(asked), basename(asked));
    try {
      const st = await lstat(final);
      // a link (to an empty folder, or to nothing) passed, and the run trained in full, was refused by the rename into
      // place ('r.partial-host-123-...: a part of the path is a file ... (ENOTDIR)') and thrown away
      if (st.isSymbolicLink())
        throw new RunFolderError(
          `${final}: expected a new folder or an empty one, found a link (to ${await readlink(final)}); a run ` +
            'folder is renamed into place when finished, which replaces no link: give the folder it links to, or ' +
            'choose another --out',
        );
      if (!st.isDirectory() || (await readdir(final)).length > 0)
        throw new RunFolderError(
          `${final}: already exists; seqtune does not overwrite a run folder (choose another --out)`,
        );
    } catch (e) {
      // a name the file system refuses fails now, not when the trained run is renamed to it
      if (e instanceof RunFolderError || (e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw e;
    }
    return final;
  }

  static async create(asked: string, o: { exact?: boolean } = {}): Promise<RunFolder> {
    // `--out r/` (a shell completes a folder's name with its slash) is the folder r: its temporary name went inside it
    // (r/.partial-...), and the finished run was renamed to r/-2 with 'another run wrote this folder'
    const final = await RunFolder.untaken(asked);
    const made = (await makeFolders(dirname(final))) ?? null;
    await removeAbandoned(dirname(final));
    // unique within the process too (two creates of one name in one millisecond): the time, this thread, a count
    const tail = `${OURS}${Date.now()}${threadId}${String(++createdCount % 1000).padStart(3, '0')}`;
    const tmp = join(dirname(final), fitName(basename(final), NAME_MAX - Buffer.byteLength(tail)) + tail);
    // marked before it exists: a signal whose handler runs after the folder is made but before this continuation
    // (libuv runs both callbacks in one poll, the signal's first) still removes it (1 in 30 of the kill tests' runs
    // left a SIGHUP'd train's .partial folder); a folder not yet made is skipped there
    unfinished.set(tmp, made);
    try {
      // not recursive: its parent is there (made above), and node's recursive mkdir says ENOENT where the parent
      // refuses (a read-only mount, a folder without write permission), which named the temporary folder:
      // '/mnt/ro/r.partial-host-123-...: no such file or folder (ENOENT)' for --out /mnt/ro/r
      await mkdir(tmp);
    } catch (e) {
      unfinished.delete(tmp);
      throw naming(e, final, tmp);
    }
    return new RunFolder(final, tmp, o.exact ?? false);
  }

  path(name: string): string {
    return join(this.tmp, name);
  }
  /** Writes a file of the folder; a failure names it where the folder will be (`runs/x/metrics.json: ...`). */
  async write(name: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFile(this.path(name), data);
    } catch (e) {
      throw naming(e, join(this.final, name), this.path(name));
    }
  }
  async json(name: string, value: unknown): Promise<void> {
    await this.write(
      name,
      `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    );
  }

  /**
   * Moves the finished folder into place and returns where: its name, or the first free `name-2`, `name-3`, ... when
   * another run took the name while this one was written (two runs of one config in the same second), so finished
   * work is never lost to a name. A name asked for exactly (--out) that another run took is an error that says where
   * this run is kept: a script reading that folder would read the other run.
   */
  async commit(): Promise<string> {
    // an empty folder only (create checked); rmdir refuses anything else
    await rmdir(this.final).catch(() => undefined);
    for (let k = 1; ; k++) {
      const to = k === 1 ? this.final : `${this.final}-${k}`;
      try {
        await rename(this.tmp, to);
        unfinished.delete(this.tmp);
        if (this.exact && to !== this.final)
          throw new RunFolderError(
            `${this.final}: another run wrote this folder while this one trained; this run is kept in ${to}`,
          );
        return to;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || k >= 100) throw e;
      }
    }
  }

  /** Removes the temporary folder after a failure (and the parent folders its create made, when empty). */
  async abort(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    removeMadeParents(this.tmp, unfinished.get(this.tmp) ?? null);
    unfinished.delete(this.tmp);
  }
}

/**
 * `<base>/runs/<name>/<UTC timestamp>`. `base` is the config file's folder when there is a config (paths in a
 * config are relative to it), the working folder otherwise.
 */
export function defaultRunDir(name: string, base = '.', now = new Date()): string {
  // Two runs of one config within a second get -2, -3, ...
  return freePath(join(base, 'runs', name, now.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '')));
}

/** `path` if nothing is there yet, else the first free `path-2`, `path-3`, ... */
export function freePath(path: string): string {
  let dir = path;
  for (let k = 2; existsSync(dir); k++) dir = `${path}-${k}`;
  return dir;
}
