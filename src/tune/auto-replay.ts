// The state of the `auto` plan while it is replayed from a study's trials (auto.ts): the best so far, what
// was left out and why, and one sweep's step: the next trial to start, wait, or adopt the sweep's best.
import type { RawConfig } from '../config/index.js';
import { MEMORY_LIMIT_BYTES } from '../engine/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { finishedWith, inFlight, runningWith } from './samplers/index.js';
import { applyParams, deletePath, getPath, isInside, type Params, same, setPath } from './space.js';
import { prepareFor, stepMemory, type TrialEnv } from './trial.js';

/** The parameter of the sweep a trial was run for (the last "sweeping X" of its why). */
const sweptBy = (t: FrozenTrial): string | undefined =>
  [...String(t.attrs.why ?? '').matchAll(/sweeping (\S+?)(?= over|: |;|$)/g)].at(-1)?.[1];

/** The round of the plan a sweep's why names ("round 2: ...", after the notes said before it), 1 when none. */
const roundOf = (why: string): number => Number(/(?:^|; then )round (\d+): /.exec(why)?.[1] ?? 1);

/** How the why of a sweep of finer steps around the best values begins (auto-refine.ts). */
export const FINER = 'finer steps around';

/**
 * The phase and round of the plan a sweep's why names: a sweep of finer steps (refine, after the rounds) or a round's,
 * and which round (the finer steps name none).
 */
const phaseOf = (why: string): string => (why.includes(FINER) ? 'finer' : `round ${roundOf(why)}`);

/**
 * current with param set to v. Values below param (an Adam learning rate when the optimizer changes) no
 * longer apply and go; a value equal to the base config's is left out, so one configuration has one name.
 */
export function withValue(base: unknown, current: Params, param: string, v: unknown): Params {
  // A value inside one the params set whole (units of a layer of a model.layers list) goes into that value, so
  // the configuration keeps one name (two names once made auto train the same model twice, ETTh1 h48).
  // Only where that value has the path: an optimizer set by name ("rmsprop") takes its learning rate beside it.
  const whole = Object.keys(current).find(
    (k) =>
      isInside(param, k) &&
      getPath({ x: current[k] }, `x${param.slice(k.length, param.lastIndexOf('.'))}`) instanceof Object,
  );
  if (whole) {
    const box = { x: structuredClone(current[whole]) };
    const path = `x${param.slice(whole.length)}`;
    // a value the option has when the key is left out goes as no key: the same configuration, one name (an explicit
    // dropout 0 from a sweep down from 0.1 made ETTh1 h48's #56 a second name of #33, and every sweep built on it
    // trained again what was trained under the first: 18 of its 174 trials, #65 was #43)
    if (same(v, unsetValue(param))) deletePath(box, path);
    else setPath(box, path, v);
    return withValue(base, current, whole, box.x);
  }
  const c: Params = {};
  for (const [k, x] of Object.entries(current)) if (k !== param && !isInside(k, param)) c[k] = x;
  if (!same(getPath(base, param) ?? unsetValue(param), v)) c[param] = v;
  return c;
}

/**
 * Marks the why of a sweep that only measures (Sweep.adopt false, other than seed repeats): its trials, even started
 * early, never become the best to build on when the plan is replayed.
 */
export const MEASURED_ONLY = 'measured, not adopted';

/** Extra seeds a configuration is repeated with, so that the choice rests on a mean over 1 + EXTRA_SEEDS seeds. */
export const EXTRA_SEEDS = 2;

export interface AutoBudget {
  /** Seconds of the time budget left. */
  remaining(): number;
  /** Estimated seconds a trial with these params takes, from a reference trial and the study's trials. */
  estimate(params: Params, reference: FrozenTrial, trials: readonly FrozenTrial[]): Promise<number>;
  /** Set by autoNext when it left a value out because it would not finish in time. */
  skipped?: boolean;
  /** Set by autoNext when the plan ends: what it left out and why (values too long, levers that cannot act). */
  notes?: string[];
}

/** How a sweep's why names its values left out for the time left (each `VALUE (about 8 min, 5 min left)`). */
const TOO_LONG = 'not started, too long for the time left: ';

/** Seconds as the skip notes say them: under a minute in seconds ("about 0 min, -0 min left" said nothing). */
export const span = (s: number): string =>
  s < 59.5 ? `${Math.max(0, Math.round(s))} s` : `${(s / 60).toFixed(0)} min`;

/** Bytes in MiB, as the engine's messages say them. */
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** One sweep of the plan: a parameter and its values (or explicit candidates), and why it runs. */
export interface Sweep {
  param: string;
  values?: unknown[];
  /** Other keys set together with each value (the advice's `also`: more epochs with more patience). */
  also?: Params;
  candidates?: Params[];
  why: string;
  /** What the sweep tries, in words (the advice's text). */
  text?: string;
  /** false: the sweep only measures (seed repeats); its trials never become the best to build on. */
  adopt?: boolean;
}

/** A trial to start, or 'wait' (a sweep is still running), or 'done' (the sweep is over, its best adopted). */
export type Step = { params: Params; why: string } | 'wait' | 'done';

/** The plan's state while it is replayed from the trials. */
export class Replay {
  current: Params = {};
  best = Infinity;
  bestTrial: FrozenTrial;
  improved = false;
  /** What was left out since the last sweep that ran something (printed with the next trial's why). */
  notes: string[] = [];
  /** Every note of the plan (the study prints them when the plan ends). */
  allNotes: string[] = [];
  /** Set once a sweep still running was passed to start the next one (a core would otherwise sit idle). */
  private ahead?: string;
  /** The trials started early, by the sweep they were run for (earlyOf). */
  private early?: Map<string, FrozenTrial[]>;

  constructor(
    readonly env: TrialEnv,
    readonly trials: readonly FrozenTrial[],
    readonly baseline: FrozenTrial,
    readonly budget?: AutoBudget,
  ) {
    this.bestTrial = baseline;
    if (baseline.state === 'complete') this.best = baseline.value ?? Infinity;
  }

  done = (p: Params): FrozenTrial | undefined => finishedWith(this.trials, p);
  pending = (p: Params): boolean => runningWith(this.trials, p);

  /** The seed repeats of a configuration: its params with the base seed + 1, ..., + EXTRA_SEEDS. */
  seedRepeats(p: Params): Params[] {
    const seed = this.env.base.seed ?? 42;
    return Array.from({ length: EXTRA_SEEDS }, (_, k) => withValue(this.env.base, p, 'seed', seed + k + 1));
  }

  /** A line to say with the next trial's reasons (once: a round that meets the same idle lever again adds none). */
  note(line: string): void {
    if (!this.notes.includes(line)) this.notes.push(line);
    if (!this.allNotes.includes(line)) this.allNotes.push(line);
  }

  /** Runs one sweep against the trials: the next of its trials to start, 'wait', or 'done' with its best adopted. */
  async step(sweep: Sweep): Promise<Step> {
    const made = sweep.candidates
      ? { ...(await this.inTime(sweep.param, sweep.candidates)), oneBatch: '' }
      : await this.candidatesOf(sweep.param, sweep.values ?? [], sweep.also);
    const { skipped, tooBig, oneBatch } = made;
    const candidates = this.notSaidTooLong(made.candidates, sweep.param, `${sweep.why}; sweeping ${sweep.param}`);
    const skipNote = [
      oneBatch,
      tooBig.length
        ? `not started, cannot fit in the ${mib(MEMORY_LIMIT_BYTES)} of engine memory: ${tooBig.join(', ')}`
        : '',
      skipped.length ? `${TOO_LONG}${skipped.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    // Two advices may sweep the same values (lr-find's range stands in for both a lower and a higher rate): said once.
    const skipLine = `${sweep.param}: ${skipNote}`;
    if (skipNote && !this.allNotes.includes(skipLine)) this.allNotes.push(skipLine);
    if (candidates.length === 0) {
      if (skipNote && !this.notes.includes(skipLine)) this.notes.push(skipLine);
      return 'done';
    }
    const shown = sweep.candidates
      ? ''
      : ` over ${JSON.stringify(candidates.map((c) => this.valueIn(c, sweep.param)))}` +
        Object.entries(sweep.also ?? {})
          .map(([k, v]) => ` with ${k} ${JSON.stringify(v)}`)
          .join('');
    const why =
      `${sweep.why}; sweeping ${sweep.param}${shown}${sweep.text ? `: ${sweep.text}` : ''}` +
      `${skipNote ? `; ${skipNote}` : ''}`;
    // What was left out before this sweep is said once, with the first trial run for the sweep; a sweep whose values
    // had all run for other sweeps runs none, and passes the notes on (on shampoo sales, "data.lookback not swept: no
    // longer lookback leaves 4 training windows per input" went unsaid: a units sweep whose values were run before
    // came next, and its end cleared the notes).
    const ranFor = this.ranFor(candidates, `${sweep.why}; sweeping ${sweep.param}`);
    const missing = candidates.find((c) => !this.done(c) && !this.pending(c));
    if (missing) {
      const before = [...(this.ahead ? [this.ahead] : []), ...(ranFor ? [] : this.notes)];
      return { params: missing, why: before.length ? `${before.join('; ')}; then ${why}` : why };
    }
    if (ranFor) this.notes = [];
    if (candidates.some((c) => !this.done(c))) {
      if (this.ahead) return 'wait';
      this.ahead = `started while the ${sweep.param} sweep still runs`;
      return 'done';
    }
    if (sweep.adopt !== false) this.adopt(sweep.param, candidates, phaseOf(sweep.why));
    return 'done';
  }

  /**
   * The candidates less those not run yet that the first trial run for this sweep (`sweeping`, as ranFor) said were too
   * long for the time left: the sweep keeps the values it started with. A process of another time budget on the same
   * study found them in time, ran them after the sweep had ended in the first process, and the sweep's best moved
   * under the plan built on it: in a study of two processes (300 s and 45 s) #3 ended round 1's units sweep at GRU(4),
   * 2 "not started, too long for the time left", and #5 (GRU(4), lr 0.52, 0.03161) was the best of the sweep built on
   * it; the 45 s process then ran GRU(2) for the units sweep (#6, 0.03180, below #3's 0.03181), the replayed units
   * sweep adopted it, and every later trial built on #6 and #8: none went back to #5, the study's lowest.
   */
  private notSaidTooLong(candidates: Params[], param: string, sweeping: string): Params[] {
    if (candidates.every((c) => this.done(c) || this.pending(c))) return candidates;
    const why = String(this.trials.find((t) => String(t.attrs.why ?? '').includes(sweeping))?.attrs.why ?? '');
    const own = why.slice(why.indexOf(sweeping));
    const at = own.indexOf(TOO_LONG);
    if (at < 0) return candidates;
    const said = `, ${own.slice(at + TOO_LONG.length).split(';')[0]}`;
    return candidates.filter(
      (c) => this.done(c) || this.pending(c) || !said.includes(`, ${JSON.stringify(this.valueIn(c, param))} (about `),
    );
  }

  /** Whether a trial of these candidates (finished or in flight) was run for the sweep its why names (`sweeping`). */
  private ranFor(candidates: readonly Params[], sweeping: string): boolean {
    return candidates.some((c) => {
      const t = this.done(c) ?? this.trials.find((x) => inFlight(x) && same(x.params, c));
      return String(t?.attrs.why ?? '').includes(sweeping);
    });
  }

  /**
   * The sweep's best becomes the best to build on when it beats it; so does a trial of the same sweep started
   * early (while another sweep ran) that beats both, since the plan went on from a best that was not final then.
   * Only the same sweep's: an early trial of another sweep came from an older best, and adopting it in place of
   * this sweep's would drop what the plan adopted since (on ETTh1 h48 the lookback 336 trial started before the
   * linear skip was adopted stood in for the skip sweep's best, and the plan went on without the skip). And only the
   * same round's: a sweep of the same factor in a later round came from a later best, and adopting its trial here
   * made the replayed plan jump past the rest of the round to that best (ETTh1, two targets: round 1's units sweep
   * from #1 took round 2's early #33, and the plan then proposed round 2's levers as round 1's, "fewer units (8 -> 4)"
   * from #33 with no "round 2:"). And only the same phase's: a finer step started early names no round, and taken as
   * round 1's (daily minimum temperatures, 3-minute budget, jobs 2: #24, GRU(23) between the baseline's 16 and the
   * sweep's 32, was adopted by round 1's units sweep once it finished) it made the replayed plan go back into round 1
   * from it after the seed repeats of the baseline had run, and the trials proposed since no longer followed the plan.
   */
  private adopt(param: string, candidates: Params[], phase: string): void {
    const early = this.earlyOf(param, phase);
    for (const t of [...candidates.map((c) => this.done(c)!), ...early])
      if (t.state === 'complete' && t.value !== null && t.value < this.best) {
        this.best = t.value;
        this.bestTrial = t;
        this.current = { ...t.params };
        this.improved = true;
      }
  }

  /**
   * The trials started early for a sweep of param in a phase of the plan (while another sweep ran), seed repeats and
   * measuring sweeps aside, in the order of the trials. Sorted once per replay: adopt asked every trial for each sweep
   * the plan adopts, and the plan is replayed for every trial proposed (4 of every 160 seconds of a 2,500-trial
   * study's main thread).
   */
  private earlyOf(param: string, phase: string): readonly FrozenTrial[] {
    if (!this.early) {
      this.early = new Map();
      for (const t of this.trials) {
        const why = String(t.attrs.why ?? '');
        if (!why.startsWith('started while') || 'seed' in t.params || why.includes(MEASURED_ONLY)) continue;
        const by = `${phaseOf(why)} ${sweptBy(t) ?? ''}`;
        const group = this.early.get(by);
        if (group) group.push(t);
        else this.early.set(by, [t]);
      }
    }
    return this.early.get(`${phase} ${param}`) ?? [];
  }

  /**
   * Why more epochs cannot change the best configuration's model, or null: its training stopped before its epochs
   * (early stopping, or a NaN loss) for a reason of its own, not the time budget's, and a run with more epochs is the
   * same run up to that epoch, so it stops there again (a run's epochs set no schedule: their lengths are options of
   * their own). On a 36-month series a run that read "still learning" stopped at epoch 51 of 100, and its 200- and
   * 400-epoch trials gave its validation loss to the last digit. One seed only: the first seed's epochs are recorded.
   */
  stoppedEarly(): string | null {
    const t = this.bestTrial,
      ran = t.attrs.epochs as number | undefined,
      epochs = applyParams(this.env.base, this.current).train?.epochs;
    if (this.env.repeats !== 1 || t.attrs.stopped || ran === undefined || epochs === undefined || ran >= epochs)
      return null;
    return (
      `train.epochs not swept: the best configuration's training (#${t.number}) stopped at epoch ${ran} of ` +
      `${epochs}, so more epochs would train the same model`
    );
  }

  /**
   * Whether a trial with these params would fit in engine memory (tooBig) and finish in the time left (no budget:
   * yes); sets budget.skipped when it would not finish.
   */
  async fits(c: Params): Promise<boolean> {
    if (await this.tooBig(c)) return false;
    const b = this.budget;
    if (!b) return true;
    if ((await b.estimate(c, this.reference(), this.trials)) <= b.remaining()) return true;
    b.skipped = true;
    return false;
  }

  /**
   * The bytes a trial with these params needs for its training steps (stepMemory) when they cannot fit in the 4 GiB of
   * engine memory, else 0: such a trial fails before its first step (MemoryLimitError) and spends one of the study's
   * trials for nothing (at lookback 2000, batch 256, a units sweep from GRU(8) to 256 asks for 9 GiB, to 1024 for 36).
   */
  private async tooBig(c: Params): Promise<number> {
    if (this.done(c) || this.pending(c)) return 0;
    const bytes = await stepMemory(this.env, applyParams(this.env.base, c));
    return bytes > MEMORY_LIMIT_BYTES ? bytes : 0;
  }

  /** The trial a candidate's time is estimated from: the best so far (one factor away from it), else the baseline. */
  private reference(): FrozenTrial {
    return this.bestTrial.attrs.seconds ? this.bestTrial : this.baseline;
  }

  /**
   * The trials of a sweep: current with param set to each value the best does not have already, and the keys of
   * `also` set with it (the best with this value and those already is left out too); a value whose
   * trial would not finish in the time left is skipped (and said so), and so is a batch size that trains as the
   * same single batch of all the training windows as the best's own size or an earlier value (oneBatch).
   */
  private async candidatesOf(
    param: string,
    values: unknown[],
    also: Params = {},
  ): Promise<{ candidates: Params[]; skipped: string[]; tooBig: string[]; oneBatch: string }> {
    const cfg = applyParams(this.env.base, this.current);
    const has = (k: string, v: unknown) => same(getPath(cfg, k) ?? unsetValue(k), v);
    const alsoHas = Object.entries(also).every(([k, v]) => has(k, v));
    const made: Params[] = [];
    const whole = param === 'train.batch_size' ? await wholeBatch(this.env, cfg) : null;
    for (const v of values) {
      if (has(param, v) && alsoHas) continue; // the best already has this value
      if (whole?.same(v)) continue;
      let c = withValue(this.env.base, this.current, param, v);
      for (const [k, x] of Object.entries(also)) c = withValue(this.env.base, c, k, x);
      made.push(c);
    }
    return { ...(await this.inTime(param, made)), oneBatch: whole?.note() ?? '' };
  }

  /**
   * param's value in the configuration of candidate c, as the sweep's lines show it: a value the option has when its
   * key is left out is shown as that value ("dropout over [null,0.05]" said 0 as null).
   */
  private valueIn(c: Params, param: string): unknown {
    return getPath(applyParams(this.env.base, c), param) ?? unsetValue(param) ?? null;
  }

  /**
   * The candidates that fit in engine memory (tooBig) and finish in the time left, and those left out, by their value
   * of param and why. Explicit candidates too (a sweep's `candidates`): on Beijing PM2.5 six hours ahead the seed
   * repeats of the best configuration (about 4 min each) were started with 33 s of an 8-minute budget left, stopped at
   * epoch 2 as no fair draw, and the time the end step needed went to them ("5 of 6 candidates not scored").
   */
  private async inTime(
    param: string,
    made: readonly Params[],
  ): Promise<{ candidates: Params[]; skipped: string[]; tooBig: string[] }> {
    const candidates: Params[] = [],
      skipped: string[] = [],
      tooBig: string[] = [];
    for (const c of made) {
      const v = JSON.stringify(this.valueIn(c, param));
      const bytes = await this.tooBig(c);
      if (bytes) {
        tooBig.push(`${v} (${mib(bytes)})`);
        continue;
      }
      const b = this.budget;
      const est = b && !this.done(c) && !this.pending(c) ? await b.estimate(c, this.reference(), this.trials) : 0;
      const left = b?.remaining() ?? Infinity;
      if (est > left) {
        b!.skipped = true;
        skipped.push(`${v} (about ${span(est)}, ${span(left)} left)`);
      } else candidates.push(c);
    }
    return { candidates, skipped, tooBig };
  }
}

/**
 * What a layer option means when the config leaves it out, for the options whose sweeps reach that value: dropout 0
 * (a sweep that lowers the rates tries 0, which a layer without the key already is: a study of the starter config
 * trained #8 again as #14 with an explicit dropout 0, to the last bit of its weights).
 */
function unsetValue(param: string): unknown {
  const key = param.slice(param.lastIndexOf('.') + 1);
  return param.startsWith('model.layers[') && (key === 'dropout' || key === 'recurrent_dropout') ? 0 : undefined;
}

/**
 * Batch sizes of a sweep that would train exactly as another: every size at or above the number of training windows
 * is one step an epoch over all of them. `same(v)` is true for such a size once the best's own size or an earlier
 * value of the sweep is one too; `note()` says which were passed over (on a 36-month series with 19 training windows,
 * auto swept batch sizes 64 to 1024 against the config's 32, and its joint search tuned a batch size that changed
 * nothing).
 */
async function wholeBatch(env: TrialEnv, cfg: RawConfig) {
  const n = (await prepareFor(env, cfg)).windows.train.starts.length;
  const own = cfg.train?.batch_size ?? 32;
  let taken = own >= n;
  const passed: unknown[] = [];
  return {
    same(v: unknown): boolean {
      if (typeof v !== 'number' || v < n) return false;
      if (!taken) {
        taken = true; // the first size that holds every window is swept
        return false;
      }
      passed.push(v);
      return true;
    },
    note: () =>
      passed.length
        ? `not swept, the same single batch of all ${n} training windows as a size already in play: ` +
          passed.join(', ')
        : '',
  };
}
