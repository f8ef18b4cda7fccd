// The terminal chart train prints: its three y labels tell their values apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossChart, renderSvg, renderTerminal } from '../../src/plot/index.js';

test('the terminal chart labels a loss near 1e9 with the digits that tell its rows apart, not 1.0e+9 three times', () => {
  const text = renderTerminal(lossChart({ loss: [1e9 + 4000, 1e9 + 2000, 1e9] }), { width: 30, height: 9 });
  const labels = text
    .split('\n')
    .map((l) => /^\s*([-\d.e+]+) \|/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
  assert.equal(labels.length, 3, text);
  assert.equal(new Set(labels).size, 3, text);
  assert.deepEqual(labels.map(Number), [1e9 + 4000, 1e9 + 2000, 1e9]);
  // an ordinary loss keeps its four significant digits
  const plain = renderTerminal(lossChart({ loss: [0.6345, 0.62, 0.6108] }), { width: 30, height: 9 });
  assert.match(plain, /^0\.6345 \|/m);
});

test('a run that blew up in its first epoch (one loss of 1.1e42) is drawn, in the terminal and the SVG, not a crash or NaN', () => {
  // seqtune train of SGD at 20 on a GRU stopped at epoch 1 with this loss; 1.1e42 + 1 is 1.1e42, so the range had no
  // width: the terminal chart threw (a row index of NaN) and train ended "this is a bug", the SVG's points were NaN
  const chart = lossChart({ loss: [1.1364146338376285e42], val_loss: [NaN] });
  const text = renderTerminal(chart, { width: 30, height: 9 });
  assert.match(text, /\*/, text);
  const svg = renderSvg(chart);
  assert.doesNotMatch(svg, /NaN/);
  // a flat ordinary loss keeps the range it had (the value +- 1)
  assert.match(renderTerminal(lossChart({ loss: [0.5, 0.5] }), { width: 30, height: 9 }), /^1\.5 \|/m);
});

test("a curve of more values than columns is drawn by each column's lowest and highest: a spike of 100,000 epochs", () => {
  // one value a column (the 100,000-epoch history of a diagnose --plot) drew 60 of 100,000: the spike at epoch
  // 77,001 that tops the y axis, and the lowest loss, were not drawn
  const n = 100_000;
  const loss = Array.from({ length: n }, (_, i) => 1 / (1 + i / 1000) + (i % 7) * 1e-4);
  const val_loss = Array.from({ length: n }, (_, i) => 0.5 + 0.1 * Math.sin(i / 50) + (i === 77_000 ? 2 : 0));
  const text = renderTerminal(lossChart({ loss, val_loss }), { width: 60, height: 10 });
  const rows = text.split('\n').slice(1, 11);
  const col = (row: string) => row.indexOf('|') + 1;
  // the spike: an 'o' in the top row, in the column of epoch 77,001
  assert.equal(rows[0]!.indexOf('o') - col(rows[0]!), Math.floor((77_000 * 60) / n), text);
  // the lowest training loss (the last epochs') in the bottom row's last column
  assert.equal(rows[9]!.at(-1), '*', text);
  // a curve no longer than the columns: one value a column, as before
  const short = renderTerminal(lossChart({ loss: loss.slice(0, 40) }), { width: 60, height: 10 });
  assert.equal((short.match(/\*/g) ?? []).length, 60 + 1); // a glyph a column, and the legend's
});

test('the middle y label sits on the row its value is drawn in, on an even height as on an odd one', () => {
  // train's chart is 10 rows high: the middle label sat a row below the row of its value (0.2196 beside 0.1877)
  for (const height of [9, 10, 12]) {
    const text = renderTerminal(lossChart({ loss: [1, 0.5, 0] }), { width: 3, height });
    const row = text.split('\n').find((l) => /^\s*0\.5 \|/.test(l));
    assert.equal(row?.replace(/^.*\|/, ''), ' * ', `height ${height}:\n${text}`);
  }
});
