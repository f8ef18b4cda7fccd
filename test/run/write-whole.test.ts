// A file the user asked for (predict --out, diagnose --plot) is written whole or not at all: through a temporary file
// beside it, renamed into place; a failure leaves no temporary file, and its message names the file asked for.

import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunFolder, writeWhole } from '../../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-write-whole-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('writeWhole replaces the file whole and leaves nothing else beside it', async () => {
  const file = join(dir, 'forecasts.csv');
  await writeWhole(file, 'a\n1\n');
  await writeWhole(file, 'a\n2\n');
  assert.equal(readFileSync(file, 'utf8'), 'a\n2\n');
  assert.deepEqual(readdirSync(dir), ['forecasts.csv']);
});

test('writeWhole onto a folder fails naming the path asked for, and leaves no temporary file', async () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  await assert.rejects(writeWhole(folder, 'x'), (e: NodeJS.ErrnoException) => {
    assert.equal(e.path, folder);
    return true;
  });
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.partial')),
    [],
  );
});

test('writeWhole below a file, or in a folder not there, names the path asked for, not its temporary name', async () => {
  // the removal of the temporary file that was never made threw its own ENOTDIR, and `seqtune init afile/x.yaml` said
  // 'afile/.x.yaml.24405.partial: a part of the path is a file, where a folder was expected (ENOTDIR)'
  writeFileSync(join(dir, 'a-file'), '');
  for (const [file, code] of [
    [join(dir, 'a-file', 'x.yaml'), 'ENOTDIR'],
    [join(dir, 'not-here', 'x.yaml'), 'ENOENT'],
  ])
    await assert.rejects(writeWhole(file!, 'x'), { code, path: file });
});

// /dev/full takes an open and fails every write with ENOSPC, as a full disk does (node's writeFile then gives no
// path: it writes to a file it opened); the temporary name is made a link to it
const devFull = existsSync('/dev/full') ? false : 'no /dev/full on this system';

test('a full disk (ENOSPC with no path) leaves the old file whole, and the error names the file asked for', {
  skip: devFull,
}, async () => {
  // it named nothing: the CLI said "Error: ENOSPC: no space left on device, write" and called it a bug in seqtune
  const file = join(dir, 'kept.csv');
  writeFileSync(file, 'a\n1\n');
  symlinkSync('/dev/full', join(dir, `.kept.csv.${process.pid}.partial`));
  await assert.rejects(writeWhole(file, 'a\n2\n'), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'ENOSPC');
    assert.equal(e.path, file);
    return true;
  });
  assert.equal(readFileSync(file, 'utf8'), 'a\n1\n');
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.partial')),
    [],
  );
});

test('a run folder file that meets a full disk names its path in the run folder asked for', {
  skip: devFull,
}, async () => {
  const final = join(dir, 'run-full');
  const f = await RunFolder.create(final, { exact: true });
  symlinkSync('/dev/full', f.path('metrics.json'));
  await assert.rejects(f.json('metrics.json', { ok: true }), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'ENOSPC');
    assert.equal(e.path, join(final, 'metrics.json'));
    return true;
  });
  await f.abort();
  assert.equal(existsSync(final), false);
});

test('a file named up to the 255-byte limit is written: its temporary name is cut to fit', async () => {
  const file = join(dir, `${'y'.repeat(255)}`);
  await writeWhole(file, 'a\n');
  assert.equal(readFileSync(file, 'utf8'), 'a\n');
});
