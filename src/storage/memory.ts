// In-memory storage (one process; for tests and throwaway studies).
import {
  duplicateOf,
  type EndState,
  type FrozenTrial,
  freezeTrial,
  isStale,
  type MadeStudy,
  type NewTrial,
  NOTHING_DELETED,
  NOTHING_READ,
  type OfStudy,
  type Owner,
  ownerAttrs,
  ownerText,
  remadeError,
  type StaleResult,
  type StaleRule,
  type Storage,
  StorageError,
  type StudyRecord,
  staleOutcome,
  type TrialState,
  type TrialsAt,
} from './types.js';

interface MutableTrial {
  number: number;
  state: TrialState;
  params: Record<string, unknown>;
  value: number | null;
  intermediate: number[];
  attrs: Record<string, unknown>;
  error: string | null;
  started: string;
  finished: string | null;
  owner: string | null;
  worker: number | null;
  heartbeat: string | null;
}

const now = () => new Date().toISOString();

export class MemoryStorage implements Storage {
  private studies = new Map<string, { rec: StudyRecord; trials: MutableTrial[] }>();
  /**
   * The frozen record of each trial as it is now, made once and returned until the trial changes (every change goes
   * through changed()): getTrials no longer copies every trial of the study on every ask (at trial 500 of
   * bench:search's latency run, about 0.6 ms of an ask+tell).
   */
  private readonly frozen = new WeakMap<MutableTrial, FrozenTrial>();

  private record(t: MutableTrial): FrozenTrial {
    let f = this.frozen.get(t);
    if (!f) {
      f = freezeTrial(t);
      this.frozen.set(t, f);
    }
    return f;
  }
  /** Changes a trial; its next record is a new one (a record returned before never changes). */
  private changed(t: MutableTrial, fields: Partial<MutableTrial>): void {
    Object.assign(t, fields);
    this.frozen.delete(t);
  }

  private study(name: string, of: OfStudy = {}, done?: string) {
    const s = this.studies.get(name);
    if (!s) throw new StorageError(`no study named "${name}"`);
    const remade = remadeError(name, 'memory', s.rec.created, of, done);
    if (remade) throw remade;
    return s;
  }
  private trial(study: string, number: number, of: OfStudy = {}): MutableTrial {
    const t = this.study(study, of).trials[number];
    if (!t) throw new StorageError(`study "${study}" has no trial ${number}`);
    return t;
  }

  async createStudy(
    name: string,
    attrs: Record<string, unknown>,
    opts: { loadIfExists?: boolean } = {},
  ): Promise<MadeStudy> {
    const s = this.studies.get(name);
    if (s) {
      if (opts.loadIfExists) return Object.freeze({ ...s.rec, made: false });
      throw new StorageError(`a study named "${name}" already exists`);
    }
    const rec = Object.freeze({
      name,
      direction: 'minimize' as const,
      created: now(),
      attrs: Object.freeze({ ...attrs }),
    });
    this.studies.set(name, { rec, trials: [] });
    return Object.freeze({ ...rec, made: true });
  }
  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.studies.get(name)?.rec ?? null;
  }
  async listStudies(): Promise<StudyRecord[]> {
    return [...this.studies.values()].map((s) => s.rec);
  }
  async setStudyAttr(name: string, key: string, value: unknown): Promise<void> {
    const s = this.study(name);
    s.rec = Object.freeze({ ...s.rec, attrs: Object.freeze({ ...s.rec.attrs, [key]: value }) });
  }
  async deleteStudy(name: string, of: OfStudy = {}): Promise<boolean> {
    if (!this.studies.has(name)) return false;
    this.study(name, of, NOTHING_DELETED);
    return this.studies.delete(name);
  }
  async createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs: Record<string, unknown> = {},
    opts: NewTrial = {},
  ): Promise<FrozenTrial> {
    const s = this.study(study, opts);
    const dup = opts.unique ? duplicateOf(study, params, s.trials, opts.unique) : null;
    if (dup) throw dup;
    const owned = !opts.waiting && opts.owner;
    const t: MutableTrial = {
      number: s.trials.length,
      state: opts.waiting ? 'waiting' : 'running',
      params: structuredClone(params),
      value: null,
      intermediate: [],
      attrs: structuredClone(owned ? { ...attrs, ...ownerAttrs(owned) } : attrs),
      error: null,
      started: now(),
      finished: null,
      owner: owned ? ownerText(owned) : null,
      worker: owned ? owned.worker : null,
      heartbeat: owned ? now() : null,
    };
    s.trials.push(t);
    return this.record(t);
  }
  async claimWaiting(study: string, owner: Owner, of: OfStudy = {}): Promise<FrozenTrial | null> {
    const t = this.study(study, of).trials.find((x) => x.state === 'waiting');
    if (!t) return null;
    const at = now();
    const attrs = { ...t.attrs, ...ownerAttrs(owner) };
    this.changed(t, {
      state: 'running',
      owner: ownerText(owner),
      worker: owner.worker,
      heartbeat: at,
      started: at,
      attrs,
    });
    return this.record(t);
  }
  async heartbeat(study: string, numbers: readonly number[], of: OfStudy = {}): Promise<void> {
    if (!numbers.length) return;
    const s = this.study(study, of);
    for (const n of numbers) {
      const t = s.trials[n];
      if (t?.state === 'running') this.changed(t, { heartbeat: now() });
    }
  }
  async report(study: string, number: number, step: number, value: number, of: OfStudy = {}): Promise<void> {
    const t = this.trial(study, number, of);
    if (t.state !== 'running')
      throw new StorageError(`trial ${number} of "${study}" is ${t.state}; only a running trial takes reports`);
    const intermediate = [...t.intermediate];
    intermediate[step] = value;
    this.changed(t, { intermediate });
  }
  async finishTrial(
    study: string,
    number: number,
    state: EndState,
    value: number | null,
    extra: { error?: string; attrs?: Record<string, unknown> } & OfStudy = {},
  ): Promise<FrozenTrial> {
    const t = this.trial(study, number, extra);
    if (t.state !== 'running') throw new StorageError(`trial ${number} of "${study}" is already ${t.state}`);
    this.changed(t, {
      state,
      value,
      error: extra.error ?? null,
      finished: now(),
      attrs: { ...t.attrs, ...(extra.attrs ?? {}) },
    });
    return this.record(t);
  }
  async getTrials(study: string, of: OfStudy = {}): Promise<FrozenTrial[]> {
    return this.study(study, of, NOTHING_READ).trials.map((t) => this.record(t));
  }
  async getTrialsAt(study: string, of: OfStudy = {}): Promise<TrialsAt> {
    return { trials: await this.getTrials(study, of), now: Date.now() };
  }
  async failStale(study: string, rule: StaleRule, of: OfStudy = {}): Promise<StaleResult> {
    const out: StaleResult = { failed: [], enqueued: [] };
    const at = Date.now();
    for (const t of [...this.study(study, of).trials]) {
      const kind = t.state === 'running' ? isStale(t, rule, at) : null;
      if (!kind) continue;
      const { error, retry } = staleOutcome(t, kind === 'dead', rule);
      this.changed(t, { state: 'failed', error, finished: now() });
      out.failed.push(t.number);
      if (retry) {
        this.changed(t, { attrs: { ...t.attrs, retried_as: this.study(study).trials.length } });
        out.enqueued.push((await this.createTrial(study, t.params, retry, { waiting: true })).number);
      }
    }
    return out;
  }
  async failRunning(study: string, reason: string): Promise<number[]> {
    const numbers: number[] = [];
    for (const t of this.study(study).trials)
      if (t.state === 'running') {
        this.changed(t, { state: 'failed', error: reason, finished: now() });
        numbers.push(t.number);
      }
    return numbers;
  }
  async close(): Promise<void> {}
}
