// Where a live progress display is drawn: only on a terminal that shows one. On a TTY with TERM=dumb (Emacs' shell)
// or under CI (a runner's pseudo-terminal, whose log keeps every redraw) the bar's cursor moves were printed as
// garbage; there, as in a file, progress is one line per epoch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckLog } from '../../src/cli/commands/check.js';
import { liveProgress, ProgressLogger } from '../../src/train/index.js';

test('a live progress display on a TTY only, not with TERM=dumb or under CI', () => {
  const tty = { isTTY: true };
  assert.equal(liveProgress(tty, { TERM: 'xterm-256color' }), true);
  assert.equal(liveProgress({ isTTY: false }, { TERM: 'xterm' }), false);
  assert.equal(liveProgress({}, {}), false);
  assert.equal(liveProgress(tty, { TERM: 'dumb' }), false);
  assert.equal(liveProgress(tty, { TERM: 'xterm', CI: 'true' }), false);
  assert.equal(liveProgress(tty, { TERM: 'xterm', CI: '1' }), false);
  assert.equal(liveProgress(tty, { TERM: 'xterm', CI: 'false' }), true);
});

test('the epoch bar follows liveProgress; one line per epoch goes to the writer either way', () => {
  const lines: string[] = [];
  const p = new ProgressLogger(2, 3, false, (s) => lines.push(s));
  assert.equal(p.tty, false);
  p.onEpochBegin(0);
  p.onBatchEnd(0, { loss: 1 });
  p.onEpochEnd(0, { loss: 0.5, val_loss: 0.25 });
  assert.match(lines.join(''), /^epoch 1\/2 - \d+\.\d\ds - loss 0\.5000 - val_loss 0\.2500\n$/);
});

test('without a live display, a line within a long epoch says how far it is (not silence until its end)', () => {
  const lines: string[] = [];
  const p = new ProgressLogger(3, 4, false, (s) => lines.push(s), 0);
  p.onEpochBegin(1);
  p.onBatchEnd(0, { loss: 1, size: 32 });
  p.onBatchEnd(1, { loss: 0.5, size: 32 });
  p.onBatchEnd(3, { loss: 0.5, size: 32 });
  p.onEpochEnd(1, { loss: 0.5 });
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^epoch 2\/3 - batch 1\/4 - \d+\.\d\ds - loss 1\.000\n$/);
  assert.match(lines[1]!, /^epoch 2\/3 - batch 2\/4 - \d+\.\d\ds - loss 0\.5000\n$/);
  assert.match(lines[2]!, /^epoch 2\/3 - \d+\.\d\ds - loss 0\.5000\n$/);
  const quiet: string[] = [];
  const q = new ProgressLogger(1, 4, false, (s) => quiet.push(s));
  q.onEpochBegin(0);
  for (let b = 0; b < 4; b++) q.onBatchEnd(b, { loss: 1, size: 32 });
  assert.equal(quiet.length, 0);
});

test("seqtune check's display: each check's lines as its result comes, what runs now on stderr", () => {
  const r = (id: string) => ({ id, status: 'pass' as const, evidence: { rows: 3 }, advice: 'fine' });
  const io = () => {
    const o = { out: [] as string[], err: [] as string[] };
    return { o, io: { out: (s: string) => o.out.push(s), err: (s: string) => o.err.push(s) } };
  };
  // a log file: the results on stdout as they come, a line on stderr when a step begins or moves on past `every`
  const file = io();
  const p = new CheckLog(file.io, false, false, 0);
  p.begin('reading the data');
  p.begin('data.nan_inf');
  p.done(r('data.nan_inf'));
  assert.deepEqual(file.o.out, ['PASS  data.nan_inf                 fine\n      rows 3\n']);
  p.begin('network.overfit_one_batch');
  p.tick('network.overfit_one_batch', 'step 1/300');
  assert.equal(file.o.err.length, 4);
  assert.match(file.o.err[0]!, /^check: reading the data - \d+\.\d\ds since the checks began\n$/);
  assert.match(
    file.o.err[3]!,
    /^check: network\.overfit_one_batch, step 1\/300 - \d+\.\d\ds since the checks began\n$/,
  );
  // by default at most one line a minute: a quick run writes none
  const quick = io();
  const q = new CheckLog(quick.io, false, false);
  for (const id of ['data.nan_inf', 'data.leakage']) {
    q.begin(id);
    q.done(r(id));
  }
  assert.deepEqual(quick.o.err, []);
  assert.equal(quick.o.out.length, 2);
  // --json: nothing on stdout until the report; a live display draws one line and clears it before anything else
  const tty = io();
  const t = new CheckLog(tty.io, true, true);
  t.begin('data.leakage');
  t.note('fitting the linear baseline on 1,920 inputs (about 51 s)');
  t.done(r('data.leakage'));
  t.clear();
  assert.deepEqual(tty.o.out, []);
  assert.deepEqual(tty.o.err, [
    '\r\x1b[Kcheck: data.leakage...',
    '\r\x1b[K',
    'fitting the linear baseline on 1,920 inputs (about 51 s)\n',
  ]);
});
