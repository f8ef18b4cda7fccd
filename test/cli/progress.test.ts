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
