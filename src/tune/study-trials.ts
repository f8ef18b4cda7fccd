// A study's storage as the tune layer reads it: getTrials gives, for each trial that was already finished at an
// earlier read, the object that read gave, so that what is kept by a trial's objects (paramsKey by its params,
// samplers/sampler.ts; the plan's indexes) is found again at the next read instead of being made again for every
// trial of every read. A finished trial never changes (storage never changes what it returned), so the shared object
// is the record storage would give.
import type {
  EndState,
  FrozenTrial,
  NewTrial,
  Owner,
  StaleResult,
  StaleRule,
  Storage,
  StudyRecord,
} from '../storage/index.js';
import { inFlight } from './samplers/index.js';

/**
 * `storage` with getTrials sharing the finished trials between reads; every other call goes to `storage` as it is.
 * @example
 * const storage = sharedTrials(openStorage('sqlite:seqtune.db'));
 * const [a, b] = [await storage.getTrials('demo'), await storage.getTrials('demo')];
 * a[0] === b[0]; // true once trial 0 has finished
 */
export const sharedTrials = (storage: Storage): Storage => new SharedTrials(storage);

class SharedTrials implements Storage {
  /** The finished trials read so far, by study, by number. */
  private finished = new Map<string, FrozenTrial[]>();

  constructor(private readonly storage: Storage) {}

  get file(): string | undefined {
    return this.storage.file;
  }

  async getTrials(study: string): Promise<FrozenTrial[]> {
    const fresh = await this.storage.getTrials(study);
    const known = this.finished.get(study) ?? [];
    this.finished.set(study, known);
    return fresh.map((t) => {
      const had = known[t.number];
      // the same record: a study deleted and made again under its name numbers its trials from 0 again
      if (had && had.state === t.state && had.started === t.started && had.finished === t.finished) return had;
      if (!inFlight(t)) known[t.number] = t;
      return t;
    });
  }

  async deleteStudy(name: string): Promise<boolean> {
    this.finished.delete(name);
    return this.storage.deleteStudy(name);
  }

  createStudy(name: string, attrs: Record<string, unknown>, opts?: { loadIfExists?: boolean }): Promise<StudyRecord> {
    return this.storage.createStudy(name, attrs, opts);
  }
  getStudy(name: string): Promise<StudyRecord | null> {
    return this.storage.getStudy(name);
  }
  listStudies(): Promise<StudyRecord[]> {
    return this.storage.listStudies();
  }
  setStudyAttr(name: string, key: string, value: unknown): Promise<void> {
    return this.storage.setStudyAttr(name, key, value);
  }
  createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs?: Record<string, unknown>,
    opts?: NewTrial,
  ): Promise<FrozenTrial> {
    return this.storage.createTrial(study, params, attrs, opts);
  }
  claimWaiting(study: string, owner: Owner): Promise<FrozenTrial | null> {
    return this.storage.claimWaiting(study, owner);
  }
  heartbeat(study: string, numbers: readonly number[]): Promise<void> {
    return this.storage.heartbeat(study, numbers);
  }
  report(study: string, number: number, step: number, value: number): Promise<void> {
    return this.storage.report(study, number, step, value);
  }
  finishTrial(
    study: string,
    number: number,
    state: EndState,
    value: number | null,
    extra?: { error?: string; attrs?: Record<string, unknown> },
  ): Promise<FrozenTrial> {
    return this.storage.finishTrial(study, number, state, value, extra);
  }
  failStale(study: string, rule: StaleRule): Promise<StaleResult> {
    return this.storage.failStale(study, rule);
  }
  failRunning(study: string, reason: string): Promise<number[]> {
    return this.storage.failRunning(study, reason);
  }
  close(): Promise<void> {
    return this.storage.close();
  }
}
