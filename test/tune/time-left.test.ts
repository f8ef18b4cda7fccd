// The time left to a study's processes (study show's `time left`, time_left_s of study show --json and study ls
// --json): each trial keeps the seconds its process had left of its time budget when it started, on the storage's
// clock, and a process stops counting by the stale rule's measure once its heartbeat stops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeLeftLine } from '../../src/cli/commands/study-show.js';
import { MemoryStorage } from '../../src/storage/index.js';
import { studyJson } from '../../src/tune/index.js';

const attrs = { config: { data: {}, tune: { heartbeat: 10 } } };

test("a trial records the seconds left of its process's time budget; a process silent past its grace stops counting", async () => {
  const st = new MemoryStorage();
  await st.createStudy('s', attrs);
  const owner = (host: string, deadlineIn: number) => ({
    owner: { host, pid: 1, worker: 0, staleAfterS: 30, deadline: Date.now() + deadlineIn * 1000 },
  });
  const a = await st.createTrial('s', { u: 1 }, {}, owner('elsewhere-a', 600));
  await st.createTrial('s', { u: 2 }, {}, owner('elsewhere-b', 120));
  await st.createTrial('s', { u: 3 }, {}, { owner: { host: 'elsewhere-c', pid: 1, worker: 0 } }); // no budget
  assert.ok(Math.abs((a.attrs.budget_left_s as number) - 600) < 1, String(a.attrs.budget_left_s));
  const { trials, now } = await st.getTrialsAt('s');
  const j = studyJson('s', trials, attrs, undefined, now);
  assert.ok(j.time_left_s! > 598 && j.time_left_s! <= 600, String(j.time_left_s));
  assert.equal(j.time_left_processes, 2);
  // 40 s on, both silent past their 30 s: gone, by the stale rule (processes of another host: no pid to look at)
  const later = studyJson('s', trials, attrs, undefined, now + 40_000);
  assert.deepEqual([later.time_left_s, later.time_left_processes], [null, 0]);
  // between two trials of its own (its last one ended 5 s ago) a process still counts
  await st.finishTrial('s', a.number, 'complete', 0.5);
  const between = await st.getTrialsAt('s');
  const b = studyJson('s', between.trials, attrs, undefined, between.now + 5000);
  assert.ok(b.time_left_s! > 590 && b.time_left_s! <= 595, String(b.time_left_s));
  // without the storage's clock nothing is judged
  assert.equal(studyJson('s', trials, attrs).time_left_s, null);
});

test('study show says the time left in one line, minutes or hours, and when the budget is spent', () => {
  assert.equal(timeLeftLine(720, 2), 'time left: about 12 min (2 processes)');
  assert.equal(timeLeftLine(45, 1), 'time left: about 45 s (1 process)');
  assert.equal(timeLeftLine(3 * 3600, 1), 'time left: about 3.0 h (1 process)');
  assert.equal(timeLeftLine(0, 1), 'time left: none, the time budget is spent (1 process finishing)');
});
