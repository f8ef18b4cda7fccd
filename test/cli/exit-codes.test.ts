// Exit codes tell the truth: 2 only for bad input; an internal error (an engine bounds check, a missing build file)
// exits 1 with its stack and one line saying it is a bug in seqtune and where to report it; a study storage that
// another process holds locked exits 1 with one line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { exitCodeFor, signalExitCode } from '../../src/cli/exit.js';
import { syntheticCsv } from '../../src/data/index.js';
import { getEngine } from '../../src/engine/index.js';
import { StorageError } from '../../src/storage/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-exit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const root = join(import.meta.dirname, '..', '..');

function captured(e: unknown): { code: number; err: string } {
  const err: string[] = [];
  const code = exitCodeFor(e, { out: () => {}, err: (s) => err.push(s) });
  return { code, err: err.join('') };
}

const bugLine = new RegExp(
  String.raw`\nseqtune: this is a bug in seqtune \d+\.\d+\.\d+, not a problem with your input; please report it ` +
    String.raw`(at \S+|on the project's issue tracker) with the command line and the output above\n$`,
);

test("an engine bounds check is a bug in seqtune: exit 1, the stack, and where to report it (it was exit 2, 'bad input')", () => {
  let thrown: unknown;
  try {
    getEngine().alloc(-1);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error && thrown.name === 'ValueError', 'the engine refused the size');
  const r = captured(thrown);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /^seqtune: ValueError: engine\.alloc: expected a non-negative integer size, received -1\n {4}at /,
  );
  assert.match(r.err, bugLine);
});

test('work past the 4 GiB a WebAssembly memory holds is a config that cannot fit: exit 2, one line saying by how much and what to make smaller (it was the stack and "a bug in seqtune")', () => {
  let thrown: unknown;
  try {
    getEngine().alloc(2 ** 30); // 4 GiB of floats: refused before the memory grows
  } catch (e) {
    thrown = e;
  }
  const r = captured(thrown);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    new RegExp(
      String.raw`^seqtune: engine: out of WebAssembly memory: a buffer needs 4096 MiB more than the \d+ MiB in use, ` +
        String.raw`\d+ MiB in all, over the ` +
        String.raw`4096 MiB a WebAssembly memory can hold; use a smaller batch_size, lookback or model\n$`,
    ),
  );
});

test('a missing wasm build file: exit 1 with the stack and the bug line, and no run folder', () => {
  // A copy of the sources without dist/: the engine finds no kernels.
  const copy = join(dir, 'nobuild');
  cpSync(join(root, 'src'), join(copy, 'src'), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const cli = join(copy, 'cli.ts');
  writeFileSync(
    cli,
    "import { main } from './src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  const out = join(dir, 'demo-run');
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'demo', '--out', out, '--quiet'], {
    cwd: copy,
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /seqtune: ValueError: engine: kernels\.\w+\.wasm not found next to the engine .*\n {4}at /);
  assert.match(r.stderr, bugLine);
  assert.ok(!existsSync(out));
});

test('storage locked by another process: exit 1, one line (it was a raw stack)', () => {
  const file = join(dir, 'locked.db');
  const holder = new Database(file);
  holder.exec('CREATE TABLE t (x INTEGER)');
  holder.exec('BEGIN EXCLUSIVE');
  const other = new Database(file, { timeout: 0 });
  let busy: unknown;
  try {
    other.exec('INSERT INTO t VALUES (1)');
  } catch (e) {
    busy = e;
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
    other.close();
  }
  assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
  for (const e of [
    busy,
    new StorageError(`${file}: cannot open the study database (database is locked)`, { cause: busy }),
  ]) {
    const r = captured(e);
    assert.equal(r.code, 1);
    assert.equal(r.err.split('\n').length, 2, r.err);
    assert.match(
      r.err,
      /^seqtune: the study storage is busy: another process holds its lock \(SQLITE_BUSY: .*\); try again\n$/,
    );
  }
});

test('a path the system refuses is exit 2 with one line naming it, not a bug; a full disk is exit 1', () => {
  let thrown: unknown;
  try {
    writeFileSync(join(dir, 'no-such-folder', 'x.yaml'), '');
  } catch (e) {
    thrown = e;
  }
  assert.deepEqual(captured(thrown), {
    code: 2,
    err: `seqtune: ${join(dir, 'no-such-folder', 'x.yaml')}: no such file or folder (ENOENT)\n`,
  });
  try {
    writeFileSync(dir, '');
  } catch (e) {
    thrown = e;
  }
  assert.deepEqual(captured(thrown), {
    code: 2,
    err: `seqtune: ${dir}: is a folder, where a file was expected (EISDIR)\n`,
  });
  try {
    writeFileSync(join(dir, 'x'.repeat(300)), '');
  } catch (e) {
    thrown = e;
  }
  assert.match(captured(thrown).err, /^seqtune: \S+x{300}: a name in the path is longer than the file system allows/);
  assert.equal(captured(thrown).code, 2);
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/x/y' });
  assert.deepEqual(captured(full), {
    code: 1,
    err: 'seqtune: /x/y: no space left on the device (ENOSPC); free some space and run the command again\n',
  });
});

test('a full disk without a path (a write into an open file, SQLite) is exit 1 with one line, not a bug', () => {
  // node's fs.promises.writeFile says ENOSPC with no path, and SQLite says SQLITE_FULL: both were "this is a bug in
  // seqtune" with a stack (train --out on a full disk, tune whose study file filled up)
  // what node throws for a write into a file it opened (/dev/full fails every write as a full disk does)
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  assert.deepEqual(captured(full), {
    code: 1,
    err: 'seqtune: no space left on the device (ENOSPC); free some space and run the command again\n',
  });
  const quota = Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT', syscall: 'write' });
  assert.deepEqual(captured(quota), {
    code: 1,
    err: 'seqtune: the disk quota is spent (EDQUOT); free some space and run the command again\n',
  });
  // SQLite's own: a database that cannot grow (max_page_count stands in for the full disk)
  const db = new Database(join(dir, 'full.db'));
  db.pragma('max_page_count = 2');
  let thrown: unknown;
  try {
    db.exec('CREATE TABLE a (x TEXT); CREATE TABLE b (x TEXT); CREATE TABLE c (x TEXT)');
    thrown = undefined;
  } catch (e) {
    thrown = e;
  } finally {
    db.close();
  }
  assert.equal((thrown as { code?: string }).code, 'SQLITE_FULL');
  const sqlite = captured(thrown);
  assert.equal(sqlite.code, 1);
  assert.match(
    sqlite.err,
    /^seqtune: the study storage: no space left on the device .*\(SQLITE_FULL\); free some space/,
  );
  assert.doesNotMatch(sqlite.err, /bug/);
  // the same, wrapped by the storage that names its file (a study file that cannot be opened on a full disk: it was
  // exit 2, bad input)
  const open = new StorageError('/d/seqtune.db: cannot open the study database (database or disk is full)', {
    cause: thrown,
  });
  assert.deepEqual(captured(open), {
    code: 1,
    err:
      'seqtune: /d/seqtune.db: cannot open the study database (database or disk is full): no space left on the ' +
      'device (or the database reached its size limit) (SQLITE_FULL); free some space and run the command again\n',
  });
});

test('seqtune ... | a reader that closed the pipe: a quiet exit 0, not an unhandled EPIPE', () => {
  // `true` exits at once; node needs far longer to start, so the pipe is closed before the first write.
  const entry = join(dir, 'pipe-cli.mts');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};\n` +
      'process.exitCode = await main(process.argv.slice(2));\n',
  );
  const cli = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(entry)}`;
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${cli} --help | true`], { cwd: root, encoding: 'utf8' });
  assert.deepEqual([r.status, r.stderr], [0, '']);
});

test('seqtune train | a reader gone (stdout, stderr or both): the run is finished, exit 0, no .partial folder', () => {
  // It exited 0 at the first write after the reader left, in mid-training: a `.partial-` folder and no run folder,
  // and a closed stderr was an unhandled EPIPE (exit 1, the same folder left).
  const entry = join(dir, 'pipe-cli.mts');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};\n` +
      'process.exitCode = await main(process.argv.slice(2));\n',
  );
  writeFileSync(join(dir, 'pipe.csv'), syntheticCsv({ length: 400, seed: 3 }));
  writeFileSync(
    join(dir, 'pipe.yaml'),
    'name: pipe\ndata: {csv: pipe.csv, target: value, lookback: 8}\n' +
      'model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}\ntrain: {epochs: 3, batch_size: 32}\n',
  );
  const cli = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(entry)}`;
  for (const [i, pipe] of ['| true', '2>&1 | head -c 1 >/dev/null', '2> >(true) >/dev/null'].entries()) {
    const out = join(dir, `piped-${i}`);
    const cmd = `${cli} train ${JSON.stringify(join(dir, 'pipe.yaml'))} --out ${JSON.stringify(out)}`;
    const line = `set -o pipefail; ${cmd} ${pipe}`;
    const r = spawnSync('bash', ['-c', line], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${pipe}: ${r.stderr}`);
    assert.ok(existsSync(join(out, 'metrics.json')), `${pipe}: the run folder is complete`);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith(`piped-${i}.partial-`)),
      [],
      `${pipe}: no half-written folder`,
    );
  }
});

test('a signal exits 128 + its number, as a shell reports it', () => {
  assert.deepEqual(['SIGINT', 'SIGTERM', 'SIGHUP'].map(signalExitCode), [130, 143, 129]);
});

test('bad input stays exit 2 with one line', () => {
  const r = captured(new StorageError('no study named "x" in seqtune.db'));
  assert.deepEqual(r, { code: 2, err: 'seqtune: no study named "x" in seqtune.db\n' });
});
