// The terminal chart train prints: its three y labels tell their values apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossChart, renderTerminal } from '../../src/plot/index.js';

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
