// tune's live epoch line on a terminal: redrawn in place, so never wider than the terminal (a wrapped line is not
// redrawn in place, and each redraw left a line behind on a 40-column terminal: walk O).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveLine } from '../../src/tune/progress.js';

test("tune's live line is cut to one character less than the terminal's width", () => {
  const text = 'trial 12: epoch 107/1000 val_loss 0.01234';
  assert.equal(liveLine(text, 40), `\r\x1b[2K${text.slice(0, 39)}`);
  assert.equal(liveLine(text, 120), `\r\x1b[2K${text}`);
  assert.equal(liveLine(text, undefined), `\r\x1b[2K${text}`, 'not a terminal that says: 80 columns');
});
