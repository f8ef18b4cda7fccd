// A run folder is read only when it is finished: the temporary folder of a train that was killed mid-save (SIGKILL:
// no handler removed it) may hold a whole model, but it is no run, and the next run beside it removes it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkRunDir, RunFolderError } from '../../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a killed train's .partial folder is refused by predict, evaluate and export, even with a whole model", () => {
  // it was read as a run: predict and evaluate answered, and export wrote model.onnx into it, which the next train
  // beside it removed with the folder
  const partial = join(dir, 'k.partial-somehost-4242-17965787311820001');
  mkdirSync(join(partial, 'model'), { recursive: true });
  writeFileSync(join(partial, 'model', 'model.json'), '{}');
  assert.throws(
    () => checkRunDir(partial),
    (e: unknown) =>
      e instanceof RunFolderError &&
      e.message.startsWith(`${partial}: expected a finished run folder, found one a command was still writing`),
  );
  // nor is it offered as one of the run folders in its parent
  assert.throws(
    () => checkRunDir(dir),
    (e: unknown) => e instanceof RunFolderError && e.message.endsWith('found no model'),
  );
});
