// tune's trial lines, and its live epoch line on a terminal: redrawn in place, so never wider than the terminal (a
// wrapped line is not redrawn in place, and each redraw left a line behind on a 40-column terminal: walk O).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveLine, sameListAsAbove } from '../../src/tune/progress.js';

test("tune's live line is cut to one character less than the terminal's width", () => {
  const text = 'trial 12: epoch 107/1000 val_loss 0.01234';
  assert.equal(liveLine(text, 40), `\r\x1b[2K${text.slice(0, 39)}`);
  assert.equal(liveLine(text, 120), `\r\x1b[2K${text}`);
  assert.equal(liveLine(text, undefined), `\r\x1b[2K${text}`, 'not a terminal that says: 80 columns');
});

test("a reason whose list the line above gave says it 'as above'; another list, or none above, is printed whole", () => {
  const why = (n: number, list = 'model.units, model.dropout, train.lr') =>
    `joint search after the plan: TPE over the 3 factors it swept (${list}), modelled on ${n} trials`;
  assert.equal(
    sameListAsAbove(why(9), why(8)),
    'joint search after the plan: TPE over the 3 factors it swept (as above), modelled on 9 trials',
  );
  assert.equal(sameListAsAbove(why(9), undefined), why(9), 'the first line');
  assert.equal(sameListAsAbove(why(9, 'a, b, c'), why(8)), why(9, 'a, b, c'), 'another list');
  const seeds = 'repeats with more seeds (#12: 0.5 over 2 seeds, the best mean 0.4), so the mean decides';
  assert.equal(sameListAsAbove(seeds, seeds), seeds, 'a parenthesis that is no list');
});
