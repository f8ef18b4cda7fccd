// GET /api/study-list's rows (studyRows) from study ls --json: the time a study's run has left passes through as
// study ls --json says it, null where it says nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { studyRows } from '../../src/dashboard/study-list.js';
import type { StudyJson } from '../../src/tune/index.js';

const study = (extra: Record<string, unknown>) =>
  ({ name: 's', strategy: 'random', finished: null, best: null, trials: [], ...extra }) as unknown as StudyJson;

test("a study's time left comes as study ls --json has it, and null when it has none", () => {
  assert.equal(studyRows([study({ time_left_s: 250 })])[0]!.time_left_s, 250);
  assert.equal(studyRows([study({ time_left_s: null })])[0]!.time_left_s, null);
  assert.equal(studyRows([study({})])[0]!.time_left_s, null);
});
