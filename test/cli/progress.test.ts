// Where a live progress display is drawn: only on a terminal that shows one. On a TTY with TERM=dumb (Emacs' shell)
// or under CI (a runner's pseudo-terminal, whose log keeps every redraw) the bar's cursor moves were printed as
// garbage; there, as in a file, progress is one line per epoch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
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
