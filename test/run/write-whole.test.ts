// A file the user asked for (predict --out, diagnose --plot) is written whole or not at all: through a temporary file
// beside it, renamed into place; a failure leaves no temporary file, and its message names the file asked for.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeWhole } from '../../src/run/index.js';

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
