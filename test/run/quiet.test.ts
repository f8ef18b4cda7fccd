// A library call prints nothing it was not asked for: trainRun and runStudy, called with no log and no verbose, write
// nothing to stdout or stderr (they once printed the whole `seqtune train` report to stdout and an epoch line per
// epoch to stderr). Run in a child process, whose stdout and stderr are pipes, as a program's would be.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { studyConfig } from '../helpers/study-config.js';

test('trainRun and runStudy with no log and no verbose print nothing; the result holds what they would say', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-quiet-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));
    const f = studyConfig(
      dir,
      'quiet',
      '  strategy: random\n  trials: 1\n  jobs: 1\n  storage: sqlite:quiet.db\n  space: {train.batch_size: [16, 32]}\n',
      2,
    );
    const script = join(dir, 'use.mts');
    const seqtune = JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname);
    writeFileSync(
      script,
      `import { loadConfig, runStudy, trainRun } from ${seqtune};\n` +
        `const loaded = await loadConfig(${JSON.stringify(f)});\n` +
        'const r = await trainRun(loaded);\n' +
        'const s = await runStudy(loaded);\n' +
        `if (r.history.epochs !== 2 || s.trials.length !== 1) throw new Error('did not run');\n`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout, '');
    assert.equal(child.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
