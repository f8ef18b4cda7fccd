// ?trials= of GET /api/studies/NAME and its curves (trialsQuery): the numbers asked for, none, or a 400 that names
// what was wrong.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryError, trialsQuery } from '../../src/dashboard/paging.js';

test('?trials= names trial numbers separated by commas, none, or is not given', () => {
  assert.equal(trialsQuery({}), null);
  assert.deepEqual([...trialsQuery({ trials: ['3,17,0'] })!], [3, 17, 0]);
  assert.deepEqual([...trialsQuery({ trials: [''] })!], []);
});

test('?trials= with anything but numbers, twice, or beside another parameter is a QueryError', () => {
  for (const q of [{ trials: ['3,x'] }, { trials: ['-1'] }, { trials: ['1e1'] }, { trials: ['3,'] }])
    assert.throws(
      () => trialsQuery(q),
      (e: QueryError) => e instanceof QueryError && e.param === 'trials',
    );
  assert.throws(() => trialsQuery({ trials: ['1', '2'] }), /trials: expected one value, received "1, 2"/);
  assert.throws(() => trialsQuery({ trials: ['1'], limit: ['2'] }), /limit: not a parameter of a study's answer/);
});
