// How much of their time budgets the processes that run a study now have left (study show, study ls --json and the
// dashboard read it as `time_left_s`): each trial records the seconds its process had left when it started
// (Owner.deadline, storage's trialDeadline), and a process counts while it shows signs of life by the stale rule's
// measure (stale.ts): a killed one stops counting when its trial would be failed as stale.
import { hostname } from 'node:os';
import { type FrozenTrial, staleGraceMs, trialDeadline } from '../storage/index.js';
import { alive, parseOwner, staleAfterS } from './stale.js';

/** What timeLeft says: seconds left (null: no live process has a time budget) and the processes counted. */
export interface TimeLeft {
  time_left_s: number | null;
  time_left_processes: number;
}

/**
 * The time left to the study's live processes with a time budget: seconds from the storage's clock `now` to the
 * latest end of their budgets (the deadline its latest trial records; 0 once past, while one still finishes), and
 * how many they are. Without `now`, none is judged.
 */
export function timeLeft(trials: readonly FrozenTrial[], attrs: Record<string, unknown>, now?: number): TimeLeft {
  const ends = now === undefined ? [] : liveDeadlines(trials, attrs, now);
  if (!ends.length) return { time_left_s: null, time_left_processes: 0 };
  return { time_left_s: Math.max(0, Math.round((Math.max(...ends) - now!) / 1000)), time_left_processes: ends.length };
}

/**
 * The deadline of each live process of the study that has a time budget. A process is live while a trial it runs
 * beats within its grace (staleGraceMs, as the stale rule judges it), or within that grace of a trial it ended itself
 * (between two of its trials none runs); a process of this host whose pid has ended is not, at once.
 */
function liveDeadlines(trials: readonly FrozenTrial[], attrs: Record<string, unknown>, now: number): number[] {
  const grace = (t: FrozenTrial) => staleGraceMs(t, { graceMs: staleAfterS(attrs) * 1000 });
  const latest = new Map<string, FrozenTrial>();
  for (const t of trials) {
    const had = t.owner ? latest.get(t.owner) : undefined;
    if (t.owner && t.state !== 'waiting' && (!had || Date.parse(t.started) >= Date.parse(had.started)))
      latest.set(t.owner, t);
  }
  const live = new Set<string>();
  for (const t of trials) if (t.owner && !live.has(t.owner) && now - lastSign(t) <= grace(t)) live.add(t.owner);
  const ends: number[] = [];
  for (const [owner, t] of latest) {
    const end = trialDeadline(t);
    if (end !== undefined && live.has(owner) && !gone(owner)) ends.push(end);
  }
  return ends;
}

/**
 * The last sign of life of a trial's owner in it (milliseconds since 1970, storage's clock): a running trial's
 * heartbeat (its start before the first); a finished one's end, unless another process ended it (failed as stale or
 * interrupted: its owner's end, not its life). NaN for none.
 */
function lastSign(t: FrozenTrial): number {
  if (t.state === 'running') return Date.parse(t.heartbeat ?? t.started);
  if (!t.finished || (t.state === 'failed' && /^(stale|interrupted):/.test(t.error ?? ''))) return Number.NaN;
  return Date.parse(t.finished);
}

/** Whether `owner` (host:pid) is a process of this host, not this one, that no longer exists. */
function gone(owner: string): boolean {
  const { host, pid } = parseOwner(owner);
  return host === hostname() && pid !== process.pid && Number.isInteger(pid) && !alive(pid);
}
