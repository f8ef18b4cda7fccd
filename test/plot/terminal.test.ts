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
