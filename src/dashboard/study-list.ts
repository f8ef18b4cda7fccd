// GET /api/study-list: every study as the Studies page shows it, its trials counted rather than listed. The page
// read GET /api/studies (study ls --json: every trial of every study) again at each trial that started or ended, once
// a second while a study ran: with a study of 3,000 trials stored, 66 MB in 45 s for one open tab.

import type { StudyJson } from '../tune/index.js';

/** One study's row: its numbers are study ls --json's (studiesJson), its trials counted by state. */
export interface StudyRow {
  name: string;
  strategy: string | null;
  /** Why its last run ended (as study ls --json), null while it runs. */
  finished: StudyJson['finished'];
  trials: number;
  /** How many trials are in each state, the states with none left out. */
  states: Record<string, number>;
  /** Of its running trials, how many have gone without a heartbeat past their grace (silent_s): dead, maybe. */
  silent: number;
  best: { number: number; value: number | null } | null;
  /** The latest start or end of any of its trials (ISO 8601), null before the first starts. */
  last_activity: string | null;
  /** About how many seconds its run has left, as study ls --json says (time_left_s); null when it does not say. */
  time_left_s: number | null;
}

export function studyRows(all: readonly StudyJson[]): StudyRow[] {
  return all.map((s) => {
    const states: Record<string, number> = {};
    let last: string | null = null;
    let silent = 0;
    for (const t of s.trials) {
      states[t.state] = (states[t.state] ?? 0) + 1;
      if (t.silent_s !== null) silent++;
      for (const v of [t.started, t.finished]) if (v && (!last || Date.parse(v) > Date.parse(last))) last = v;
    }
    return {
      name: s.name,
      strategy: s.strategy,
      finished: s.finished,
      trials: s.trials.length,
      states,
      silent,
      best: s.best && { number: s.best.number, value: s.best.value },
      last_activity: last,
      // study ls --json's estimate, where this seqtune's has one (read by name: older ones have no such field)
      time_left_s: (s as { time_left_s?: number | null }).time_left_s ?? null,
    };
  });
}
