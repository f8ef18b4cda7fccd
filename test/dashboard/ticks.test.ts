// The numbers on the dashboard charts' axes (web/src/ticks.ts: no DOM, so they run here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tickLabels } from '../../web/src/ticks.js';

test('a linear axis labels every tick with the decimals its step needs, the same for all', () => {
  // at 3 significant digits these read 0.325, 0.328, 0.33, 0.333, 0.335: uneven steps for an even axis
  assert.deepEqual(tickLabels([0.325, 0.3275, 0.33, 0.3325, 0.335]), [
    '0.3250',
    '0.3275',
    '0.3300',
    '0.3325',
    '0.3350',
  ]);
  assert.deepEqual(tickLabels([0, 0.5, 1, 1.5]), ['0.0', '0.5', '1.0', '1.5']);
  assert.deepEqual(tickLabels([100, 200, 300]), ['100', '200', '300']);
  assert.deepEqual(tickLabels([0.30000000000000004, 0.4, 0.5]), ['0.3', '0.4', '0.5'], 'float noise is not a decimal');
  assert.deepEqual(tickLabels([null, 0.02, 0.04]), ['', '0.02', '0.04']);
  assert.deepEqual(tickLabels([20000, 40000]), ['2e+4', '4e+4']);
});
