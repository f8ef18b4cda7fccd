// A per-factor plot of a random study (issue 20, item 9): one line per value, never two lines with one label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrozenTrial } from '../../src/storage/index.js';
import { factorChart } from '../../src/tune/index.js';

const trial = (number: number, params: Record<string, unknown>, value: number, state = 'complete'): FrozenTrial =>
  ({
    number,
    state,
    params,
    value,
    intermediate: [value],
    attrs: { history: { loss: [1, value], val_loss: [1, value] } },
    error: null,
    started: '',
    finished: '',
  }) as FrozenTrial;

test('a random study that drew units = 64 twice shows one line for it, the better trial, and says so', () => {
  const units = 'model.layers[0].gru.units',
    lr = 'train.optimizer.adam.learning_rate';
  const trials = [
    trial(0, { [units]: 64, [lr]: 0.01 }, 0.3),
    trial(1, { [units]: 16, [lr]: 0.001 }, 0.4),
    trial(2, { [units]: 64, [lr]: 0.002 }, 0.2),
    trial(3, { [units]: 16, [lr]: 0.05 }, 0.5, 'pruned'),
  ];
  const chart = factorChart('rnd', units, trials)!;
  const names = chart.series.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, `labels are distinct: ${names.join(' | ')}`);
  assert.deepEqual(names, ['units = 64 (best of 2: #2)', 'units = 16 (best of 2: #1)']);
  assert.deepEqual(Array.from(chart.series[0]!.values), [1, 0.2]);
});

test('an OFAT sweep, one trial per value, keeps plain labels', () => {
  const units = 'model.layers[0].gru.units';
  const chart = factorChart('ofat', units, [trial(1, { [units]: 2 }, 0.3), trial(2, { [units]: 8 }, 0.2)])!;
  assert.deepEqual(
    chart.series.map((s) => s.name),
    ['units = 2', 'units = 8'],
  );
});
