// A target with one value in every training row: train says so (the scaler takes its scale as 1 and the model learns
// that value), and check's advice says what is wrong when it varies after them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CheckResult, dataChecks } from '../../src/check/index.js';
import { prepareData } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-const-target-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const byId = (cs: CheckResult[], id: string) => cs.find((c) => c.id === id)!;

function csv(name: string, y: (i: number) => number): string {
  const f = join(dir, name);
  const rows = Array.from({ length: 200 }, (_, i) => `${y(i)},${Math.sin(i / 5)}`);
  writeFileSync(f, `y,x\n${rows.join('\n')}\n`);
  return f;
}
const cfg = { csv: 'x.csv', target: 'y', lookback: 8, horizon: 1, split: { train: 0.7, val: 0.15, test: 0.15 } };

test('a target constant on the training rows and varying after: train notes it, check says it varies after', async () => {
  const d = await prepareData(
    cfg,
    csv('later.csv', (i) => (i < 140 ? 5 : 5 + Math.sin(i / 3))),
  );
  // it trained without a word (generalization gap 1698%), and check's advice said every baseline scores 0
  assert.ok(
    d.notes.some((n) =>
      /data\.target "y" has one value \(5\) in all 140 training rows, while 60 later rows differ/.test(n),
    ),
    d.notes.join('\n'),
  );
  const c = byId(dataChecks(d, { data: cfg } as never), 'data.constant_columns');
  assert.equal(c.status, 'fail');
  assert.match(c.advice, /y varies after them.*move data\.split/);
  assert.doesNotMatch(c.advice, /every baseline scores 0/);
});

test('a target constant in every row: nothing to forecast, as before', async () => {
  const d = await prepareData(
    cfg,
    csv('flat.csv', () => 5),
  );
  assert.ok(
    d.notes.some((n) => /in all 140 training rows and in every later row: there is nothing to forecast/.test(n)),
  );
  assert.match(byId(dataChecks(d, { data: cfg } as never), 'data.constant_columns').advice, /every baseline scores 0/);
});
