// Study storage: the single source of truth for studies and trials. Records handed out are frozen
// (a finished trial never changes); trial states are explicit. Every implementation runs the same
// contract tests (test/storage/contract.ts).
import { SeqtuneError } from '../errors.js';

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';
export const TRIAL_STATES: readonly TrialState[] = ['running', 'complete', 'pruned', 'failed'];

export interface StudyRecord {
  readonly name: string;
  readonly direction: 'minimize';
  readonly created: string;
  readonly attrs: Readonly<Record<string, unknown>>;
}

export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, unknown>>;
  /** The objective (lower is better); null unless complete (a pruned trial keeps its last value here). */
  readonly value: number | null;
  /** Objective per epoch, as reported while the trial ran. */
  readonly intermediate: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly error: string | null;
  readonly started: string;
  readonly finished: string | null;
}

export class StorageError extends SeqtuneError {}

export interface Storage {
  /** Creates a study; an existing name is an error unless `loadIfExists`. */
  createStudy(name: string, attrs: Record<string, unknown>, opts?: { loadIfExists?: boolean }): Promise<StudyRecord>;
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudyRecord[]>;
  setStudyAttr(name: string, key: string, value: unknown): Promise<void>;
  /** A new running trial with the next number of the study (numbers never repeat, even across processes). */
  createTrial(study: string, params: Record<string, unknown>, attrs?: Record<string, unknown>): Promise<FrozenTrial>;
  /** Records the objective at one step (epoch) of a running trial. */
  report(study: string, number: number, step: number, value: number): Promise<void>;
  /** Ends a running trial. Ending a finished trial is an error. */
  finishTrial(
    study: string,
    number: number,
    state: Exclude<TrialState, 'running'>,
    value: number | null,
    extra?: { error?: string; attrs?: Record<string, unknown> },
  ): Promise<FrozenTrial>;
  getTrials(study: string): Promise<FrozenTrial[]>;
  /** Marks every running trial of a study failed (after a crash); returns their numbers. */
  failRunning(study: string, reason: string): Promise<number[]>;
  close(): Promise<void>;
}

export function freezeTrial(t: FrozenTrial): FrozenTrial {
  return Object.freeze({
    ...t,
    params: Object.freeze({ ...t.params }),
    attrs: Object.freeze({ ...t.attrs }),
    intermediate: Object.freeze([...t.intermediate]),
  });
}
