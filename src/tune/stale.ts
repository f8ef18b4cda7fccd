// Trials whose process died: a running trial whose heartbeat is older than 3 heartbeats (tune.heartbeat), or whose
// owner is a process of this host that no longer exists, is failed and enqueued again while tune.retries allows
// (storage.failStale does both atomically). Every process of a study sweeps, its loop between trials and its
// heartbeat thread while its trials train (heartbeat.ts); a fresh trial is never touched.
import { hostname } from 'node:os';
import type { FrozenTrial, OfStudy, Owner, StaleResult, StaleRule, Storage } from '../storage/index.js';
import { parseDuration } from './settings.js';

/**
 * This process as the owner of a trial run by its worker `worker` (0: the main thread), beating every `heartbeat`
 * seconds (tune.heartbeat: its trials are stale after GRACE_HEARTBEATS of them, whatever another process's), its time
 * budget ending at `deadline` (a Date.now() time; Owner.deadline) when it has one.
 */
export const ownerOf = (worker = 0, heartbeat?: number, deadline?: number): Owner => ({
  host: hostname(),
  pid: process.pid,
  worker,
  ...(heartbeat !== undefined ? { staleAfterS: GRACE_HEARTBEATS * heartbeat } : {}),
  ...(deadline !== undefined ? { deadline } : {}),
});

/** Heartbeats a trial may miss before it is stale. */
export const GRACE_HEARTBEATS = 3;

/**
 * Seconds without a heartbeat after which a running trial's process may be dead: 3 of the study's tune.heartbeat
 * (10 s unless its config says otherwise), as tune's own sweep of stale trials reads it.
 */
export function staleAfterS(studyAttrs: Readonly<Record<string, unknown>>): number {
  const tune = (studyAttrs.config as { tune?: { heartbeat?: unknown } } | undefined)?.tune;
  try {
    return GRACE_HEARTBEATS * parseDuration(tune?.heartbeat ?? 10, 'tune.heartbeat');
  } catch {
    return GRACE_HEARTBEATS * 10;
  }
}

/** Whether a process of this host with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The host and pid of an owner written `host:pid`. */
export function parseOwner(owner: string): { host: string; pid: number } {
  const at = owner.lastIndexOf(':');
  return { host: owner.slice(0, at), pid: Number(owner.slice(at + 1)) };
}

/** Owners of running trials that are processes of this host that have exited. */
export function deadOwners(trials: readonly FrozenTrial[]): string[] {
  const host = hostname();
  const dead = new Set<string>();
  for (const t of trials) {
    if (t.state !== 'running' || !t.owner) continue;
    const { host: h, pid } = parseOwner(t.owner);
    if (h === host && pid !== process.pid && Number.isInteger(pid) && !alive(pid)) dead.add(t.owner);
  }
  return [...dead];
}

/** The rule of a sweep by heartbeat alone: stale after GRACE_HEARTBEATS of `heartbeat` seconds. */
export const staleRule = (heartbeat: number, retries: number): StaleRule => ({
  graceMs: GRACE_HEARTBEATS * heartbeat * 1000,
  retries,
});

/**
 * Fails the study's stale trials, enqueues them again while `retries` allows, and says so in one line each; `live`,
 * the trials this process runs now, are never stale (StaleRule.live). `created`: the study's creation time as this
 * process opened it; a study deleted and made again under its name since is refused (StudyRemade), not swept.
 */
export async function sweepStale(
  storage: Storage,
  study: string,
  o: {
    heartbeat: number;
    retries: number;
    log: (l: string) => void;
    trials?: readonly FrozenTrial[];
    live?: readonly number[];
    created?: string;
  },
): Promise<StaleResult> {
  const trials = o.trials ?? (await storage.getTrials(study));
  if (!trials.some((t) => t.state === 'running')) return { failed: [], enqueued: [] };
  const rule = { ...staleRule(o.heartbeat, o.retries), deadOwners: deadOwners(trials), live: o.live };
  const r = await storage.failStale(study, rule, { created: o.created });
  await saySwept(storage, study, r, o.retries, o.log, { created: o.created });
  return r;
}

/**
 * One line for each trial a sweep failed: why, and whether it was enqueued again. `of.created` as the sweep's: a study
 * deleted and made again since the sweep is refused (StudyRemade), its trials of those numbers not said as the ones
 * failed.
 */
export async function saySwept(
  storage: Storage,
  study: string,
  r: StaleResult,
  retries: number,
  log: (l: string) => void,
  of: OfStudy = {},
): Promise<void> {
  if (!r.failed.length) return;
  const now = await storage.getTrials(study, of);
  for (const n of r.failed) {
    const t = now.find((x) => x.number === n)!;
    const again = t.attrs.retried_as;
    const next =
      again !== undefined ? `; enqueued again as #${again}` : `; not enqueued again (tune.retries ${retries})`;
    log(`trial ${n} failed: ${t.error}${next}`);
  }
}
