// The dashboard's API as the pages use it, and one EventSource for the live events shared by every page.

export interface TrialRow {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  epochs: number;
  repeats: number[] | null;
  spread: number | null;
  diagnosis: string | null;
  why: string | null;
  /** Where the pruner stopped it and its words (null: not pruned; absent from an older dashboard). */
  pruned?: Pruned | null;
  started?: string | null;
  finished?: string | null;
  owner?: string | null;
}

/** A pruned trial's end, as study show --json has it: the epoch it was stopped at, and the pruner's words. */
export interface Pruned {
  epoch: number | null;
  why: string | null;
}

/**
 * What `study show` says of a pruned trial (cli/commands/study-report.ts prunedText): the pruner's words (`pruned by
 * median at epoch 2 of 100: its best val_loss so far, ...`), else where it was pruned and that they are lost.
 */
export const prunedText = (p: Pruned): string =>
  p.why ?? `pruned${p.epoch !== null ? ` at epoch ${p.epoch}` : ''}; its pruner's reason is not stored`;

/** A pruned trial's state in a few words: `pruned at epoch 3` (`pruned` before its first epoch). */
export const prunedState = (p: Pruned): string => `pruned${p.epoch !== null ? ` at epoch ${p.epoch}` : ''}`;

export interface Importance {
  param: string;
  importance: number;
  method: string;
}

/** A study as the Studies page lists it (GET /api/study-list, src/dashboard/study-list.ts). */
export interface StudyRow {
  name: string;
  strategy: string | null;
  finished: { reason: string; trials: number } | null;
  trials: number;
  states: Record<string, number>;
  /** Its running trials without a heartbeat past their grace: their process may be dead. */
  silent: number;
  best: { number: number; value: number | null } | null;
  last_activity: string | null;
  /** About how many seconds its run has left (study ls --json); null or absent when it does not say. */
  time_left_s?: number | null;
}

/** What auto's ensemble step recorded (src/tune/study-json.ts EnsembleAttr). */
export interface Ensemble {
  what: string;
  kept: boolean;
  dir: string | null;
  val: { ensemble: number; best: number; against?: string; cross_fitted?: number };
  test: { scaled: { mse: number } };
}

export interface Study {
  name: string;
  direction: string;
  strategy: string | null;
  /** auto's choice: by the mean over seeds (seed_mean, seeds) or by the steady value of its curve (steady, dip). */
  best: {
    number: number;
    value: number;
    params: Record<string, unknown>;
    run_dir: string | null;
    seed_mean?: number;
    seeds?: unknown[];
    steady?: number;
    dip?: { trial: number; value?: number; steady?: number } | null;
  } | null;
  /** Why its last run ended and at how many trials (`trial budget spent`); null while it runs or was resumed. */
  finished?: { reason: string; trials: number } | null;
  /** The study's result folder: the ensemble's when auto kept one, else the best trial's. */
  result_dir: string | null;
  ensemble: Ensemble | null;
  importance: Importance[];
  /** Why the importance means nothing yet, in study show's words (`(5 completed)`); null once it does. */
  importance_not_yet: string | null;
  /** About how many seconds its run has left (study show --json); null or absent when it does not say. */
  time_left_s?: number | null;
  trials: TrialRow[];
}

export interface CurveTrial {
  number: number;
  state: string;
  started: string;
  finished: string | null;
  heartbeat?: string | null;
  /**
   * Seconds without a heartbeat after which this trial's process may be dead: the study's, or its own owner's when
   * longer (the rule storage fails a stale trial by).
   */
  stale_after_s: number;
  values: (number | null)[];
}

export interface Curves {
  name: string;
  strategy: string | null;
  objective: string | null;
  created: string;
  /** 3 of the study's tune.heartbeat; a trial whose owner beats slower has a longer one (CurveTrial.stale_after_s). */
  stale_after_s: number;
  /** The server's time when it answered (the page's clock may differ). */
  now: string;
  trials: CurveTrial[];
}

/**
 * GET /api/studies/NAME/curves: the trials' values come as one base64 string of little-endian float32. `only`: those
 * trials alone (`?trials=`), for a page that has read them all and merges what changed (mergeTrials).
 */
export async function curves(name: string, only?: readonly number[]): Promise<Curves> {
  const raw = await api<
    Omit<Curves, 'trials'> & { trials: (Omit<CurveTrial, 'values'> & { epochs: number })[]; values: string }
  >(`${studyPath(name)}/curves${only ? trialsQuery(only) : ''}`);
  const bytes = Uint8Array.from(atob(raw.values), (c) => c.charCodeAt(0));
  const all = new Float32Array(bytes.buffer);
  let at = 0;
  const trials = raw.trials.map(({ epochs, ...t }) => {
    const values = Array.from(all.subarray(at, at + epochs), (v) => (Number.isNaN(v) ? null : v));
    at += epochs;
    return { ...t, values };
  });
  return { ...raw, trials };
}

/**
 * The live events; `resync`: the stream connected again after it was cut (the server ends the stream of a page that
 * reads too slowly, or restarted), so what came meanwhile is unknown and a page reads what it shows anew.
 */
export type LiveEvent =
  | { type: 'resync' }
  | { type: 'study-created'; study: string; at: string }
  | { type: 'study-deleted'; study: string; at: string }
  | { type: 'study-updated'; study: string; at: string }
  | { type: 'trial-created'; study: string; number: number; state: string; at: string }
  | { type: 'trial-started'; study: string; number: number; state: string; at: string }
  | { type: 'epoch'; study: string; number: number; step: number; epochs: number; value: number | null; at: string }
  | { type: 'trial-finished'; study: string; number: number; state: string; value: number | null; at: string };

/** An answer of the API that is an error: its `error` text, and its status (404: not found; 500: not read). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `accept`: statuses besides 2xx whose JSON is the answer (/api/health's 503). */
export async function api<T>(path: string, accept: readonly number[] = []): Promise<T> {
  const r = await fetch(path);
  if (!r.ok && !accept.includes(r.status)) {
    const body = (await r.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(body.error ?? `${path}: ${r.status}`, r.status);
  }
  return (await r.json()) as T;
}

/** GET /api/health; `error` says why the storage cannot be read now (null when it can). */
export interface Health {
  ok: boolean;
  error: string | null;
  storage: string;
  runs: string | null;
  runs_path: string | null;
}

/** The dashboard's health: answered 503 while the storage cannot be read, and that answer is read as well. */
export const health = () => api<Health>('/api/health', [503]);

export const studyPath = (name: string) => `/api/studies/${encodeURIComponent(name)}`;
/** The query that cuts a study's answer to these trials: `?trials=3,17`. */
export const trialsQuery = (numbers: readonly number[]) => `?trials=${numbers.join(',')}`;

/**
 * `all` with the trials of `changed` in place of those of their numbers and the new ones added, by number (what a
 * page read whole, merged with an answer cut to the trials that changed).
 */
export function mergeTrials<T extends { number: number }>(all: readonly T[], changed: readonly T[]): T[] {
  const by = new Map(all.map((t) => [t.number, t]));
  for (const t of changed) by.set(t.number, t);
  return [...by.values()].sort((a, b) => a.number - b.number);
}
export const trialPath = (name: string, n: number) => `${studyPath(name)}/trials/${n}`;
export const runPath = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Listens to the live events until the returned function is called (a page calls it when it is left). */
export function onLive(l: Listener): () => void {
  listeners.add(l);
  if (!source) {
    source = new EventSource('/api/events');
    const live = document.getElementById('live');
    let hellos = 0;
    source.addEventListener('hello', () => {
      if (live) live.textContent = 'live';
      live?.classList.add('on');
      if (hellos++) for (const f of listeners) f({ type: 'resync' });
    });
    source.onerror = () => {
      if (live) live.textContent = 'reconnecting';
      live?.classList.remove('on');
    };
    const types = ['study-created', 'study-deleted', 'study-updated', 'trial-created', 'trial-started', 'epoch'];
    for (const type of [...types, 'trial-finished'])
      source.addEventListener(type, (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
        for (const f of listeners) f(e);
      });
  }
  return () => listeners.delete(l);
}
